#pragma once

// Opaque, time-ordered identifiers: "<prefix>_" + 10 Crockford base32 characters of the
// creation time in milliseconds + 16 random ones ("evt_01jd3k9x2m4q7r8s9t0v1w2x3y"). Sorting ids
// as strings sorts them by creation time, which keyset paging relies on. Thread-safe.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cronium {

std::string NewId(std::string_view prefix, TimePoint now);

// "<prefix>_" and the 10 time characters of `at`, without the monotonic adjustment of NewId:
// ids made at or after `at` sort after it, so it bounds scans by creation time. (An id's time
// is never before its creation; after a clock step back it may be later.)
std::string IdTimePrefix(std::string_view prefix, TimePoint at);

// Fills `out` with `n` bytes from the kernel's CSPRNG (getrandom). Aborts if the kernel cannot
// provide randomness, which only happens on a broken system.
void RandomBytes(void* out, size_t n);

// True if `id` looks like an id this module could have made (safe charset, sane length).
bool IsWellFormedId(std::string_view id);

}  // namespace cronium

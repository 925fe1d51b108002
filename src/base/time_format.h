#pragma once

// RFC 3339 timestamps in UTC with millisecond precision ("2026-01-02T03:04:05.678Z").

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/error.h"

namespace cronium {

std::string FormatRfc3339(TimePoint t);
Result<TimePoint> ParseRfc3339(std::string_view text);

int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);

}  // namespace cronium

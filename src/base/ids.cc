#include "base/ids.h"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <mutex>

#include "base/check.h"
#include "base/time_format.h"

namespace cronium {
namespace {
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
}  // namespace

void RandomBytes(void* out, size_t n) {
  auto* bytes = static_cast<unsigned char*>(out);
  size_t done = 0;
  while (done < n) {
    const ssize_t got = getrandom(bytes + done, n - done, 0);
    if (got < 0 && errno == EINTR) continue;
    CRONIUM_CHECK(got > 0);
    done += static_cast<size_t>(got);
  }
}

std::string NewId(std::string_view prefix, TimePoint now) {
  // Monotonic within the process (as ULID's monotonic mode): in the same millisecond, or if
  // the clock stepped back, the previous id's random part is incremented, so ids made later
  // always sort later.
  struct State {
    std::mutex mutex;
    uint64_t last_ms = 0;
    std::array<unsigned char, 16> digits{};  // base32 digit values
  };
  static State state;
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, ToUnixMillis(now)));
  std::array<unsigned char, 16> digits{};
  {
    std::lock_guard lock(state.mutex);
    if (ms <= state.last_ms) {
      ms = state.last_ms;
      digits = state.digits;
      for (int pos = 15; pos >= 0; --pos) {
        if (++digits[pos] < 32) break;
        digits[pos] = 0;
      }
    } else {
      unsigned char random[16];
      RandomBytes(random, sizeof random);
      for (size_t pos = 0; pos < 16; ++pos) digits[pos] = random[pos] & 31;
      digits[0] &= 15;  // headroom so increments within one millisecond never overflow
    }
    state.last_ms = ms;
    state.digits = digits;
  }
  std::string id = IdTimePrefix(prefix, TimePoint(std::chrono::milliseconds(ms)));
  for (unsigned char digit : digits) id.push_back(kAlphabet[digit]);
  return id;
}

std::string IdTimePrefix(std::string_view prefix, TimePoint at) {
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, ToUnixMillis(at)));
  std::string id(prefix);
  id.push_back('_');
  char time_part[10];
  for (int pos = 9; pos >= 0; --pos) {
    time_part[pos] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  id.append(time_part, 10);
  return id;
}

bool IsWellFormedId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace cronium

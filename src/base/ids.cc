#include "base/ids.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>

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
  std::string id(prefix);
  id.push_back('_');
  uint64_t ms = static_cast<uint64_t>(ToUnixMillis(now));
  char time_part[10];
  for (int pos = 9; pos >= 0; --pos) {
    time_part[pos] = kAlphabet[ms & 31];
    ms >>= 5;
  }
  id.append(time_part, 10);
  unsigned char random[16];
  RandomBytes(random, sizeof random);
  for (unsigned char byte : random) id.push_back(kAlphabet[byte & 31]);
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

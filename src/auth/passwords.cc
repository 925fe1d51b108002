#include "auth/passwords.h"

#include <fmt/format.h>
#include <sodium.h>

#include <condition_variable>
#include <mutex>

#include "crypto/secrets.h"

namespace cronium::auth {
namespace {

// Bounds the memory that concurrent hashing can take (each hash holds ~64 MiB).
class HashSlots {
 public:
  void Acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      ++free_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int free_ = 2;
};

HashSlots& Slots() {
  static HashSlots slots;
  return slots;
}

struct SlotGuard {
  SlotGuard() { Slots().Acquire(); }
  ~SlotGuard() { Slots().Release(); }
};

}  // namespace

Status CheckPasswordRules(std::string_view password) {
  if (password.size() < kMinPasswordBytes) {
    return InvalidArgument(fmt::format("password: at least {} characters", kMinPasswordBytes));
  }
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument(fmt::format("password: at most {} bytes", kMaxPasswordBytes));
  }
  if (password.find('\0') != std::string_view::npos) {
    return InvalidArgument("password: must not contain NUL bytes");
  }
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  CRONIUM_RETURN_IF_ERROR(CheckPasswordRules(password));
  crypto::EnsureSodium();
  char hash[crypto_pwhash_STRBYTES];
  SlotGuard slot;
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return ResourceExhausted("not enough memory to hash the password; try again");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  crypto::EnsureSodium();
  SlotGuard slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewRandomPassword() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  crypto::EnsureSodium();
  std::string password;
  for (int n = 0; n < 24; ++n) {
    password.push_back(kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))]);
  }
  return password;
}

}  // namespace cronium::auth

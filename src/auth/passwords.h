#pragma once

// Password hashing with Argon2id (libsodium crypto_pwhash_str, interactive limits). Each hash
// takes ~64 MiB and tens of milliseconds, so at most a few run at once. Thread-safe.

#include <string>
#include <string_view>

#include "base/error.h"

namespace cronium::auth {

inline constexpr size_t kMinPasswordBytes = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// kInvalidArgument saying what is wrong (too short, too long, NUL byte).
Status CheckPasswordRules(std::string_view password);
Result<std::string> HashPassword(std::string_view password);
// Constant-time verification; false for a malformed hash.
bool VerifyPassword(const std::string& hash, std::string_view password);
// A random password that satisfies the rules (24 characters, unambiguous alphabet).
std::string NewRandomPassword();

}  // namespace cronium::auth

#include "crypto/secrets.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/check.h"

namespace cronium::crypto {
namespace {

constexpr std::string_view kSealPrefix = "v1.";
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "cronium_";

std::string Base64Encode(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

}  // namespace

void EnsureSodium() { CRONIUM_CHECK(sodium_init() >= 0); }

Key::Key(const std::array<unsigned char, kKeyBytes>& bytes) : bytes_(bytes) {}
Key::Key(const Key& other) : bytes_(other.bytes_) {}
Key& Key::operator=(const Key& other) {
  bytes_ = other.bytes_;
  return *this;
}
Key::~Key() { sodium_memzero(bytes_.data(), bytes_.size()); }

std::string SecretBox::Seal(std::string_view plaintext, std::string_view associated_data) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  std::string raw(kNonce + plaintext.size() + kTag, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  randombytes_buf(out, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonce, &written, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(associated_data.data()),
      associated_data.size(), nullptr, out, keys_.front().data());
  std::string sealed(kSealPrefix);
  sealed += Base64Encode(out, kNonce + written);
  return sealed;
}

Result<std::string> SecretBox::Open(std::string_view sealed,
                                    std::string_view associated_data) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.substr(0, kSealPrefix.size()) != kSealPrefix) {
    return InvalidArgument("not a sealed value");
  }
  const std::string_view encoded = sealed.substr(kSealPrefix.size());
  std::string raw(encoded.size(), '\0');
  size_t raw_len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), encoded.data(),
                        encoded.size(), nullptr, &raw_len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      raw_len < kNonce + kTag) {
    return InvalidArgument("sealed value is not valid base64");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::string plain(raw_len - kNonce - kTag, '\0');
  for (const Key& key : keys_) {
    unsigned long long plain_len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr, in + kNonce,
            raw_len - kNonce, reinterpret_cast<const unsigned char*>(associated_data.data()),
            associated_data.size(), in, key.data()) == 0) {
      plain.resize(plain_len);
      return plain;
    }
  }
  return MakeError(ErrorCode::kPermissionDenied,
                   "sealed value does not decrypt with this key (wrong key, record or tampered)");
}

Result<MasterKey> MasterKey::LoadOrCreate(const std::string& path) {
  EnsureSodium();
  std::array<unsigned char, kKeyBytes> bytes{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Internal(fmt::format("cannot create {}: {}", parent.string(), ec.message()));
    }
    randombytes_buf(bytes.data(), bytes.size());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return Internal(fmt::format("cannot create key file {}: {}", path, std::strerror(errno)));
    }
    const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return Internal(fmt::format("cannot write key file {}", path));
    Key key(bytes);
    sodium_memzero(bytes.data(), bytes.size());
    return MasterKey(std::move(key));
  }
  if (fd < 0) {
    return Internal(fmt::format("cannot open key file {}: {}", path, std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return FailedPrecondition(fmt::format(
        "key file {} must be readable by its owner only (run: chmod 600 {})", path, path));
  }
  unsigned char extra = 0;
  const ssize_t got = ::read(fd, bytes.data(), bytes.size());
  const ssize_t more = ::read(fd, &extra, 1);
  ::close(fd);
  if (got != static_cast<ssize_t>(bytes.size()) || more != 0) {
    return FailedPrecondition(
        fmt::format("key file {} is damaged: it must hold exactly {} bytes", path, kKeyBytes));
  }
  Key key(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return MasterKey(std::move(key));
}

MasterKey MasterKey::FromBytesForTest(const std::array<unsigned char, kKeyBytes>& bytes) {
  EnsureSodium();
  return MasterKey(Key(bytes));
}

Key MasterKey::Derive(KeyPurpose purpose) const {
  std::array<unsigned char, kKeyBytes> sub{};
  crypto_kdf_derive_from_key(sub.data(), sub.size(), static_cast<uint64_t>(purpose), kKdfContext,
                             key_.data());
  Key key(sub);
  sodium_memzero(sub.data(), sub.size());
  return key;
}

std::string MasterKey::CheckValue() const {
  const std::string hash = Hasher(KeyPurpose::kKeyCheck).Hash("cronium key check");
  return hash.substr(0, 16);
}

std::string SecretHasher::Hash(std::string_view secret) const {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), key_.data(), kKeyBytes);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string Base64UrlEncode(std::string_view bytes) {
  EnsureSodium();
  std::string text(
      sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(std::strlen(text.c_str()));
  return text;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  EnsureSodium();
  std::string bytes(text.size(), '\0');
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

namespace {

// {"alg":"HS256","typ":"JWT"}: the only header signed or accepted.
constexpr std::string_view kJwtHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

std::string HmacSha256(const Key& key, std::string_view message) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), kKeyBytes);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

}  // namespace

std::string JwtSigner::Sign(std::string_view payload_json) const {
  std::string token = std::string(kJwtHeader) + "." + Base64UrlEncode(payload_json);
  token += "." + Base64UrlEncode(HmacSha256(keys_.front(), token));
  return token;
}

Result<std::string> JwtSigner::Verify(std::string_view token) const {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return MakeError(ErrorCode::kUnauthenticated, "the token is not a JWT");
  }
  // Only the exact header this signer writes: no other algorithm (nor "none") can pass.
  if (token.substr(0, first) != kJwtHeader) {
    return MakeError(ErrorCode::kUnauthenticated, "the token is not signed with HS256");
  }
  const auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature || signature->size() != crypto_auth_hmacsha256_BYTES) {
    return MakeError(ErrorCode::kUnauthenticated, "the token's signature is malformed");
  }
  const std::string_view signed_part = token.substr(0, second);
  bool valid = false;
  for (const Key& key : keys_) {
    const std::string expected = HmacSha256(key, signed_part);
    valid = valid || sodium_memcmp(expected.data(), signature->data(), expected.size()) == 0;
  }
  if (!valid) return MakeError(ErrorCode::kUnauthenticated, "the token's signature does not match");
  auto payload = Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return MakeError(ErrorCode::kUnauthenticated, "the token's payload is malformed");
  return std::move(*payload);
}

JwtSigner KeyFiles::Signer(KeyPurpose purpose) const {
  if (!next_) return current_.Signer(purpose);
  return JwtSigner({next_->Derive(purpose), current_.Derive(purpose)});
}

std::string NewSecretToken(std::string_view prefix) {
  EnsureSodium();
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  std::string token(prefix);
  token += Base64Encode(bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
  return token;
}

Result<KeyFiles> KeyFiles::Open(const std::string& master_path) {
  CRONIUM_ASSIGN_OR_RETURN(MasterKey current, MasterKey::LoadOrCreate(master_path));
  KeyFiles files(master_path, std::move(current));
  if (std::filesystem::exists(master_path + ".next")) {
    CRONIUM_ASSIGN_OR_RETURN(MasterKey next, MasterKey::LoadOrCreate(master_path + ".next"));
    files.next_.emplace(std::move(next));
  }
  return files;
}

std::optional<std::string> KeyFiles::NextCheckValue() const {
  if (!next_) return std::nullopt;
  return next_->CheckValue();
}

SecretBox KeyFiles::Box(KeyPurpose purpose) const {
  if (!next_) return current_.Box(purpose);
  return SecretBox(std::vector<Key>{next_->Derive(purpose), current_.Derive(purpose)});
}

SecretBox KeyFiles::TargetBox(KeyPurpose purpose) const {
  return next_ ? next_->Box(purpose) : current_.Box(purpose);
}

Status KeyFiles::BeginRotation() {
  if (next_) return OkStatus();
  CRONIUM_ASSIGN_OR_RETURN(MasterKey next, MasterKey::LoadOrCreate(path_ + ".next"));
  next_.emplace(std::move(next));
  return OkStatus();
}

Status KeyFiles::CommitRotation() {
  if (!next_) return FailedPrecondition("no key rotation is under way");
  const std::string from = path_ + ".next";
  const std::string& to = path_;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Internal(fmt::format("cannot replace {}: {}", to, std::strerror(errno)));
  }
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  current_ = std::move(*next_);
  next_.reset();
  return OkStatus();
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[2 * crypto_auth_hmacsha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  return std::string(hex, 2 * crypto_auth_hmacsha256_BYTES);
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
  return std::string(hex, 2 * crypto_hash_sha256_BYTES);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Hash both sides first so the comparison time does not leak the length either.
  unsigned char ha[crypto_generichash_BYTES], hb[crypto_generichash_BYTES];
  crypto_generichash(ha, sizeof ha, reinterpret_cast<const unsigned char*>(a.data()), a.size(),
                     nullptr, 0);
  crypto_generichash(hb, sizeof hb, reinterpret_cast<const unsigned char*>(b.data()), b.size(),
                     nullptr, 0);
  return sodium_memcmp(ha, hb, sizeof ha) == 0;
}

}  // namespace cronium::crypto

#pragma once

// Secrets at rest: a master key kept in a 0600 file, per-purpose keys derived from it
// (libsodium crypto_kdf), and authenticated encryption (XChaCha20-Poly1305) whose associated data
// binds each ciphertext to the record it belongs to, so a value copied onto another record does
// not decrypt. Key material is wiped from memory on destruction. Objects are immutable after
// construction and therefore thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cronium::crypto {

inline constexpr size_t kKeyBytes = 32;

// What a derived key is for. Values are persisted implicitly (a different id yields a different
// key), so never renumber them.
enum class KeyPurpose : uint64_t {
  kEventEnvVars = 1,
  kUserVariables = 2,
  kCredentials = 3,
  kExecutionTokens = 4,
  kTokenHashing = 5,  // keyed hashes of API tokens, session cookies and invites
  kWebhookSecrets = 6,
  kKeyCheck = 7,  // MasterKey::CheckValue
};

class Key {
 public:
  explicit Key(const std::array<unsigned char, kKeyBytes>& bytes);
  Key(const Key& other);
  Key& operator=(const Key& other);
  ~Key();

  const unsigned char* data() const { return bytes_.data(); }

 private:
  std::array<unsigned char, kKeyBytes> bytes_;
};

// Authenticated encryption. Sealed text is "v1." + base64url(nonce || ciphertext). The first key
// seals; every key is tried to open, so values stay readable while a key rotation re-encrypts
// them.
class SecretBox {
 public:
  explicit SecretBox(Key key) : keys_{std::move(key)} {}
  explicit SecretBox(std::vector<Key> keys) : keys_(std::move(keys)) {}

  std::string Seal(std::string_view plaintext, std::string_view associated_data) const;
  // kInvalidArgument for text that is not a sealed value; kPermissionDenied when the key or the
  // associated data does not match or the ciphertext was tampered with.
  Result<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

 private:
  Key SealingKey() const { return keys_.front(); }
  std::vector<Key> keys_;  // never empty
};

// A keyed hash (BLAKE2b-256, hex) of a high-entropy secret such as an API token: what the
// database stores instead of the secret. Without the key, a leaked table cannot be checked
// against guesses.
class SecretHasher {
 public:
  explicit SecretHasher(Key key) : key_(std::move(key)) {}
  std::string Hash(std::string_view secret) const;

 private:
  Key key_;
};

// JSON Web Tokens signed with HMAC-SHA256 (JWS compact form, header {"alg":"HS256","typ":"JWT"}).
// The first key signs; every key is tried to verify (a key rotation keeps tokens valid).
// Verification accepts nothing but HS256: "alg": "none" or any other algorithm, a malformed
// token or a signature that does not match (compared in constant time) is kUnauthenticated.
// Claims are not looked at here.
class JwtSigner {
 public:
  explicit JwtSigner(std::vector<Key> keys) : keys_(std::move(keys)) {}
  // `payload_json` is the claims object, serialized.
  std::string Sign(std::string_view payload_json) const;
  // The payload (JSON text) of a valid token.
  Result<std::string> Verify(std::string_view token) const;

 private:
  std::vector<Key> keys_;  // never empty
};

std::string Base64UrlEncode(std::string_view bytes);
// nullopt for text that is not unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// A new random secret: `prefix` + 43 characters of base64url (32 bytes).
std::string NewSecretToken(std::string_view prefix);

class MasterKey {
 public:
  // Reads the 32-byte key at `path`, or creates it (mode 0600, parent directories 0700) when the
  // file does not exist. Refuses a key file readable by group or others, or of the wrong size.
  static Result<MasterKey> LoadOrCreate(const std::string& path);
  static MasterKey FromBytesForTest(const std::array<unsigned char, kKeyBytes>& bytes);

  Key Derive(KeyPurpose purpose) const;
  SecretBox Box(KeyPurpose purpose) const { return SecretBox(Derive(purpose)); }
  SecretHasher Hasher(KeyPurpose purpose) const { return SecretHasher(Derive(purpose)); }
  JwtSigner Signer(KeyPurpose purpose) const { return JwtSigner({Derive(purpose)}); }
  // Names this key without revealing it: 16 hex digits of a keyed hash of a fixed text under a
  // key derived for this alone. Nodes of one cluster compare theirs with the one the database
  // records.
  std::string CheckValue() const;

 private:
  explicit MasterKey(Key key) : key_(std::move(key)) {}
  Key key_;
};

// The master key file of a data directory and, while a rotation is under way, the next key
// (master.key.next). A rotation writes the next key first, re-encrypts every sealed value so
// that it opens with either key, then renames the next key over the current one; a crash
// anywhere leaves both files, and the next start finishes the job. Not thread-safe: the caller
// serialises rotations.
class KeyFiles {
 public:
  // `master_path` is the key file (created if missing); the next key lives at
  // `master_path` + ".next".
  static Result<KeyFiles> Open(const std::string& master_path);

  // Seals with the next key when a rotation is under way, else the current one; opens with
  // both.
  SecretBox Box(KeyPurpose purpose) const;
  // The box a finished rotation will use: the next key only (the current key if none).
  SecretBox TargetBox(KeyPurpose purpose) const;
  // Signs with the next key when a rotation is under way, else the current one; verifies with
  // both.
  JwtSigner Signer(KeyPurpose purpose) const;
  bool rotating() const { return next_.has_value(); }
  // MasterKey::CheckValue of the current key, and of the next one while a rotation is under way.
  std::string CheckValue() const { return current_.CheckValue(); }
  std::optional<std::string> NextCheckValue() const;

  // Creates master.key.next (0600) unless it exists already.
  Status BeginRotation();
  // Renames master.key.next over master.key; the next key becomes the current one.
  Status CommitRotation();

 private:
  KeyFiles(std::string path, MasterKey current)
      : path_(std::move(path)), current_(std::move(current)) {}
  std::string path_;
  MasterKey current_;
  std::optional<MasterKey> next_;
};

// Compares two secrets in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// HMAC-SHA256 of `message` under `key` (any length), as 64 lowercase hex digits.
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// SHA-256 of `bytes`, as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view bytes);

// Initialises libsodium; safe to call many times and from many threads.
void EnsureSodium();

}  // namespace cronium::crypto

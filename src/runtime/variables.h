#pragma once

// Variables: a user's named JSON values, shared by all of their runs. Scripts read and write
// them through the runtime API (as the execution that runs them), people through the REST API
// and the CLI. Values are JSON of any type, kept as they were sent (numbers stay numbers, null
// stays null), encrypted at rest (XChaCha20-Poly1305 with a key derived for this purpose; the
// user id and key are the associated data, so a value copied onto another row does not open).
// Writes of one key are serialized; every write is audited with its actor. Thread-safe.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "crypto/secrets.h"
#include "store/records.h"

namespace cronium::store {
class Store;
}

namespace cronium::runtime {

struct VariablesOptions {
  size_t max_value_bytes = 1 << 20;  // of the value's JSON text
  int64_t max_per_user = 10'000;
  int64_t max_bytes_per_user = 64 << 20;  // sealed values of one user, in all
  size_t max_key_bytes = 256;
};

// Where a page of List stops growing: its values' JSON reached this many bytes.
inline constexpr size_t kListPageBytes = 4 << 20;

struct Variable {
  std::string key;
  std::string value_json;  // valid JSON, compact
  int64_t version = 0;
  TimePoint created_at;
  TimePoint updated_at;
  std::string updated_by;
};

class Variables {
 public:
  Variables(VariablesOptions options, store::Store& store, crypto::SecretBox box,
            const Clock& clock);

  const VariablesOptions& options() const { return options_; }

  // kInvalidArgument naming what is wrong with a key: empty, too long, not UTF-8, or holding
  // control characters.
  Status ValidateKey(const std::string& key) const;

  // nullopt for a key the user does not have.
  Result<std::optional<Variable>> Get(const std::string& user_id, const std::string& key);
  // `value_json` must be valid JSON (it is stored compact). kInvalidArgument for a bad key or
  // value, kResourceExhausted (with no retry time) for a value over the size limit or a new key
  // beyond the per-user limit.
  Result<Variable> Put(const std::string& user_id, const std::string& key,
                       const std::string& value_json, const store::Actor& actor);
  // kNotFound when there was none.
  Status Delete(const std::string& user_id, const std::string& key, const store::Actor& actor);
  // By key; keys after `after_key`, starting with `prefix`: at most `limit`, and no more once
  // the values reach `max_bytes` (at least one), so a page of large values stays bounded.
  Result<std::vector<Variable>> List(const std::string& user_id, const std::string& prefix,
                                     const std::string& after_key, int limit,
                                     size_t max_bytes = kListPageBytes);

  // Key rotation: re-encrypts every variable with `target` in one transaction; then SetBox.
  Result<int> ResealAll(const crypto::SecretBox& target, const store::AuditEntry& audit);
  void SetBox(crypto::SecretBox box);

 private:
  std::shared_ptr<const crypto::SecretBox> Box() const;
  std::mutex& KeyMutex(const std::string& user_id, const std::string& key);
  Result<Variable> Open(const store::VariableRecord& record) const;

  const VariablesOptions options_;
  store::Store& store_;
  const Clock& clock_;
  // Held shared by a write from sealing its value to storing it, exclusively by SetBox: once a
  // key rotation switched the box, no value sealed with the old key can still arrive.
  mutable std::shared_mutex box_mutex_;
  std::shared_ptr<const crypto::SecretBox> box_;  // Guarded by box_mutex_.
  std::array<std::mutex, 64> key_mutexes_;        // writes of one key, striped
};

}  // namespace cronium::runtime

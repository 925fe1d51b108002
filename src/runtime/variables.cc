#include "runtime/variables.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "base/utf8.h"
#include "store/store.h"

namespace cronium::runtime {
namespace {

using nlohmann::json;

std::string Aad(const std::string& user_id, const std::string& key) {
  return "variable\n" + user_id + "\n" + key;
}

// The audit log names the key and the size, never the value.
std::string AuditDetails(const std::string& user_id, const std::string& key, size_t bytes) {
  json details = {{"key", key}, {"userId", user_id}};
  if (bytes > 0) details["bytes"] = bytes;
  return details.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Variables::Variables(VariablesOptions options, store::Store& store, crypto::SecretBox box,
                     const Clock& clock)
    : options_(options),
      store_(store),
      clock_(clock),
      box_(std::make_shared<const crypto::SecretBox>(std::move(box))) {}

std::shared_ptr<const crypto::SecretBox> Variables::Box() const {
  std::shared_lock lock(box_mutex_);
  return box_;
}

void Variables::SetBox(crypto::SecretBox box) {
  auto replacement = std::make_shared<const crypto::SecretBox>(std::move(box));
  std::unique_lock lock(box_mutex_);  // waits for writes sealed with the old box
  box_ = std::move(replacement);
}

std::mutex& Variables::KeyMutex(const std::string& user_id, const std::string& key) {
  const size_t hash = std::hash<std::string>{}(user_id) ^ (std::hash<std::string>{}(key) << 1);
  return key_mutexes_[hash % key_mutexes_.size()];
}

Status Variables::ValidateKey(const std::string& key) const {
  if (key.empty()) return InvalidArgument("key: must not be empty");
  if (key.size() > options_.max_key_bytes) {
    return InvalidArgument(
        fmt::format("key: {} bytes; the limit is {}", key.size(), options_.max_key_bytes));
  }
  if (!IsValidUtf8(key)) return InvalidArgument("key: must be valid UTF-8");
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("key: must not contain control characters");
  }
  return OkStatus();
}

Result<Variable> Variables::Open(const store::VariableRecord& record) const {
  auto plain = Box()->Open(record.sealed_value, Aad(record.user_id, record.key));
  if (!plain) {
    return Internal(
        fmt::format("variable {} cannot be decrypted: {}", record.key, plain.error().message));
  }
  return Variable{.key = record.key,
                  .value_json = std::move(*plain),
                  .version = record.version,
                  .created_at = record.created_at,
                  .updated_at = record.updated_at,
                  .updated_by = record.updated_by};
}

Result<std::optional<Variable>> Variables::Get(const std::string& user_id, const std::string& key) {
  CRONIUM_RETURN_IF_ERROR(ValidateKey(key));
  auto record = store_.GetVariable(user_id, key);
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) return std::optional<Variable>();
    return tl::unexpected(record.error());
  }
  CRONIUM_ASSIGN_OR_RETURN(Variable variable, Open(*record));
  return std::optional<Variable>(std::move(variable));
}

Result<Variable> Variables::Put(const std::string& user_id, const std::string& key,
                                const std::string& value_json, const store::Actor& actor) {
  CRONIUM_RETURN_IF_ERROR(ValidateKey(key));
  if (value_json.size() > options_.max_value_bytes) {
    return MakeError(ErrorCode::kResourceExhausted,
                     fmt::format("value: {} bytes of JSON; the limit is {}", value_json.size(),
                                 options_.max_value_bytes));
  }
  const json value = json::parse(value_json, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return InvalidArgument("value: not valid JSON");
  const std::string compact = value.dump(-1, ' ', false, json::error_handler_t::replace);

  std::lock_guard key_lock(KeyMutex(user_id, key));
  std::shared_lock box_lock(box_mutex_);  // sealed and stored under one key (see SetBox)
  const TimePoint now = clock_.Now();
  store::VariableRecord record{.user_id = user_id,
                               .key = key,
                               .sealed_value = box_->Seal(compact, Aad(user_id, key)),
                               .created_at = now,
                               .updated_at = now,
                               .updated_by = actor.type + ":" + actor.id};
  CRONIUM_ASSIGN_OR_RETURN(
      auto stored,
      store_.PutVariable(record, {options_.max_per_user, options_.max_bytes_per_user},
                         store::MakeAudit(actor, now, "variable.set", "variable", key,
                                          AuditDetails(user_id, key, compact.size()))));
  return Variable{.key = key,
                  .value_json = compact,
                  .version = stored.version,
                  .created_at = stored.created_at,
                  .updated_at = stored.updated_at,
                  .updated_by = stored.updated_by};
}

Status Variables::Delete(const std::string& user_id, const std::string& key,
                         const store::Actor& actor) {
  CRONIUM_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(KeyMutex(user_id, key));
  return store_.DeleteVariable(user_id, key,
                               store::MakeAudit(actor, clock_.Now(), "variable.delete", "variable",
                                                key, AuditDetails(user_id, key, 0)));
}

Result<std::vector<Variable>> Variables::List(const std::string& user_id, const std::string& prefix,
                                              const std::string& after_key, int limit,
                                              size_t max_bytes) {
  // Read in small batches: values may be up to max_value_bytes each.
  constexpr int kBatch = 16;
  std::vector<Variable> out;
  size_t bytes = 0;
  std::string after = after_key;
  while (static_cast<int>(out.size()) < limit && (out.empty() || bytes < max_bytes)) {
    const int want = std::min(kBatch, limit - static_cast<int>(out.size()));
    CRONIUM_ASSIGN_OR_RETURN(
        auto records,
        store_.ListVariables(
            {.user_id = user_id, .prefix = prefix, .after_key = after, .limit = want}));
    for (const auto& record : records) {
      if (!out.empty() && bytes >= max_bytes) break;
      CRONIUM_ASSIGN_OR_RETURN(Variable variable, Open(record));
      bytes += variable.value_json.size();
      out.push_back(std::move(variable));
    }
    if (static_cast<int>(records.size()) < want || out.empty()) break;
    after = out.back().key;
  }
  return out;
}

Result<int> Variables::ResealAll(const crypto::SecretBox& target, const store::AuditEntry& audit) {
  const auto current = Box();
  return store_.RewriteVariables(
      [&](const store::VariableRecord& record) -> Result<std::string> {
        const std::string aad = Aad(record.user_id, record.key);
        auto plain = current->Open(record.sealed_value, aad);
        if (!plain) {
          return Internal(fmt::format("variable {} of user {} cannot be decrypted", record.key,
                                      record.user_id));
        }
        return target.Seal(*plain, aad);
      },
      audit);
}

}  // namespace cronium::runtime

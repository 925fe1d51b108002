#pragma once

// Reading JSON request bodies with answers a user can act on: every type mismatch names the
// field and what was expected; unknown fields are rejected so typos do not pass silently.
// nlohmann::json stays out of other modules' headers (json_fwd only).

#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "http/message.h"

namespace cronium::api {

class JsonBody {
 public:
  // Requires Content-Type application/json (kInvalidArgument otherwise, mapped to 415 by the
  // caller via IsUnsupportedMediaType) and a JSON object. An empty body is an empty object when
  // `allow_empty`.
  static Result<JsonBody> Parse(const http::Request& request, bool allow_empty = false);
  ~JsonBody();
  JsonBody(JsonBody&&) noexcept;

  Status RejectUnknown(std::initializer_list<std::string_view> known) const;

  Result<std::optional<std::string>> String(std::string_view key) const;
  Result<std::optional<int64_t>> Int(std::string_view key) const;
  Result<std::optional<bool>> Bool(std::string_view key) const;
  Result<std::optional<std::vector<std::string>>> StringArray(std::string_view key) const;
  Result<std::optional<std::map<std::string, std::string>>> StringMap(std::string_view key) const;
  bool Has(std::string_view key) const;
  bool IsNull(std::string_view key) const;
  // The raw value of `key`, or nullptr.
  const nlohmann::json* Get(std::string_view key) const;

 private:
  explicit JsonBody(std::unique_ptr<nlohmann::json> doc);
  std::unique_ptr<nlohmann::json> doc_;
};

// Marker text in the message of the error Parse returns for a wrong Content-Type.
inline constexpr std::string_view kUnsupportedMediaType = "Content-Type must be application/json";

}  // namespace cronium::api

#include "api/json_body.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace cronium::api {

using nlohmann::json;

JsonBody::JsonBody(std::unique_ptr<json> doc) : doc_(std::move(doc)) {}
JsonBody::~JsonBody() = default;
JsonBody::JsonBody(JsonBody&&) noexcept = default;

Result<JsonBody> JsonBody::Parse(const http::Request& request, bool allow_empty) {
  const bool blank = request.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank && allow_empty) return JsonBody(std::make_unique<json>(json::object()));
  const auto type = request.Header("content-type");
  if (!type || type->substr(0, 16) != "application/json") {
    return InvalidArgument(std::string(kUnsupportedMediaType));
  }
  if (blank) return InvalidArgument("request body is empty; send a JSON object");
  auto doc = std::make_unique<json>();
  try {
    *doc = json::parse(request.body);
  } catch (const json::parse_error& error) {
    return InvalidArgument(fmt::format("request body is not valid JSON (at byte {})", error.byte));
  }
  if (!doc->is_object()) return InvalidArgument("request body must be a JSON object");
  return JsonBody(std::move(doc));
}

Status JsonBody::RejectUnknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : doc_->items()) {
    bool ok = false;
    for (auto name : known) ok = ok || key == name;
    if (!ok) {
      std::string list;
      for (auto name : known) list += (list.empty() ? "" : ", ") + std::string(name);
      return InvalidArgument(
          fmt::format("unknown field '{}' (known fields: {})", key.substr(0, 64), list));
    }
  }
  return OkStatus();
}

const json* JsonBody::Get(std::string_view key) const {
  auto it = doc_->find(key);
  return it == doc_->end() ? nullptr : &*it;
}

bool JsonBody::Has(std::string_view key) const { return Get(key) != nullptr; }

bool JsonBody::IsNull(std::string_view key) const {
  const json* value = Get(key);
  return value != nullptr && value->is_null();
}

Result<std::optional<std::string>> JsonBody::String(std::string_view key) const {
  const json* value = Get(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return InvalidArgument(fmt::format("{}: must be a string", key));
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::optional<int64_t>> JsonBody::Int(std::string_view key) const {
  const json* value = Get(key);
  if (value == nullptr) return std::optional<int64_t>();
  if (!value->is_number_integer()) {
    return InvalidArgument(fmt::format("{}: must be an integer", key));
  }
  if (value->is_number_unsigned() && value->get<uint64_t>() > INT64_MAX) {
    return InvalidArgument(fmt::format("{}: out of range", key));
  }
  return std::optional<int64_t>(value->get<int64_t>());
}

Result<std::optional<bool>> JsonBody::Bool(std::string_view key) const {
  const json* value = Get(key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return InvalidArgument(fmt::format("{}: must be true or false", key));
  return std::optional<bool>(value->get<bool>());
}

Result<std::optional<std::vector<std::string>>> JsonBody::StringArray(std::string_view key) const {
  const json* value = Get(key);
  if (value == nullptr) return std::optional<std::vector<std::string>>();
  if (!value->is_array())
    return InvalidArgument(fmt::format("{}: must be an array of strings", key));
  std::vector<std::string> out;
  for (const auto& item : *value) {
    if (!item.is_string())
      return InvalidArgument(fmt::format("{}: must be an array of strings", key));
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<std::map<std::string, std::string>>> JsonBody::StringMap(
    std::string_view key) const {
  const json* value = Get(key);
  if (value == nullptr) return std::optional<std::map<std::string, std::string>>();
  if (!value->is_object()) {
    return InvalidArgument(fmt::format("{}: must be an object of string values", key));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, item] : value->items()) {
    if (!item.is_string()) {
      return InvalidArgument(fmt::format("{}.{}: must be a string", key, name.substr(0, 64)));
    }
    out[name] = item.get<std::string>();
  }
  return std::optional<std::map<std::string, std::string>>(std::move(out));
}

}  // namespace cronium::api

#include "cli/api_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cronium::cli {
namespace {

size_t CollectCookie(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  constexpr std::string_view kName = "set-cookie:";
  if (line.size() > kName.size()) {
    std::string lower = line.substr(0, kName.size());
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == kName) {
      std::string value = line.substr(kName.size());
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      value = value.substr(0, value.find(';'));
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      static_cast<std::vector<std::string>*>(user)->push_back(value);
    }
  }
  return size * count;
}

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

ErrorCode CodeForStatus(long status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kFailedPrecondition;
    case 413:
    case 429:
      return ErrorCode::kResourceExhausted;
    case 503:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

}  // namespace

std::string ConfigPath() {
  if (const char* path = std::getenv("CRONIUM_CONFIG"); path && *path) return path;
  std::string base;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    base = std::string(home) + "/.config";
  } else {
    base = ".";
  }
  return base + "/cronium/config.json";
}

CliConfig LoadConfig() {
  CliConfig config;
  std::ifstream in(ConfigPath());
  if (!in) return config;
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object()) return config;
  config.server = doc.value("server", "");
  config.token = doc.value("token", "");
  return config;
}

Status SaveConfig(const CliConfig& config) {
  namespace fs = std::filesystem;
  const fs::path path = ConfigPath();
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    ::chmod(path.parent_path().c_str(), 0700);
  }
  const std::string tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Internal(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  const std::string text =
      nlohmann::json{{"server", config.server}, {"token", config.token}}.dump(2) + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::fchmod(fd, 0600);
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal(fmt::format("cannot write {}", path.string()));
  }
  return OkStatus();
}

ApiClient::ApiClient(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl_ = curl_easy_init();
}

ApiClient::~ApiClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body,
                                       const std::vector<std::string>& extra_headers) {
  cookies_.clear();
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  std::string response_body;
  const std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectCookie);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &cookies_);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");
  const std::string authorization = "Authorization: Bearer " + token_;
  if (!token_.empty()) headers = curl_slist_append(headers, authorization.c_str());
  for (const auto& header : extra_headers) headers = curl_slist_append(headers, header.c_str());
  if (!body.empty()) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Unavailable(fmt::format(
        "cannot reach the Cronium server at {}: {}. Is `cronium serve` running? Point the CLI at "
        "it with --server URL or CRONIUM_SERVER.",
        base_url_, curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  nlohmann::json parsed = nlohmann::json::parse(response_body, nullptr, false);
  if (status >= 200 && status < 300) {
    if (response_body.empty()) return nlohmann::json(nullptr);
    if (parsed.is_discarded()) return Internal("the server sent a response that is not JSON");
    return parsed;
  }
  std::string message = fmt::format("HTTP {}", status);
  if (status == 401 && token_.empty() && parsed.is_object() &&
      parsed.value("message", "").rfind("authentication required", 0) == 0) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "not logged in: run `cronium login` (or set CRONIUM_TOKEN to an API token)");
  }
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    message = fmt::format("{} (HTTP {} {})", parsed["message"].get<std::string>(), status,
                          parsed.value("error", ""));
  }
  return MakeError(CodeForStatus(status), message);
}

}  // namespace cronium::cli

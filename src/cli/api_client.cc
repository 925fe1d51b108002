#include "cli/api_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

namespace cronium::cli {
namespace {

// What the client keeps of a response's headers.
struct HeaderSink {
  std::vector<std::string>* cookies;
  bool* replayed;
};

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::string line(data, size * count);
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return size * count;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.pop_back();
  }
  if (name == "set-cookie") {
    sink->cookies->push_back(value.substr(0, value.find(';')));
  } else if (name == "idempotent-replayed") {
    *sink->replayed = value == "true";
  }
  return size * count;
}

// Whether an exchange that failed this way may not have reached the server, or may have been
// cut before its answer: sending it again (with its idempotency key) is then the way to know.
bool IsTransportFailure(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

size_t Collect(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

ErrorCode CodeForStatus(long status) {
  switch (status) {
    case 400:
    case 422:
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

std::string NewIdempotencyKey() {
  unsigned char bytes[16];
  size_t filled = 0;
  while (filled < sizeof(bytes)) {
    const ssize_t got = ::getrandom(bytes + filled, sizeof(bytes) - filled, 0);
    if (got > 0) {
      filled += static_cast<size_t>(got);
    } else if (errno != EINTR) {
      // No getrandom: a key need only be unique, not secret.
      std::random_device device;
      for (unsigned char& byte : bytes) byte = static_cast<unsigned char>(device());
      break;
    }
  }
  std::string key = "cli-";
  for (unsigned char byte : bytes) key += fmt::format("{:02x}", byte);
  return key;
}

Result<nlohmann::json> ApiClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body,
                                       const std::vector<std::string>& extra_headers) {
  return ToResult(Send(method, path, body, extra_headers));
}

Result<nlohmann::json> ApiClient::CallIdempotent(const std::string& method, const std::string& path,
                                                 const std::string& body,
                                                 const RetryPolicy& policy) {
  const std::string key = NewIdempotencyKey();
  const std::vector<std::string> headers = {"Idempotency-Key: " + key};
  std::chrono::milliseconds delay = policy.first_delay;
  for (int attempt = 1;; ++attempt) {
    Exchange exchange = Send(method, path, body, headers);
    const bool cut = IsTransportFailure(static_cast<CURLcode>(exchange.curl_code));
    if ((!cut && exchange.status != 503) || attempt >= policy.attempts) return ToResult(exchange);
    if (policy.note) {
      const std::string why =
          cut ? fmt::format("no answer from {} ({})", base_url_,
                            curl_easy_strerror(static_cast<CURLcode>(exchange.curl_code)))
              : "the server is unavailable (HTTP 503)";
      policy.note(fmt::format(
          "{}; trying again in {:.1f} s with the same Idempotency-Key "
          "(attempt {} of {})",
          why, static_cast<double>(delay.count()) / 1000.0, attempt + 1, policy.attempts));
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, policy.max_delay);
  }
}

ApiClient::Exchange ApiClient::Send(const std::string& method, const std::string& path,
                                    const std::string& body,
                                    const std::vector<std::string>& extra_headers) {
  cookies_.clear();
  replayed_ = false;
  HeaderSink sink{&cookies_, &replayed_};
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  std::string response_body;
  const std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response_body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
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
  Exchange exchange;
  exchange.curl_code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (exchange.curl_code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &exchange.status);
    exchange.body = std::move(response_body);
  }
  return exchange;
}

Result<nlohmann::json> ApiClient::ToResult(const Exchange& exchange) const {
  if (exchange.curl_code != CURLE_OK) {
    return Unavailable(fmt::format(
        "cannot reach the Cronium server at {}: {}. Is `cronium serve` running? Point the CLI at "
        "it with --server URL or CRONIUM_SERVER.",
        base_url_, curl_easy_strerror(static_cast<CURLcode>(exchange.curl_code))));
  }
  const long status = exchange.status;
  const std::string& response_body = exchange.body;
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

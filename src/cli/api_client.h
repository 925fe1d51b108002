#pragma once

// A small blocking client of the REST API for the CLI (libcurl). Not thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/error.h"

namespace cronium::cli {

struct ApiResponse {
  long status = 0;
  std::string body;
};

// Where the CLI keeps its server and token: $CRONIUM_CONFIG, else
// $XDG_CONFIG_HOME/cronium/config.json, else ~/.config/cronium/config.json (mode 0600).
struct CliConfig {
  std::string server;
  std::string token;
};
std::string ConfigPath();
CliConfig LoadConfig();  // empty fields when there is no file
Status SaveConfig(const CliConfig& config);

// How a request that creates something is sent again (ApiClient::CallIdempotent).
struct RetryPolicy {
  int attempts = 5;                            // in all, the first included
  std::chrono::milliseconds first_delay{200};  // before the first retry; doubles after each
  std::chrono::milliseconds max_delay{2'000};
  // Told before each retry why and when (the CLI prints it on stderr); may be empty.
  std::function<void(const std::string& note)> note;
};

// A fresh random Idempotency-Key: "cli-" and 32 hex digits.
std::string NewIdempotencyKey();

class ApiClient {
 public:
  // `token` is sent as `Authorization: Bearer` when non-empty.
  ApiClient(std::string base_url, std::string token);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends a request; `body` is sent as application/json when non-empty. Returns the parsed JSON
  // of a 2xx answer (null for 204). Errors carry the server's message, or say how to reach the
  // server when it cannot be reached.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const std::string& body = "",
                              const std::vector<std::string>& extra_headers = {});
  // A request that creates something (a POST of an event, a workflow or a run), made safe to
  // retry: it carries a fresh Idempotency-Key, and it is sent again with the same key when the
  // connection could not be made or was cut, or the server answered 503, up to
  // `policy.attempts` times with exponential backoff. A server that took an earlier attempt
  // answers with that attempt's answer (replayed() says so). The result is Call's.
  Result<nlohmann::json> CallIdempotent(const std::string& method, const std::string& path,
                                        const std::string& body, const RetryPolicy& policy);
  // Set-Cookie values of the last response ("name=value", attributes dropped).
  const std::vector<std::string>& cookies() const { return cookies_; }
  // Whether the last response was the replay of an earlier one (Idempotent-Replayed: true).
  bool replayed() const { return replayed_; }

  const std::string& base_url() const { return base_url_; }

 private:
  // One exchange: the transport's outcome and the answer.
  struct Exchange {
    int curl_code = 0;  // CURLE_OK or why the exchange failed
    long status = 0;
    std::string body;
  };
  Exchange Send(const std::string& method, const std::string& path, const std::string& body,
                const std::vector<std::string>& extra_headers);
  Result<nlohmann::json> ToResult(const Exchange& exchange) const;

  std::string base_url_;
  std::string token_;
  // Of the last response.
  std::vector<std::string> cookies_;
  bool replayed_ = false;
  void* curl_;
};

}  // namespace cronium::cli

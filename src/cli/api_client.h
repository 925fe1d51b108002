#pragma once

// A small blocking client of the REST API for the CLI (libcurl). Not thread-safe.

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
  // Set-Cookie values of the last response ("name=value", attributes dropped).
  const std::vector<std::string>& cookies() const { return cookies_; }

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  std::string token_;
  std::vector<std::string> cookies_;
  void* curl_;
};

}  // namespace cronium::cli

#pragma once

// A small blocking client of the REST API for the CLI (libcurl). Not thread-safe.

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/error.h"

namespace cronium::cli {

struct ApiResponse {
  long status = 0;
  std::string body;
};

class ApiClient {
 public:
  explicit ApiClient(std::string base_url);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends a request; `body` is sent as application/json when non-empty. Returns the parsed JSON
  // of a 2xx answer (null for 204). Errors carry the server's message, or say how to reach the
  // server when it cannot be reached.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const std::string& body = "");

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  void* curl_;
};

}  // namespace cronium::cli

#pragma once

// A blocking HTTP client for tests (libcurl), plus a raw-socket sender for requests no proper
// client would send. Not thread-safe per instance; make one per thread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cronium::testutil {

struct HttpResult {
  long status = 0;  // 0 when the connection failed
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;
};

class HttpClient {
 public:
  // `bearer` (an API token) is sent as `Authorization: Bearer` unless a request sets its own
  // Authorization header.
  explicit HttpClient(std::string base_url, std::string bearer = "");
  void set_bearer(std::string bearer) { bearer_ = std::move(bearer); }
  // Connects through this Unix socket instead of the URL's host and port.
  void set_unix_socket(std::string path) { unix_socket_ = std::move(path); }
  // A request that takes longer fails (status 0); 120 s unless set.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Get(const std::string& path) { return Send("GET", path, "", false); }
  HttpResult Delete(const std::string& path) { return Send("DELETE", path, "", false); }
  HttpResult Post(const std::string& path, const std::string& body) {
    return Send("POST", path, body, true);
  }
  HttpResult Put(const std::string& path, const std::string& body) {
    return Send("PUT", path, body, true);
  }
  HttpResult Patch(const std::string& path, const std::string& body) {
    return Send("PATCH", path, body, true);
  }
  // `chunked` sends the body with Transfer-Encoding: chunked and no Content-Length.
  HttpResult Send(const std::string& method, const std::string& path, const std::string& body,
                  bool has_body, bool chunked = false,
                  const std::vector<std::string>& extra_headers = {});

 private:
  std::string base_url_;
  std::string bearer_;
  std::string unix_socket_;
  std::chrono::milliseconds timeout_{120'000};
  void* curl_;
};

// Sends `bytes` on a fresh TCP connection to 127.0.0.1:port and returns everything the server
// sends back until it closes the connection (or 5 s pass).
std::string RawExchange(int port, const std::string& bytes);

}  // namespace cronium::testutil

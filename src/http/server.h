#pragma once

// The HTTP/1.1 server (Boost.Beast inside server.cc only): keep-alive, chunked request
// bodies, limits on headers and bodies, a timeout for receiving each request, and a graceful
// shutdown that finishes in-flight requests. I/O runs on `io_threads`; handlers run on a
// separate pool of `handler_threads` so that a handler that touches the database never stalls
// other connections. Start/Shutdown from one thread; the rest is internal. Responders that
// handlers keep for later must be called or dropped before the Server is destroyed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/error.h"
#include "http/message.h"
#include "http/router.h"

namespace cronium::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; Start() returns it
  int io_threads = 1;
  int handler_threads = 4;
  size_t max_body_bytes = 2 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{30'000};
  // Called after each response is written (for request logs and metrics).
  std::function<void(const Request&, int status, std::chrono::microseconds elapsed)> on_response;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; returns the bound port. kUnavailable if the address is taken.
  Result<uint16_t> Start();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes idle connections
  // and joins every thread. Safe to call twice.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  friend class Session;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cronium::http

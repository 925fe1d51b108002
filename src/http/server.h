#pragma once

// The HTTP/1.1 server (Boost.Beast inside server.cc only): keep-alive, chunked request
// bodies, limits on headers and bodies, a timeout for receiving each request, WebSocket
// upgrades (http/websocket.h), and a graceful shutdown that finishes in-flight requests. I/O
// runs on `io_threads`; handlers run on a separate pool of `handler_threads` so that a handler
// that touches the database never stalls other connections. Start/Shutdown from one thread;
// the rest is internal. Responders that handlers keep for later must be called or dropped
// before the Server is destroyed; WebSockets may outlive it (Shutdown closes them, and a
// closed socket ignores Send and Close).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "http/message.h"
#include "http/router.h"

namespace cronium::http {

// A Unix-domain socket to serve on (mode 0600). Requests that arrive through it carry `tag` in
// Request::listener, so handlers know which socket, and so which client, they came from.
struct UnixListener {
  std::string path;
  std::string tag;
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // "" serves no TCP at all (only unix_listeners)
  uint16_t port = 8080;            // 0 picks a free port; Start() returns it
  std::vector<UnixListener> unix_listeners;
  int io_threads = 1;
  int handler_threads = 4;
  size_t max_body_bytes = 2 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{30'000};
  // WebSockets: bytes a socket may have queued before it is closed as a slow consumer; the
  // largest message a client may send (its messages are ignored anyway); how long a closing
  // socket (close handshake, queued messages) may take before the connection is cut.
  size_t max_websocket_queue_bytes = 1 << 20;
  size_t max_websocket_message_bytes = 4 << 10;
  std::chrono::milliseconds websocket_close_timeout{5'000};
  // Called after each response is written (for request logs and metrics); for a WebSocket,
  // once the handshake response is written (101, or the status of a failed handshake).
  std::function<void(const Request&, int status, std::chrono::microseconds elapsed)> on_response;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; returns the bound TCP port (0 without one). kUnavailable if an
  // address is taken. Unix sockets are removed again by Shutdown.
  Result<uint16_t> Start();
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes idle connections
  // and joins every thread. Open WebSockets get a close frame (1001 "server shutting down") and
  // up to min(grace, websocket_close_timeout) to finish; their OnClose callbacks have run when
  // this returns. Safe to call twice.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  friend class Session;
  friend class WebSocketSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cronium::http

#pragma once

// A server-side WebSocket connection. A handler asks for one by responding with
// Response::upgrade set (http/message.h); after the handshake the server hands the open socket to
// that callback. Only the server speaks: it sends text frames, and what the client sends is read
// (so pings and close frames are answered) and dropped.
//
// Thread-safe. Send, TrySend and Close never block and never run OnClose or OnWritable
// callbacks themselves, so a caller may hold a lock that such a callback also takes (the live
// output hub does).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace cronium::http {

class WebSocket {
 public:
  virtual ~WebSocket() = default;

  // Queues one text message (invalid UTF-8 is replaced by U+FFFD, since clients drop the
  // connection on it). When the bytes queued and not yet written exceed
  // ServerOptions::max_websocket_queue_bytes, the queue is dropped and the connection is closed
  // with 1008 "slow consumer": a reader that falls behind loses its stream instead of growing
  // the server's memory. Ignored once the socket is closing or closed.
  virtual void Send(std::string text) = 0;
  // Queues one text message (as Send does) only if the bytes queued then stay within `limit` or
  // nothing is queued now, and returns true; else returns false (the message is dropped, the
  // connection stays open), as it does once the socket is closing or closed. A `limit` below
  // max_websocket_queue_bytes makes a soft limit: a caller that can drop or postpone messages
  // (the live output stream) never meets the 1008. After a refusal the OnWritable callbacks
  // run once the queue has drained to half of `limit`.
  virtual bool TrySend(std::string text, size_t limit) = 0;
  // The bytes queued and not yet written (the message being written included).
  virtual size_t QueuedBytes() const = 0;
  // Sends a normal close frame (1000, `reason`; cut to 123 bytes) after the queued messages.
  // Later Sends are ignored. Idempotent.
  virtual void Close(std::string reason) = 0;
  // True until Close is called or the connection ends or starts closing for any reason.
  virtual bool IsOpen() const = 0;
  // Runs `callback` exactly once when the connection has ended, whatever the cause (close
  // handshake, client gone, error, slow consumer, server shutdown). It runs on an I/O thread (or
  // on the thread calling Server::Shutdown) and must not block. If the connection has already
  // ended, it runs at once on the calling thread. Several callbacks may be registered.
  virtual void OnClose(std::function<void()> callback) = 0;
  // Runs `callback` each time the queue has drained after TrySend refused a message (see
  // there), on an I/O thread, without locks held; it must not block. It may send. Dropped when
  // the connection ends. Several callbacks may be registered.
  virtual void OnWritable(std::function<void()> callback) = 0;
};

// Receives the open socket after a successful handshake (see Response::upgrade).
using UpgradeHandler = std::function<void(std::shared_ptr<WebSocket>)>;

}  // namespace cronium::http

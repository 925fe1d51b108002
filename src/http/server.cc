#include "http/server.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/utf8.h"
#include "http/websocket.h"

namespace cronium::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
// One stream type for TCP and Unix-socket connections: accepted sockets are handed over as
// generic stream sockets, so sessions (and their Beast templates) exist once.
using Stream = beast::basic_stream<asio::generic::stream_protocol>;

Method ToMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A close frame's reason has room for 123 bytes; cut at a character boundary.
std::string CloseReasonText(std::string reason) {
  constexpr size_t kMax = 123;
  if (reason.size() <= kMax) return reason;
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
  reason.resize(cut);
  return reason;
}

}  // namespace

class Session;
class WebSocketSession;

struct Server::Impl {
  Impl(ServerOptions opts, const Router& r)
      : options(std::move(opts)),
        router(r),
        acceptor(io),
        handlers(static_cast<size_t>(std::max(1, options.handler_threads))) {}

  struct UnixAcceptor {
    local::acceptor acceptor;
    std::string path;
    std::string tag;
  };

  void Accept();
  void AcceptUnix(UnixAcceptor& listener);
  void Register(Session* session, std::weak_ptr<Session> weak);
  void Unregister(Session* session);
  // Returns false once Shutdown has started closing WebSockets: the caller then closes its
  // socket itself (it is registered all the same, so Shutdown still ends it).
  bool RegisterWebSocket(WebSocketSession* socket, std::weak_ptr<WebSocketSession> weak);
  void UnregisterWebSocket(WebSocketSession* socket);

  // Declared before `io` so that they outlive it: destroying `io` destroys the handlers it still
  // holds, and with them sessions whose destructors unregister.
  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // Guarded by sessions_mutex.
  // Open WebSockets. Guarded by sessions_mutex.
  std::unordered_map<WebSocketSession*, std::weak_ptr<WebSocketSession>> websockets;
  bool websockets_closing = false;  // Guarded by sessions_mutex.

  ServerOptions options;
  const Router& router;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::unique_ptr<UnixAcceptor>> unix_acceptors;
  asio::thread_pool handlers;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;
};

// The WebSocket that handlers hold: the outgoing queue, the state and the OnClose callbacks.
// It owns no Asio or Beast object, only a weak reference to its connection, because those must
// not outlive the server's io_context while handlers may keep a socket for longer.
class WebSocketChannel final : public WebSocket {
 public:
  explicit WebSocketChannel(size_t queue_limit) : queue_limit_(queue_limit) {}
  // Before the channel is shared.
  void Attach(std::weak_ptr<WebSocketSession> session) { session_ = std::move(session); }

  void Send(std::string text) override {
    if (!IsValidUtf8(text)) text = SanitizeUtf8(text);
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return;
    if (queued_bytes_ + text.size() > queue_limit_) {
      // The reader falls behind. What is queued is dropped; the close frame goes out after the
      // message being written, if the client ever takes it (the close timeout bounds that).
      state_ = State::kClosing;
      close_reason_ = websocket::close_reason(websocket::close_code::policy_error, "slow consumer");
      queue_.clear();
      queued_bytes_ = 0;
      return PostLocked(Action::kClose);
    }
    EnqueueLocked(std::move(text));
  }

  bool TrySend(std::string text, size_t limit) override {
    if (!IsValidUtf8(text)) text = SanitizeUtf8(text);
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return false;
    const size_t bound = std::min(limit, queue_limit_);
    if (queued_bytes_ > 0 && queued_bytes_ + text.size() > bound) {
      drain_to_ = bound / 2;
      return false;
    }
    EnqueueLocked(std::move(text));
    return true;
  }

  size_t QueuedBytes() const override {
    std::lock_guard lock(mutex_);
    return queued_bytes_;
  }

  void OnWritable(std::function<void()> callback) override {
    std::lock_guard lock(mutex_);
    if (state_ != State::kClosed) on_writable_.push_back(std::move(callback));
  }

  void Close(std::string reason) override {
    BeginClose(
        websocket::close_reason(websocket::close_code::normal, CloseReasonText(std::move(reason))));
  }

  bool IsOpen() const override {
    std::lock_guard lock(mutex_);
    return state_ == State::kOpen;
  }

  void OnClose(std::function<void()> callback) override {
    {
      std::lock_guard lock(mutex_);
      if (state_ != State::kClosed) {
        on_close_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  // Close and server shutdown: the close frame follows the queued messages.
  void BeginClose(websocket::close_reason reason) {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return;
    state_ = State::kClosing;
    close_reason_ = std::move(reason);
    // A writer still at work starts the close once the queue is empty (TakeNext).
    if (!write_active_) PostLocked(Action::kClose);
  }

  // The connection's side, on its strand. The next message to write; nullopt stops the writer,
  // and `closing` then says whether the close frame is due.
  std::optional<std::string> TakeNext(bool& closing) {
    std::lock_guard lock(mutex_);
    if (state_ != State::kClosed && !queue_.empty()) {
      std::string message = std::move(queue_.front());
      queue_.pop_front();
      return message;
    }
    write_active_ = false;
    closing = state_ == State::kClosing;
    return std::nullopt;
  }

  // A message was written. Returns the OnWritable callbacks to run when the queue has drained
  // after a refusal.
  std::vector<std::function<void()>> Written(size_t bytes) {
    std::lock_guard lock(mutex_);
    queued_bytes_ -= std::min(queued_bytes_, bytes);
    if (!drain_to_ || queued_bytes_ > *drain_to_ || state_ != State::kOpen) return {};
    drain_to_.reset();
    return on_writable_;
  }

  websocket::close_reason Reason() const {
    std::lock_guard lock(mutex_);
    return close_reason_;
  }

  // The connection has ended: returns the callbacks to run, once.
  std::vector<std::function<void()>> MarkClosed() {
    std::lock_guard lock(mutex_);
    state_ = State::kClosed;
    queue_.clear();
    queued_bytes_ = 0;
    on_writable_.clear();
    return std::exchange(on_close_, {});
  }

 private:
  enum class State { kOpen, kClosing, kClosed };
  enum class Action { kWrite, kClose };

  // Wakes the connection's writer or starts its close. Called with mutex_ held: once
  // MarkClosed has run, no thread still holds the connection through this channel (it must be
  // gone with the io_context).
  void PostLocked(Action action);

  void EnqueueLocked(std::string text) {
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (!std::exchange(write_active_, true)) PostLocked(Action::kWrite);
  }

  const size_t queue_limit_;
  std::weak_ptr<WebSocketSession> session_;

  mutable std::mutex mutex_;
  State state_ = State::kOpen;                   // Guarded by mutex_.
  std::deque<std::string> queue_;                // Guarded by mutex_.
  size_t queued_bytes_ = 0;                      // Guarded by mutex_; includes the one in flight.
  bool write_active_ = false;                    // Guarded by mutex_.
  websocket::close_reason close_reason_;         // Guarded by mutex_.
  std::vector<std::function<void()>> on_close_;  // Guarded by mutex_.
  // Guarded by mutex_: set when TrySend refused; the queue size that runs on_writable_.
  std::optional<size_t> drain_to_;
  std::vector<std::function<void()>> on_writable_;  // Guarded by mutex_.
};

// A connection after a successful upgrade. It leaves the HTTP session (whose stream it takes
// over) so that Shutdown does not wait for it as an in-flight request; Shutdown closes it
// instead. Everything here runs on the connection's strand (or, for Abandon, once no I/O
// thread runs any more); only pending operations and Shutdown hold it, never handlers.
class WebSocketSession final : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(Stream stream, Server::Impl& server)
      : ws_(std::move(stream)),
        executor_(ws_.get_executor()),
        close_timer_(executor_),
        server_(server),
        channel_(std::make_shared<WebSocketChannel>(server.options.max_websocket_queue_bytes)) {}

  // Completes the handshake with the request the HTTP session already parsed; on success hands
  // the socket to `response.upgrade` on a handler thread.
  void Accept(bhttp::request<bhttp::string_body> upgrade_request, Response response,
              Request request, std::chrono::steady_clock::time_point started) {
    channel_->Attach(weak_from_this());
    upgrade_request_ = std::move(upgrade_request);
    request_ = std::move(request);
    on_open_ = std::move(response.upgrade);
    started_ = started;
    // The websocket stream has its own timers (handshake, idle pings); the TCP stream's would
    // cut a quiet but healthy connection.
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [this, headers = std::move(response.headers)](websocket::response_type& out) {
          out.set(bhttp::field::server, "cronium");
          for (const auto& [name, value] : headers) out.set(name, value);
          handshake_status_ = static_cast<int>(out.result_int());
        }));
    ws_.read_message_max(server_.options.max_websocket_message_bytes);
    ws_.text(true);
    ws_.async_accept(upgrade_request_,
                     [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
  }

  void PostWrite() {
    asio::post(executor_, [self = shared_from_this()] { self->WriteNext(); });
  }
  void PostClose() {
    asio::post(executor_, [self = shared_from_this()] { self->StartClose(); });
  }

  // Server::Shutdown: a close frame after what is queued.
  void CloseForShutdown() {
    channel_->BeginClose(
        websocket::close_reason(websocket::close_code::going_away, "server shutting down"));
  }

  // Server::Shutdown, once the I/O threads are gone: ends a connection whose close did not
  // finish in time, so that its OnClose callbacks still run.
  void Abandon() { Finish(); }

 private:
  void OnAccept(beast::error_code ec) {
    if (server_.options.on_response) {
      int status = 101;
      if (ec) status = handshake_status_ != 0 && handshake_status_ != 101 ? handshake_status_ : 400;
      server_.options.on_response(request_, status,
                                  std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started_));
    }
    upgrade_request_ = {};
    if (ec) {
      on_open_ = nullptr;
      return Finish();
    }
    const bool registered = server_.RegisterWebSocket(this, weak_from_this());
    Read();
    // On the handler pool: what the callback does (check a run, subscribe and send a backlog)
    // is handler work, and I/O threads never touch the database.
    asio::post(server_.handlers,
               [channel = channel_, on_open = std::move(on_open_)] { on_open(channel); });
    if (!registered) CloseForShutdown();
  }

  // Reads and drops what the client sends; the read also answers pings and close frames and
  // notices idle timeouts.
  void Read() {
    ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Finish();
      if (self->finished_) return;
      self->read_buffer_.consume(self->read_buffer_.size());
      self->Read();
    });
  }

  void WriteNext() {
    if (finished_ || writing_) return;
    bool closing = false;
    auto message = channel_->TakeNext(closing);
    if (!message) {
      if (closing) StartClose();
      return;
    }
    writing_ = true;
    message_ = std::move(*message);
    ws_.async_write(asio::buffer(message_),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      if (ec) return self->Finish();
                      for (auto& callback : self->channel_->Written(self->message_.size())) {
                        callback();
                      }
                      self->WriteNext();
                    });
  }

  // Sends the close frame once; the timer cuts the connection if the close handshake (or the
  // write it waits behind, for a slow consumer) does not finish in time.
  void StartClose() {
    if (close_started_ || finished_) return;
    close_started_ = true;
    close_timer_.expires_after(server_.options.websocket_close_timeout);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Finish();
    });
    ws_.async_close(channel_->Reason(),
                    [self = shared_from_this()](beast::error_code) { self->Finish(); });
  }

  // The connection has ended: cancel what is pending and run the OnClose callbacks.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    close_timer_.cancel();
    beast::get_lowest_layer(ws_).close();
    auto callbacks = channel_->MarkClosed();
    server_.UnregisterWebSocket(this);
    for (auto& callback : callbacks) callback();
  }

  websocket::stream<Stream> ws_;
  asio::any_io_executor executor_;
  asio::steady_timer close_timer_;
  Server::Impl& server_;
  const std::shared_ptr<WebSocketChannel> channel_;

  bhttp::request<bhttp::string_body> upgrade_request_;
  Request request_;
  UpgradeHandler on_open_;
  std::chrono::steady_clock::time_point started_;
  int handshake_status_ = 0;
  beast::flat_buffer read_buffer_;
  std::string message_;  // being written
  bool writing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

void WebSocketChannel::PostLocked(Action action) {
  if (auto session = session_.lock()) {
    if (action == Action::kWrite) {
      session->PostWrite();
    } else {
      session->PostClose();
    }
  }
}

// One connection. Owned by shared_ptr because pending asynchronous operations and handler
// responders keep it alive until the last of them completes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `listener` is "" for the TCP listener, else the tag of the Unix socket it came through.
  Session(asio::generic::stream_protocol::socket socket, std::string remote, std::string listener,
          Server::Impl& server)
      : stream_(std::move(socket)),
        executor_(stream_.get_executor()),
        server_(server),
        remote_(std::move(remote)),
        listener_(std::move(listener)) {}
  ~Session() { server_.Unregister(this); }

  void Start() {
    server_.Register(this, weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Closes the connection if it is waiting for a request; busy ones close after responding.
  void CloseIfIdle() {
    asio::post(executor_, [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void Read() {
    if (server_.stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Clients that send "Expect: 100-continue" (curl does for bodies over 1 KiB) wait for an
  // interim response before sending the body.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    const auto& head = parser_->get();
    const auto expect = head[bhttp::field::expect];
    if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
      auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                          head.version());
      bhttp::async_write(stream_, *interim,
                         [self = shared_from_this(), interim](beast::error_code wec, size_t) {
                           if (wec) return self->Close();
                           self->ReadBody();
                         });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      return Close();
    }
    if (ec) {
      // A malformed or oversized request: answer once, then close, since the stream position
      // is no longer known.
      int status = 400;
      std::string code = "INVALID_ARGUMENT";
      std::string message = fmt::format("malformed HTTP request: {}", ec.message());
      if (ec == bhttp::error::body_limit) {
        status = 413;
        code = "PAYLOAD_TOO_LARGE";
        message = fmt::format("request body exceeds the limit of {} bytes",
                              server_.options.max_body_bytes);
      } else if (ec == bhttp::error::header_limit) {
        status = 431;
        code = "HEADERS_TOO_LARGE";
        message = fmt::format("request headers exceed the limit of {} bytes",
                              server_.options.max_header_bytes);
      }
      keep_alive_ = false;
      started_ = std::chrono::steady_clock::now();
      request_ = Request{};
      request_.remote_address = remote_;
      request_.listener = listener_;
      busy_ = true;
      return Write(Response::Json(status, ErrorBody(code, message)));
    }
    auto message = parser_->release();
    started_ = std::chrono::steady_clock::now();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == bhttp::verb::head;
    request_ = Request{};
    request_.method = ToMethod(message.method());
    request_.target = std::string(message.target());
    const size_t question = request_.target.find('?');
    request_.path = request_.target.substr(0, question);
    if (question != std::string::npos) request_.query = request_.target.substr(question + 1);
    for (const auto& field : message) {
      request_.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
    }
    request_.body = std::move(message.body());
    request_.remote_address = remote_;
    request_.listener = listener_;
    upgrade_request_.reset();
    if (websocket::is_upgrade(message)) upgrade_request_ = std::move(message);
    busy_ = true;
    stream_.expires_never();

    // Run the handler off the I/O threads; the responder hops back onto this strand.
    auto responded = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self = shared_from_this(), responded](Response response) {
      if (responded->exchange(true)) return;
      asio::post(self->executor_, [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    };
    asio::post(server_.handlers, [self = shared_from_this(), respond = std::move(respond)]() {
      Request& request = self->request_;
      self->server_.router.Dispatch(request, respond);
    });
  }

  void Write(Response response) {
    if (response.upgrade) return Upgrade(std::move(response));
    status_ = response.status;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(response.status));
    out->set(bhttp::field::server, "cronium");
    out->set(bhttp::field::content_type, response.content_type);
    out->set(bhttp::field::cache_control, "no-store");
    out->set("X-Content-Type-Options", "nosniff");
    for (auto& [name, value] : response.headers) out->set(name, value);
    const bool keep = keep_alive_ && !server_.stopping;
    out->keep_alive(keep);
    const size_t length = response.body.size();
    if (!head_) out->body() = std::move(response.body);
    out->content_length(length);
    bhttp::async_write(stream_, *out,
                       [self = shared_from_this(), out, keep](beast::error_code ec, size_t) {
                         self->OnWrite(ec, keep);
                       });
  }

  void OnWrite(beast::error_code ec, bool keep) {
    busy_ = false;
    if (server_.options.on_response) {
      server_.options.on_response(request_, status_,
                                  std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started_));
    }
    if (ec || !keep) return Close();
    Read();
  }

  // The handler asked for a WebSocket. From here on the connection belongs to a
  // WebSocketSession: Shutdown no longer waits for it as an in-flight request, it closes it.
  void Upgrade(Response response) {
    if (!upgrade_request_) {
      Response refusal = Response::Json(
          426, ErrorBody("UPGRADE_REQUIRED",
                         "this endpoint is a WebSocket; send a WebSocket upgrade request"));
      refusal.headers.emplace_back("Upgrade", "websocket");
      return Write(std::move(refusal));
    }
    if (server_.stopping) {
      keep_alive_ = false;
      return Write(Response::Json(503, ErrorBody("UNAVAILABLE", "the server is shutting down")));
    }
    upgraded_ = true;
    server_.Unregister(this);
    auto socket = std::make_shared<WebSocketSession>(std::move(stream_), server_);
    socket->Accept(std::move(*upgrade_request_), std::move(response), std::move(request_),
                   started_);
    upgrade_request_.reset();
  }

  // Connections count as gone for Shutdown() once closed, even if a responder that a handler
  // kept still holds the session object.
  void Close() {
    if (upgraded_) return;
    beast::error_code ec;
    stream_.socket().shutdown(asio::socket_base::shutdown_send, ec);
    stream_.close();
    server_.Unregister(this);
  }

  Stream stream_;
  asio::any_io_executor executor_;  // the strand; stays valid after an upgrade moves stream_
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
  const std::string remote_;
  const std::string listener_;
  Request request_;
  // The parsed request while it is a WebSocket upgrade, for the handshake.
  std::optional<bhttp::request<bhttp::string_body>> upgrade_request_;
  bool upgraded_ = false;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_;
};

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping && ec != asio::error::operation_aborted) Accept();
      return;
    }
    beast::error_code ignored;
    const auto endpoint = socket.remote_endpoint(ignored);
    socket.set_option(tcp::no_delay(true), ignored);
    const auto protocol = socket.local_endpoint(ignored).protocol();
    const int family = protocol.family();
    asio::generic::stream_protocol::socket generic(
        socket.get_executor(), asio::generic::stream_protocol(family, IPPROTO_TCP),
        socket.release(ignored));
    std::make_shared<Session>(std::move(generic), endpoint.address().to_string(), "", *this)
        ->Start();
    Accept();
  });
}

void Server::Impl::AcceptUnix(UnixAcceptor& listener) {
  listener.acceptor.async_accept(asio::make_strand(io), [this, &listener](beast::error_code ec,
                                                                          local::socket socket) {
    if (ec) {
      if (!stopping && ec != asio::error::operation_aborted) AcceptUnix(listener);
      return;
    }
    beast::error_code ignored;
    asio::generic::stream_protocol::socket generic(
        socket.get_executor(), asio::generic::stream_protocol(AF_UNIX, 0), socket.release(ignored));
    std::make_shared<Session>(std::move(generic), "unix:" + listener.tag, listener.tag, *this)
        ->Start();
    AcceptUnix(listener);
  });
}

void Server::Impl::Register(Session* session, std::weak_ptr<Session> weak) {
  std::lock_guard lock(sessions_mutex);
  sessions.emplace(session, std::move(weak));
}

void Server::Impl::Unregister(Session* session) {
  {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(session);
  }
  sessions_cv.notify_all();
}

bool Server::Impl::RegisterWebSocket(WebSocketSession* socket,
                                     std::weak_ptr<WebSocketSession> weak) {
  std::lock_guard lock(sessions_mutex);
  websockets.emplace(socket, std::move(weak));
  return !websockets_closing;
}

void Server::Impl::UnregisterWebSocket(WebSocketSession* socket) {
  {
    std::lock_guard lock(sessions_mutex);
    websockets.erase(socket);
  }
  sessions_cv.notify_all();
}

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

Result<uint16_t> Server::Start() {
  beast::error_code ec;
  uint16_t port = 0;
  if (!impl_->options.host.empty()) {
    const auto address = asio::ip::make_address(impl_->options.host, ec);
    if (ec) return InvalidArgument(fmt::format("'{}' is not an IP address", impl_->options.host));
    const tcp::endpoint endpoint(address, impl_->options.port);
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable(fmt::format("cannot listen on {}:{}: {}", impl_->options.host,
                                     impl_->options.port, ec.message()));
    }
    port = acceptor.local_endpoint().port();
  }
  for (const UnixListener& spec : impl_->options.unix_listeners) {
    if (spec.path.empty() || spec.path.size() >= sizeof(sockaddr_un::sun_path)) {
      for (auto& bound : impl_->unix_acceptors) ::unlink(bound->path.c_str());
      impl_->unix_acceptors.clear();
      return InvalidArgument(fmt::format("the Unix socket path {} is longer than {} bytes",
                                         spec.path, sizeof(sockaddr_un::sun_path) - 1));
    }
    // A socket file left by a previous server is replaced; anything else at the path is not.
    struct stat info {};
    if (::lstat(spec.path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
      ::unlink(spec.path.c_str());
    }
    auto listener = std::make_unique<Impl::UnixAcceptor>(
        Impl::UnixAcceptor{local::acceptor(impl_->io), spec.path, spec.tag});
    listener->acceptor.open(local(), ec);
    if (!ec) listener->acceptor.bind(local::endpoint(spec.path), ec);
    if (!ec && ::chmod(spec.path.c_str(), 0600) != 0) {
      ec = beast::error_code(errno, boost::system::system_category());
    }
    if (!ec) listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      for (auto& bound : impl_->unix_acceptors) ::unlink(bound->path.c_str());
      impl_->unix_acceptors.clear();
      return Unavailable(fmt::format("cannot listen on {}: {}", spec.path, ec.message()));
    }
    impl_->unix_acceptors.push_back(std::move(listener));
  }
  if (impl_->acceptor.is_open()) impl_->Accept();
  for (auto& listener : impl_->unix_acceptors) impl_->AcceptUnix(*listener);
  for (int n = 0; n < std::max(1, impl_->options.io_threads); ++n) {
    impl_->io_threads.emplace_back([this] { impl_->io.run(); });
  }
  return port;
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  const auto started = std::chrono::steady_clock::now();
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& listener : impl_->unix_acceptors) {
      listener->acceptor.close(ec);
      ::unlink(listener->path.c_str());
    }
  });
  {
    std::vector<std::shared_ptr<Session>> live;
    std::vector<std::shared_ptr<WebSocketSession>> sockets;
    {
      std::lock_guard lock(impl_->sessions_mutex);
      for (auto& [ptr, weak] : impl_->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
      impl_->websockets_closing = true;
      for (auto& [ptr, weak] : impl_->websockets) {
        if (auto socket = weak.lock()) sockets.push_back(std::move(socket));
      }
    }
    for (auto& session : live) session->CloseIfIdle();
    for (auto& socket : sockets) socket->CloseForShutdown();
  }
  {
    // WebSockets close alongside the in-flight requests, but a stream is never "finished", so
    // they get at most the close timeout rather than the whole grace period.
    std::unique_lock lock(impl_->sessions_mutex);
    impl_->sessions_cv.wait_until(lock, started + grace,
                                  [this] { return impl_->sessions.empty(); });
    impl_->sessions_cv.wait_until(lock,
                                  started + std::min(grace, impl_->options.websocket_close_timeout),
                                  [this] { return impl_->websockets.empty(); });
  }
  impl_->io.stop();
  for (auto& thread : impl_->io_threads) thread.join();
  impl_->io_threads.clear();
  for (auto& listener : impl_->unix_acceptors) ::unlink(listener->path.c_str());
  {
    // Sockets whose close did not finish in time: end them here, so that their OnClose
    // callbacks run before Shutdown returns. No I/O thread runs any more.
    std::vector<std::shared_ptr<WebSocketSession>> sockets;
    {
      std::lock_guard lock(impl_->sessions_mutex);
      for (auto& [ptr, weak] : impl_->websockets) {
        if (auto socket = weak.lock()) sockets.push_back(std::move(socket));
      }
    }
    for (auto& socket : sockets) socket->Abandon();
  }
  impl_->handlers.join();
}

}  // namespace cronium::http

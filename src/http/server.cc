#include "http/server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

namespace cronium::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

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

}  // namespace

class Session;

struct Server::Impl {
  Impl(ServerOptions opts, const Router& r)
      : options(std::move(opts)),
        router(r),
        acceptor(io),
        handlers(static_cast<size_t>(std::max(1, options.handler_threads))) {}

  void Accept();
  void Register(Session* session, std::weak_ptr<Session> weak);
  void Unregister(Session* session);

  ServerOptions options;
  const Router& router;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::thread_pool handlers;
  std::vector<std::thread> io_threads;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // Guarded by sessions_mutex.
};

// One connection. Owned by shared_ptr because pending asynchronous operations and handler
// responders keep it alive until the last of them completes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    server_.Register(this, weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Closes the connection if it is waiting for a request; busy ones close after responding.
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
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
    busy_ = true;
    stream_.expires_never();

    // Run the handler off the I/O threads; the responder hops back onto this strand.
    auto responded = std::make_shared<std::atomic<bool>>(false);
    Responder respond = [self = shared_from_this(), responded](Response response) {
      if (responded->exchange(true)) return;
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
      });
    };
    asio::post(server_.handlers, [self = shared_from_this(), respond = std::move(respond)]() {
      Request& request = self->request_;
      self->server_.router.Dispatch(request, respond);
    });
  }

  void Write(Response response) {
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

  // Connections count as gone for Shutdown() once closed, even if a responder that a handler
  // kept still holds the session object.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    server_.Unregister(this);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Server::Impl& server_;
  std::string remote_;
  Request request_;
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
    std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
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

Server::Server(ServerOptions options, const Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

Result<uint16_t> Server::Start() {
  beast::error_code ec;
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
  const uint16_t port = acceptor.local_endpoint().port();
  impl_->Accept();
  for (int n = 0; n < std::max(1, impl_->options.io_threads); ++n) {
    impl_->io_threads.emplace_back([this] { impl_->io.run(); });
  }
  return port;
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->stopping = true;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(impl_->sessions_mutex);
      for (auto& [ptr, weak] : impl_->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->CloseIfIdle();
  }
  {
    std::unique_lock lock(impl_->sessions_mutex);
    impl_->sessions_cv.wait_for(lock, grace, [this] { return impl_->sessions.empty(); });
  }
  impl_->io.stop();
  for (auto& thread : impl_->io_threads) thread.join();
  impl_->io_threads.clear();
  impl_->handlers.join();
}

}  // namespace cronium::http

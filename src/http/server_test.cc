#include "http/server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "http/websocket.h"
#include "testutil/http_client.h"
#include "testutil/temp_dir.h"
#include "testutil/websocket_client.h"

namespace cronium::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/hello", [](Request&, Responder respond) {
      respond(Response::Json(200, R"({"hello":"world"})"));
    });
    router_.Add(Method::kPost, "/echo", [](Request& request, Responder respond) {
      std::string body = request.body;
      if (auto te = request.Header("transfer-encoding")) body += "|te=" + std::string(*te);
      respond(Response::Json(200, body));
    });
    router_.Add(Method::kGet, "/later", [this](Request&, Responder respond) {
      // Respond from another thread after the handler returned (a long poll).
      std::lock_guard lock(mutex_);
      pending_ = std::move(respond);
      cv_.notify_all();
    });
    // WebSocket routes: one that sends 100 messages and closes, one that keeps its socket for
    // the test, one that refuses, and one that sends as fast as it can.
    router_.Add(Method::kGet, "/ws/count", [](Request&, Responder respond) {
      respond(Response::WebSocketUpgrade([](std::shared_ptr<WebSocket> socket) {
        for (int n = 0; n < 100; ++n) socket->Send("message " + std::to_string(n));
        socket->Close("done");
      }));
    });
    router_.Add(Method::kGet, "/ws/hold", [this](Request&, Responder respond) {
      respond(Response::WebSocketUpgrade([this](std::shared_ptr<WebSocket> socket) {
        socket->OnClose([this] { CountClose(); });
        std::lock_guard lock(mutex_);
        sockets_.push_back(std::move(socket));
        cv_.notify_all();
      }));
    });
    router_.Add(Method::kGet, "/ws/denied", [](Request&, Responder respond) {
      respond(Response::Json(401, ErrorBody("UNAUTHENTICATED", "no credentials")));
    });
    router_.Add(Method::kGet, "/ws/flood", [this](Request&, Responder respond) {
      respond(Response::WebSocketUpgrade([this](std::shared_ptr<WebSocket> socket) {
        socket->OnClose([this] { CountClose(); });
        const std::string chunk(16 << 10, 'x');
        int sent = 0;
        while (socket->IsOpen() && sent < 20'000) {
          socket->Send(chunk);
          ++sent;
        }
        flood_sent_ = sent;
      }));
    });
  }

  void StartServer(ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<Server>(std::move(options), router_);
    auto port = server_->Start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    base_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::milliseconds(1000));
  }

  void CountClose() {
    {
      std::lock_guard lock(mutex_);
      ++closes_;
    }
    cv_.notify_all();
  }

  // The `index`th socket that /ws/hold received.
  std::shared_ptr<WebSocket> WaitForSocket(size_t index) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, seconds(5), [&] { return sockets_.size() > index; })) return nullptr;
    return sockets_[index];
  }

  bool WaitForCloses(int count, milliseconds timeout = seconds(10)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return closes_ >= count; });
  }

  int Closes() {
    std::lock_guard lock(mutex_);
    return closes_;
  }

  Router router_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::string base_;
  std::mutex mutex_;
  std::condition_variable cv_;
  Responder pending_;
  std::vector<std::shared_ptr<WebSocket>> sockets_;  // Guarded by mutex_.
  int closes_ = 0;                                   // Guarded by mutex_.
  std::atomic<int> flood_sent_{0};
};

TEST_F(ServerTest, ServesJsonWithKeepAlive) {
  StartServer();
  testutil::HttpClient client(base_);
  for (int n = 0; n < 3; ++n) {
    auto result = client.Get("/hello");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, R"({"hello":"world"})");
    EXPECT_EQ(result.headers["content-type"], "application/json");
  }
}

TEST_F(ServerTest, AcceptsChunkedBodies) {
  StartServer();
  testutil::HttpClient client(base_);
  auto result = client.Send("POST", "/echo", R"({"data":"a chunked body"})", true, true);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"data":"a chunked body"}|te=chunked)");
}

TEST_F(ServerTest, AnswersExpect100Continue) {
  StartServer();
  testutil::HttpClient client(base_);
  const std::string big(4000, 'x');
  auto result = client.Send("POST", "/echo", big, true, false, {"Expect: 100-continue"});
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, big);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  StartServer({.max_body_bytes = 1000});
  testutil::HttpClient client(base_);
  auto result = client.Post("/echo", std::string(5000, 'x'));
  EXPECT_EQ(result.status, 413);
  EXPECT_NE(result.body.find("PAYLOAD_TOO_LARGE"), std::string::npos);
  // The server is still fine afterwards.
  EXPECT_EQ(client.Get("/hello").status, 200);
}

TEST_F(ServerTest, OversizedHeadersAre431) {
  StartServer({.max_header_bytes = 1024});
  testutil::HttpClient client(base_);
  auto result =
      client.Send("GET", "/hello", "", false, false, {"X-Big: " + std::string(4000, 'a')});
  EXPECT_EQ(result.status, 431);
}

TEST_F(ServerTest, GarbageGets400AndTheServerLivesOn) {
  StartServer();
  const std::string reply = testutil::RawExchange(port_, "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(reply.find("400"), std::string::npos) << reply;
  const std::string bad_chunk = testutil::RawExchange(
      port_, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  EXPECT_NE(bad_chunk.find("400"), std::string::npos) << bad_chunk;
  testutil::HttpClient client(base_);
  EXPECT_EQ(client.Get("/hello").status, 200);
}

TEST_F(ServerTest, HandlersMayRespondLaterFromAnotherThread) {
  StartServer();
  std::thread responder([this] {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return static_cast<bool>(pending_); });
    pending_(Response::Json(202, R"({"late":true})"));
    pending_(Response::Json(500, "ignored second response"));
  });
  testutil::HttpClient client(base_);
  auto result = client.Get("/later");
  responder.join();
  EXPECT_EQ(result.status, 202);
  EXPECT_EQ(result.body, R"({"late":true})");
}

TEST_F(ServerTest, ReportsEachResponse) {
  std::atomic<int> seen{0};
  std::atomic<int> last_status{0};
  StartServer({.on_response = [&](const Request& request, int status, auto) {
    if (request.path == "/hello") last_status = status;
    ++seen;
  }});
  testutil::HttpClient client(base_);
  ASSERT_EQ(client.Get("/hello").status, 200);
  ASSERT_EQ(client.Get("/nope").status, 404);
  server_->Shutdown(std::chrono::milliseconds(1000));
  EXPECT_EQ(seen.load(), 2);
  EXPECT_EQ(last_status.load(), 200);
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequests) {
  StartServer();
  std::atomic<long> status{0};
  std::thread client_thread([&] {
    testutil::HttpClient client(base_);
    status = client.Get("/later").status;
  });
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return static_cast<bool>(pending_); });
  }
  std::thread stopper([this] { server_->Shutdown(std::chrono::milliseconds(5000)); });
  pending_(Response::Json(200, "{}"));
  client_thread.join();
  stopper.join();
  EXPECT_EQ(status.load(), 200);
}

TEST_F(ServerTest, ServesUnixSocketsTaggedWithTheirListener) {
  router_.Add(Method::kGet, "/who", [](Request& request, Responder respond) {
    respond(Response::Json(200, "\"" + request.listener + "\""));
  });
  testutil::TempDir dir;
  const std::string a = dir.path() + "/a.sock", b = dir.path() + "/b.sock";
  StartServer({.unix_listeners = {{a, "slot-a"}, {b, "slot-b"}}});
  struct stat info {};
  ASSERT_EQ(::stat(a.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);  // only the owner (root in production) may connect
  testutil::HttpClient over_a("http://x"), over_b("http://x"), over_tcp(base_);
  over_a.set_unix_socket(a);
  over_b.set_unix_socket(b);
  for (int n = 0; n < 3; ++n) {  // keep-alive on each
    EXPECT_EQ(over_a.Get("/who").body, "\"slot-a\"");
    EXPECT_EQ(over_b.Get("/who").body, "\"slot-b\"");
  }
  EXPECT_EQ(over_tcp.Get("/who").body, "\"\"");
  auto chunked = over_a.Send("POST", "/echo", R"({"x":1})", true, true);
  EXPECT_EQ(chunked.body, R"({"x":1}|te=chunked)");
  server_->Shutdown(milliseconds(1000));
  EXPECT_FALSE(std::filesystem::exists(a));  // the sockets are removed
  EXPECT_FALSE(std::filesystem::exists(b));
}

TEST_F(ServerTest, ATooLongSocketPathIsAnErrorNotACrash) {
  Server server(
      ServerOptions{.host = "", .unix_listeners = {{"/tmp/" + std::string(200, 's'), "t"}}},
      router_);
  auto started = server.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ServerTest, UnixOnlyServerHasNoPort) {
  testutil::TempDir dir;
  server_ = std::make_unique<Server>(
      ServerOptions{.host = "", .unix_listeners = {{dir.path() + "/only.sock", "t"}}}, router_);
  auto port = server_->Start();
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_EQ(*port, 0);
  testutil::HttpClient client("http://x");
  client.set_unix_socket(dir.path() + "/only.sock");
  EXPECT_EQ(client.Get("/hello").status, 200);
}

TEST_F(ServerTest, PortInUseIsUnavailable) {
  StartServer();
  Server second({.port = static_cast<uint16_t>(port_)}, router_);
  auto started = second.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
}

// A client that is not ours: Beast's own WebSocket client.
TEST_F(ServerTest, WebSocketDeliversMessagesInOrderThenCloses) {
  std::atomic<int> upgrade_status{0};
  StartServer({.on_response = [&](const Request& request, int status, auto) {
    if (request.path == "/ws/count") upgrade_status = status;
  }});
  namespace beast = boost::beast;
  namespace websocket = boost::beast::websocket;
  boost::asio::io_context io;
  websocket::stream<boost::asio::ip::tcp::socket> ws(io);
  ws.next_layer().connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(),
                                                         static_cast<uint16_t>(port_)));
  websocket::response_type handshake;
  ws.handshake(handshake, "127.0.0.1:" + std::to_string(port_), "/ws/count");
  EXPECT_EQ(handshake.result_int(), 101u);
  EXPECT_EQ(handshake[beast::http::field::server], "cronium");
  for (int n = 0; n < 100; ++n) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(ws.got_text());
    ASSERT_EQ(beast::buffers_to_string(buffer.data()), "message " + std::to_string(n));
  }
  beast::flat_buffer buffer;
  beast::error_code ec;
  ws.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, websocket::close_code::normal);
  EXPECT_EQ(ws.reason().reason, "done");
  EXPECT_EQ(upgrade_status.load(), 101);
}

TEST_F(ServerTest, WebSocketRouteWithoutUpgradeIs426) {
  StartServer();
  testutil::HttpClient client(base_);
  auto result = client.Get("/ws/hold");
  EXPECT_EQ(result.status, 426);
  EXPECT_NE(result.body.find("UPGRADE_REQUIRED"), std::string::npos) << result.body;
  EXPECT_EQ(result.headers["upgrade"], "websocket");
  // The connection is still an ordinary keep-alive connection.
  EXPECT_EQ(client.Get("/hello").status, 200);
}

TEST_F(ServerTest, RefusedHandshakeReportsTheStatus) {
  StartServer();
  auto denied = testutil::WebSocketClient::Connect(base_, "/ws/denied");
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(denied.body.find("UNAUTHENTICATED"), std::string::npos) << denied.body;
  auto missing = testutil::WebSocketClient::Connect(base_, "/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status, 404);
}

TEST_F(ServerTest, WebSocketSendsTextOfEverySizeAndIgnoresClientMessages) {
  StartServer();
  auto connected =
      testutil::WebSocketClient::Connect(base_, "/ws/hold", {"Authorization: Bearer x"});
  ASSERT_TRUE(connected) << connected.error;
  auto& client = *connected.client;
  auto socket = WaitForSocket(0);
  ASSERT_NE(socket, nullptr);
  EXPECT_TRUE(socket->IsOpen());
  // What the client sends is read and dropped; pings are answered by the server.
  EXPECT_TRUE(client.SendText("ignored"));
  EXPECT_TRUE(client.SendPing("p"));
  // The three frame length encodings (7-bit, 16-bit, 64-bit), and invalid UTF-8 replaced.
  const std::string medium(300, 'm');
  const std::string large(70'000, 'l');
  socket->Send("small");
  socket->Send(medium);
  socket->Send(large);
  socket->Send("bad \xff byte");
  EXPECT_EQ(client.ReadText(), "small");
  EXPECT_EQ(client.ReadText(), medium);
  EXPECT_EQ(client.ReadText(), large);
  EXPECT_EQ(client.ReadText(), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(client.ReadText(milliseconds(50)), std::nullopt);
  EXPECT_FALSE(client.closed());

  socket->Close("bye");
  EXPECT_FALSE(socket->IsOpen());
  socket->Send("after close is ignored");
  EXPECT_EQ(client.ReadText(), std::nullopt);
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.close_code(), 1000);
  EXPECT_EQ(client.close_reason(), "bye");
  ASSERT_TRUE(WaitForCloses(1));
}

TEST_F(ServerTest, ClientCloseRunsOnCloseExactlyOnce) {
  StartServer();
  auto connected = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(connected) << connected.error;
  auto socket = WaitForSocket(0);
  ASSERT_NE(socket, nullptr);
  connected.client->Close(1000, "leaving");
  EXPECT_EQ(connected.client->close_code(), 1000);
  ASSERT_TRUE(WaitForCloses(1));
  EXPECT_FALSE(socket->IsOpen());
  // Registered after the end: runs at once, on this thread.
  bool ran = false;
  socket->OnClose([&] { ran = true; });
  EXPECT_TRUE(ran);
  socket->Close("again");
  socket->Send("nothing");
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(Closes(), 1);
}

TEST_F(ServerTest, OversizedClientMessageClosesTheWebSocket) {
  StartServer({.max_websocket_message_bytes = 1024});
  auto connected = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(connected) << connected.error;
  ASSERT_NE(WaitForSocket(0), nullptr);
  connected.client->SendText(std::string(4096, 'a'));
  EXPECT_EQ(connected.client->ReadText(), std::nullopt);
  EXPECT_TRUE(connected.client->closed());
  EXPECT_EQ(connected.client->close_code(), 1009);  // message too big
  ASSERT_TRUE(WaitForCloses(1));
}

TEST_F(ServerTest, SlowWebSocketConsumerIsDropped) {
  StartServer(
      {.max_websocket_queue_bytes = 64 << 10, .websocket_close_timeout = milliseconds(300)});
  // This client never reads, so the socket buffers fill and then the server's queue.
  auto stalled = testutil::WebSocketClient::Connect(base_, "/ws/flood");
  ASSERT_TRUE(stalled) << stalled.error;
  ASSERT_TRUE(WaitForCloses(1));
  EXPECT_GT(flood_sent_.load(), 0);
  EXPECT_LT(flood_sent_.load(), 20'000);
  // The server is unaffected: requests and other WebSockets still work.
  testutil::HttpClient client(base_);
  EXPECT_EQ(client.Get("/hello").status, 200);
  auto other = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(other) << other.error;
  auto socket = WaitForSocket(0);
  ASSERT_NE(socket, nullptr);
  socket->Send("still here");
  EXPECT_EQ(other.client->ReadText(), "still here");
  // What the stalled client did get is whole messages, then the end of the connection.
  const auto received = stalled.client->ReadUntilClosed(seconds(10));
  EXPECT_TRUE(stalled.client->closed());
  for (const auto& message : received) ASSERT_EQ(message.size(), size_t{16} << 10);
}

// The live output stream's way: a soft limit per message instead of the hard 1008.
TEST_F(ServerTest, TrySendKeepsASlowReaderWithinItsLimitAndSaysWhenItHasRoomAgain) {
  StartServer({.max_websocket_queue_bytes = 1 << 20});
  auto connected = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(connected) << connected.error;
  auto& client = *connected.client;
  auto socket = WaitForSocket(0);
  ASSERT_NE(socket, nullptr);
  int writable = 0;  // Guarded by mutex_.
  socket->OnWritable([&] {
    {
      std::lock_guard lock(mutex_);
      ++writable;
    }
    cv_.notify_all();
  });
  auto wait_writable = [&](int times) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, seconds(10), [&] { return writable >= times; });
  };
  constexpr size_t kLimit = 64 << 10;
  // An empty queue takes a message larger than the limit (it would never go otherwise).
  EXPECT_EQ(socket->QueuedBytes(), 0u);
  const std::string large(kLimit + 1, 'l');
  EXPECT_TRUE(socket->TrySend(large, kLimit));
  EXPECT_EQ(client.ReadText(), large);
  const std::string chunk(16 << 10, 'x');
  int accepted = 0;
  // The server may not have counted that write as done yet: then TrySend refuses until it has.
  if (socket->TrySend(chunk, kLimit)) {
    ++accepted;
  } else {
    ASSERT_TRUE(wait_writable(1));
  }

  // The client stops reading: the socket's buffers fill, then the queue up to the limit, and
  // then TrySend refuses instead of closing the connection.
  while (socket->TrySend(chunk, kLimit)) {
    ++accepted;
    ASSERT_LE(socket->QueuedBytes(), kLimit);
    ASSERT_LT(accepted, 100'000) << "the queue never filled";
  }
  EXPECT_TRUE(socket->IsOpen());
  int refusals = 0;
  {
    std::lock_guard lock(mutex_);
    refusals = writable + 1;
  }
  // The client reads again: everything accepted arrives whole, OnWritable runs, and TrySend
  // takes messages again.
  for (int n = 0; n < accepted; ++n) ASSERT_EQ(client.ReadText(), chunk) << n;
  ASSERT_TRUE(wait_writable(refusals));
  EXPECT_TRUE(socket->TrySend("again", kLimit));
  EXPECT_EQ(client.ReadText(), "again");
  EXPECT_FALSE(client.closed());
  EXPECT_EQ(Closes(), 0);
  socket->Close("bye");
  EXPECT_FALSE(socket->TrySend("after close", kLimit));
  EXPECT_EQ(client.ReadText(), std::nullopt);
  EXPECT_EQ(client.close_code(), 1000);
}

TEST_F(ServerTest, ShutdownClosesOpenWebSocketsPromptly) {
  StartServer();
  auto connected = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(connected) << connected.error;
  ASSERT_NE(WaitForSocket(0), nullptr);
  std::optional<std::string> read;
  std::thread reader([&] { read = connected.client->ReadText(seconds(10)); });
  const auto started = std::chrono::steady_clock::now();
  server_->Shutdown(seconds(10));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  reader.join();
  EXPECT_LT(elapsed, seconds(2));
  EXPECT_EQ(Closes(), 1);  // before Shutdown returned
  EXPECT_EQ(read, std::nullopt);
  EXPECT_EQ(connected.client->close_code(), 1001);
  EXPECT_EQ(connected.client->close_reason(), "server shutting down");
}

TEST_F(ServerTest, ShutdownDoesNotWaitForAnUnresponsiveWebSocket) {
  StartServer({.websocket_close_timeout = milliseconds(300)});
  // Never reads, so the close handshake cannot finish.
  auto connected = testutil::WebSocketClient::Connect(base_, "/ws/hold");
  ASSERT_TRUE(connected) << connected.error;
  auto socket = WaitForSocket(0);
  ASSERT_NE(socket, nullptr);
  const auto started = std::chrono::steady_clock::now();
  server_->Shutdown(seconds(10));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  EXPECT_EQ(Closes(), 1);
  EXPECT_FALSE(socket->IsOpen());
  server_.reset();
  socket->Send("the server is gone; this is ignored");
  socket->Close("so is this");
}

}  // namespace
}  // namespace cronium::http

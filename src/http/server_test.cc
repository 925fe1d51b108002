#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "testutil/http_client.h"

namespace cronium::http {
namespace {

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

  Router router_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::string base_;
  std::mutex mutex_;
  std::condition_variable cv_;
  Responder pending_;
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

TEST_F(ServerTest, PortInUseIsUnavailable) {
  StartServer();
  Server second({.port = static_cast<uint16_t>(port_)}, router_);
  auto started = second.Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cronium::http

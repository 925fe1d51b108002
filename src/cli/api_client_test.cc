#include "cli/api_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace cronium::cli {
namespace {

// A loopback HTTP server with scripted answers: the n-th connection reads one request and gets
// the n-th answer, or is closed without one when that answer is empty (a cut connection).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<std::string> answers) : answers_(std::move(answers)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t length = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The requests received, once every answer was given.
  const std::vector<std::string>& Requests() {
    if (thread_.joinable()) thread_.join();
    return requests_;
  }

  static std::string Answer(int status, const std::string& body, const std::string& headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
           headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

 private:
  void Serve() {
    for (const std::string& answer : answers_) {
      const int conn = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) return;
      requests_.push_back(ReadRequest(conn));
      if (!answer.empty()) (void)!::write(conn, answer.data(), answer.size());
      ::close(conn);
    }
  }

  // The head and the body (by Content-Length).
  static std::string ReadRequest(int conn) {
    std::string data;
    char buffer[4096];
    size_t body_start = std::string::npos;
    size_t length = 0;
    for (;;) {
      if (body_start != std::string::npos && data.size() >= body_start + length) return data;
      const ssize_t got = ::read(conn, buffer, sizeof(buffer));
      if (got <= 0) return data;
      data.append(buffer, static_cast<size_t>(got));
      if (body_start == std::string::npos) {
        const size_t end = data.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        body_start = end + 4;
        std::string head = data.substr(0, end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const size_t at = head.find("content-length:");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 15));
      }
    }
  }

  std::vector<std::string> answers_;
  std::vector<std::string> requests_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

std::string KeyOf(const std::string& request) {
  const size_t at = request.find("Idempotency-Key: ");
  if (at == std::string::npos) return "";
  return request.substr(at + 17, request.find("\r\n", at) - at - 17);
}

RetryPolicy FastPolicy(std::vector<std::string>& notes, int attempts = 5) {
  return {.attempts = attempts,
          .first_delay = std::chrono::milliseconds(1),
          .max_delay = std::chrono::milliseconds(4),
          .note = [&notes](const std::string& note) { notes.push_back(note); }};
}

TEST(ApiClientTest, ACutConnectionIsTriedAgainWithTheSameKey) {
  ScriptedServer server({"", ScriptedServer::Answer(202, R"({"executionId":"exe_1"})",
                                                    "Idempotent-Replayed: true\r\n")});
  ApiClient client(server.url(), "crn_token");
  std::vector<std::string> notes;
  auto answer = client.CallIdempotent("POST", "/api/v1/events/evt_1/run", "{}", FastPolicy(notes));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)["executionId"], "exe_1");
  EXPECT_TRUE(client.replayed());
  const auto& requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string key = KeyOf(requests[0]);
  EXPECT_EQ(key.rfind("cli-", 0), 0u) << requests[0];
  EXPECT_EQ(key.size(), 36u);
  EXPECT_EQ(KeyOf(requests[1]), key);
  EXPECT_NE(requests[1].find("\r\n\r\n{}"), std::string::npos);  // the same body
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("trying again"), std::string::npos) << notes[0];
  EXPECT_NE(notes[0].find("attempt 2 of 5"), std::string::npos) << notes[0];
}

TEST(ApiClientTest, A503IsTriedAgainAndAFirstAnswerIsNotAReplay) {
  ScriptedServer server({ScriptedServer::Answer(503, R"({"error":"UNAVAILABLE","message":"x"})"),
                         ScriptedServer::Answer(201, R"({"id":"evt_1"})")});
  ApiClient client(server.url(), "");
  std::vector<std::string> notes;
  auto answer =
      client.CallIdempotent("POST", "/api/v1/events", R"({"name":"a"})", FastPolicy(notes));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)["id"], "evt_1");
  EXPECT_FALSE(client.replayed());
  const auto& requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(KeyOf(requests[0]), KeyOf(requests[1]));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("HTTP 503"), std::string::npos) << notes[0];
}

TEST(ApiClientTest, OtherAnswersAreNotTriedAgain) {
  ScriptedServer server(
      {ScriptedServer::Answer(422, R"({"error":"IDEMPOTENCY_KEY_REUSED","message":"no"})")});
  ApiClient client(server.url(), "");
  std::vector<std::string> notes;
  auto answer = client.CallIdempotent("POST", "/api/v1/events", "{}", FastPolicy(notes));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(server.Requests().size(), 1u);
  EXPECT_TRUE(notes.empty());
}

TEST(ApiClientTest, RetriesAreBounded) {
  ScriptedServer server({"", "", ""});
  ApiClient client(server.url(), "");
  std::vector<std::string> notes;
  auto answer = client.CallIdempotent("POST", "/api/v1/events", "{}", FastPolicy(notes, 3));
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(server.Requests().size(), 3u);
  EXPECT_EQ(notes.size(), 2u);
}

TEST(ApiClientTest, EachRequestGetsAFreshKey) {
  const std::string a = NewIdempotencyKey();
  const std::string b = NewIdempotencyKey();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 4), std::string::npos) << a;
}

}  // namespace
}  // namespace cronium::cli

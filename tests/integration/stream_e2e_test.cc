// Live output over WebSocket with a real client: lines arrive in order while the script runs,
// then the final status; late readers get the stored output; access is checked like the API.

#include "e2e.h"
#include "testutil/websocket_client.h"

namespace cronium::e2e {
namespace {

class StreamE2eTest : public E2eTest {
 protected:
  testutil::WebSocketConnect Open(const std::string& execution_id) {
    return testutil::WebSocketClient::Connect(server_->url(),
                                              "/api/v1/executions/" + execution_id + "/stream",
                                              {"Authorization: Bearer " + admin_token_});
  }

  // The next message of this type (others, like a repeated status, are skipped).
  static json Next(testutil::WebSocketClient& client, const std::string& type) {
    for (int n = 0; n < 100; ++n) {
      auto text = client.ReadText(std::chrono::seconds(20));
      if (!text) return json();
      json message = json::parse(*text, nullptr, false);
      if (message.value("type", "") == type) return message;
    }
    return json();
  }
};

TEST_F(StreamE2eTest, LinesArriveInOrderWhileTheScriptRunsThenTheEnd) {
  const std::string step1 = MakeFifo("step1.fifo");
  const std::string step2 = MakeFifo("step2.fifo");
  const std::string id =
      CreateScript("BASH", "echo first\nread a < " + step1 + "\necho second >&2\nread b < " +
                               step2 + "\nprintf 'third without newline'\nexit 3");
  const std::string execution = Run(id);
  auto connected = Open(execution);
  ASSERT_TRUE(connected) << connected.status << " " << connected.body << connected.error;
  auto& client = *connected.client;
  json status = Next(client, "status");
  EXPECT_EQ(status["executionId"], execution);

  json first = Next(client, "output");
  EXPECT_EQ(first["line"], "first\n");
  EXPECT_EQ(first["stream"], "stdout");
  EXPECT_EQ(first["sequence"], 1);
  EXPECT_EQ(first["executionId"], execution);
  EXPECT_TRUE(first["timestamp"].is_string());
  // The script is still running (blocked on step1) while its first line has arrived.
  EXPECT_EQ(Parse(client_->Get("/api/v1/executions/" + execution))["status"], "RUNNING");
  WaitUntilScriptOpens(step1);
  json second = Next(client, "output");
  EXPECT_EQ(second["line"], "second\n");
  EXPECT_EQ(second["stream"], "stderr");
  EXPECT_EQ(second["sequence"], 2);
  WaitUntilScriptOpens(step2);
  json third = Next(client, "output");
  EXPECT_EQ(third["line"], "third without newline");
  EXPECT_EQ(third["sequence"], 3);
  json end = Next(client, "end");
  EXPECT_EQ(end["status"], "FAILED");
  EXPECT_EQ(end["exitCode"], 3);
  EXPECT_EQ(end["endReason"], "exited with code 3");
  client.ReadUntilClosed(std::chrono::seconds(5));
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.close_code(), 1000);
}

TEST_F(StreamE2eTest, AReaderAfterTheEndGetsTheStoredOutputAndTheEnd) {
  const std::string execution = Run(CreateScript("BASH", "echo one\necho two\necho err >&2"));
  AwaitEnd(execution);
  auto connected = Open(execution);
  ASSERT_TRUE(connected) << connected.status << " " << connected.body;
  std::vector<std::string> lines;
  json end;
  for (const std::string& text : connected.client->ReadUntilClosed(std::chrono::seconds(10))) {
    json message = json::parse(text);
    if (message["type"] == "output") lines.push_back(message["line"]);
    if (message["type"] == "end") end = message;
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"one\n", "two\n", "err\n"}));
  EXPECT_EQ(end["status"], "SUCCEEDED");
  EXPECT_EQ(connected.client->close_code(), 1000);
}

// A page of another site must not open a stream with the user's cookie (cross-site WebSocket
// hijacking): a handshake whose Origin is not this server's is refused.
TEST_F(StreamE2eTest, APageOfAnotherOriginCannotOpenAStream) {
  const std::string execution = Run(CreateScript("BASH", "echo hi"));
  AwaitEnd(execution);
  const std::string path = "/api/v1/executions/" + execution + "/stream";
  auto foreign = testutil::WebSocketClient::Connect(
      server_->url(), path,
      {"Authorization: Bearer " + admin_token_, "Origin: http://evil.example:8080"});
  EXPECT_FALSE(foreign);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_NE(foreign.body.find("another origin"), std::string::npos) << foreign.body;
  // The server's own origin (what its web UI sends) is fine; so is no Origin at all.
  auto own = testutil::WebSocketClient::Connect(
      server_->url(), path, {"Authorization: Bearer " + admin_token_, "Origin: " + server_->url()});
  ASSERT_TRUE(own) << own.status << " " << own.body << own.error;
  EXPECT_FALSE(Next(*own.client, "end").is_null());
}

TEST_F(StreamE2eTest, StreamsAreAuthenticatedAndScoped) {
  const std::string execution = Run(CreateScript("BASH", "true"));
  auto anonymous = testutil::WebSocketClient::Connect(
      server_->url(), "/api/v1/executions/" + execution + "/stream", {});
  EXPECT_FALSE(anonymous);
  EXPECT_EQ(anonymous.status, 401);
  auto forged = testutil::WebSocketClient::Connect(server_->url(),
                                                   "/api/v1/executions/" + execution + "/stream",
                                                   {"Authorization: Bearer crn_forged"});
  EXPECT_EQ(forged.status, 401);
  auto unknown = Open("exe_00000000000000000000000000");
  EXPECT_EQ(unknown.status, 404);
  auto traversal = Open("..%2F..%2Fetc");
  EXPECT_EQ(traversal.status, 404);
  // A plain GET (no upgrade) is told to upgrade.
  auto plain = client_->Get("/api/v1/executions/" + execution + "/stream");
  EXPECT_EQ(plain.status, 426) << plain.body;
}

}  // namespace
}  // namespace cronium::e2e

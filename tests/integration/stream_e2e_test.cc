// Live output over WebSocket with a real client: lines arrive in order while the script runs,
// then the final status; late readers get the stored output; ?after= resumes; a slow reader is
// told what it skipped instead of being cut off; access is checked like the API.

#include "e2e.h"
#include "stream_reader.h"
#include "testutil/websocket_client.h"

namespace cronium::e2e {
namespace {

class StreamE2eTest : public E2eTest {
 protected:
  testutil::WebSocketConnect Open(const std::string& execution_id, const std::string& query = "") {
    return testutil::WebSocketClient::Connect(
        server_->url(), "/api/v1/executions/" + execution_id + "/stream" + query,
        {"Authorization: Bearer " + admin_token_});
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
  StreamReader reader(client);
  json status = reader.Status();
  EXPECT_EQ(status["executionId"], execution);

  json first = reader.NextLine();
  EXPECT_EQ(first["line"], "first\n");
  EXPECT_EQ(first["stream"], "stdout");
  EXPECT_EQ(first["sequence"], 1);
  EXPECT_TRUE(first["timestamp"].is_string());
  // The script is still running (blocked on step1) while its first line has arrived.
  EXPECT_EQ(Parse(client_->Get("/api/v1/executions/" + execution))["status"], "RUNNING");
  WaitUntilScriptOpens(step1);
  json second = reader.NextLine();
  EXPECT_EQ(second["line"], "second\n");
  EXPECT_EQ(second["stream"], "stderr");
  EXPECT_EQ(second["sequence"], 2);
  WaitUntilScriptOpens(step2);
  json third = reader.NextLine();
  EXPECT_EQ(third["line"], "third without newline");
  EXPECT_EQ(third["sequence"], 3);
  json end = reader.ReadToEnd();
  EXPECT_EQ(end["executionId"], execution);
  EXPECT_EQ(end["status"], "FAILED");
  EXPECT_EQ(end["exitCode"], 3);
  EXPECT_EQ(end["endReason"], "exited with code 3");
  EXPECT_TRUE(end["finishedAt"].is_string());
  EXPECT_EQ(reader.CheckCovers(1, 3), "");
  EXPECT_TRUE(reader.skipped().empty());
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.close_code(), 1000);
  EXPECT_EQ(client.close_reason(), "execution ended");
}

TEST_F(StreamE2eTest, AReaderAfterTheEndGetsTheStoredOutputAndTheEnd) {
  const std::string execution = Run(CreateScript("BASH", "echo one\necho two\necho err >&2"));
  AwaitEnd(execution);
  auto connected = Open(execution);
  ASSERT_TRUE(connected) << connected.status << " " << connected.body;
  StreamReader reader(*connected.client);
  EXPECT_EQ(reader.Status()["status"], "SUCCEEDED");
  json end = reader.ReadToEnd();
  std::vector<std::string> lines;
  for (const auto& line : reader.lines()) lines.push_back(line["line"]);
  EXPECT_EQ(lines, (std::vector<std::string>{"one\n", "two\n", "err\n"}));
  EXPECT_EQ(reader.lines()[2]["stream"], "stderr");
  EXPECT_EQ(reader.CheckCovers(1, 3), "");
  EXPECT_EQ(end["status"], "SUCCEEDED");
  EXPECT_EQ(connected.client->close_code(), 1000);
}

// Issue #21: a reader that falls behind a run printing 200,000 lines is not cut off (no 1008):
// it gets every sequence once, as a line or within a skipped range, and the end.
TEST_F(StreamE2eTest, ASlowReaderOfALoudRunGetsEverySequenceOnceAndTheEnd) {
  constexpr int kLines = 200'000;
  const std::string go = MakeFifo("go.fifo");
  const std::string execution =
      Run(CreateScript("BASH", "read a < " + go + "\nseq 1 " + std::to_string(kLines)));
  auto connected = Open(execution);
  ASSERT_TRUE(connected) << connected.status << " " << connected.body << connected.error;
  StreamReader reader(*connected.client);
  ASSERT_FALSE(reader.Status().is_null());
  // The reader stops reading while the whole run goes by (some 18 MB of messages), then reads
  // what it was sent.
  WaitUntilScriptOpens(go);
  EXPECT_EQ(AwaitEnd(execution)["status"], "SUCCEEDED");
  json end = reader.ReadToEnd();
  EXPECT_EQ(end["status"], "SUCCEEDED");
  EXPECT_EQ(reader.after_end(), 0);
  EXPECT_EQ(reader.CheckCovers(1, kLines), "");
  for (const auto& line : reader.lines()) {
    ASSERT_EQ(line["line"], std::to_string(line["sequence"].get<uint64_t>()) + "\n");
  }
  // How many came depends on the machine; for the record (--gtest_output=xml).
  RecordProperty("lines_received", static_cast<int>(reader.lines().size()));
  RecordProperty("skipped_ranges", static_cast<int>(reader.skipped().size()));
  EXPECT_TRUE(connected.client->closed());
  EXPECT_EQ(connected.client->close_code(), 1000);
  EXPECT_EQ(connected.client->close_reason(), "execution ended");
}

// A finished run's stored output (here about 9 MB of messages) goes as fast as the reader takes
// it, whole: more than the socket's queue holds is no reason to cut the reader off.
TEST_F(StreamE2eTest, AFinishedRunsLargeStoredOutputArrivesWhole) {
  constexpr int kLines = 100'000;
  const std::string execution = Run(CreateScript("BASH", "seq 1 " + std::to_string(kLines)));
  EXPECT_EQ(AwaitEnd(execution)["status"], "SUCCEEDED");
  auto connected = Open(execution);
  ASSERT_TRUE(connected) << connected.status << " " << connected.body << connected.error;
  StreamReader reader(*connected.client);
  EXPECT_EQ(reader.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_TRUE(reader.skipped().empty());
  EXPECT_EQ(reader.CheckCovers(1, kLines), "");
  EXPECT_EQ(reader.lines().back()["line"], std::to_string(kLines) + "\n");
  EXPECT_EQ(connected.client->close_code(), 1000);
}

// ?after=SEQ (a reader that reconnects with the last sequence it had) sends only later lines,
// from the backlog and then live, and none twice.
TEST_F(StreamE2eTest, AfterResumesARunningRunWithoutDuplicates) {
  const std::string go = MakeFifo("go.fifo");
  const std::string execution =
      Run(CreateScript("BASH", "seq 1 5\nread a < " + go + "\nseq 6 7\necho 8 >&2"));
  std::vector<uint64_t> had;
  {
    auto first = Open(execution);
    ASSERT_TRUE(first) << first.status << " " << first.body << first.error;
    StreamReader reader(*first.client);
    for (int n = 0; n < 5; ++n) had.push_back(reader.NextLine()["sequence"]);
    EXPECT_EQ(had, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
    first.client->Close();  // the connection drops
  }
  auto again = Open(execution, "?after=5");
  ASSERT_TRUE(again) << again.status << " " << again.body << again.error;
  auto older = Open(execution, "?after=3");
  ASSERT_TRUE(older) << older.status << " " << older.body << older.error;
  StreamReader resumed(*again.client);
  StreamReader from_three(*older.client);
  EXPECT_EQ(from_three.NextLine()["sequence"], 4);  // from the backlog, the run still blocked
  WaitUntilScriptOpens(go);
  EXPECT_EQ(resumed.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_EQ(resumed.sequences(), (std::vector<uint64_t>{6, 7, 8}));
  EXPECT_EQ(resumed.lines()[2]["stream"], "stderr");
  EXPECT_EQ(resumed.CheckCovers(6, 8), "");
  EXPECT_EQ(from_three.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_EQ(from_three.sequences(), (std::vector<uint64_t>{4, 5, 6, 7, 8}));
  EXPECT_EQ(from_three.CheckCovers(4, 8), "");
}

TEST_F(StreamE2eTest, AfterOnAFinishedRunSendsOnlyLaterStoredLines) {
  const std::string execution = Run(CreateScript("BASH", "seq 1 5\necho err >&2"));
  AwaitEnd(execution);
  auto connected = Open(execution, "?after=2");
  ASSERT_TRUE(connected) << connected.status << " " << connected.body << connected.error;
  StreamReader reader(*connected.client);
  EXPECT_EQ(reader.ReadToEnd()["status"], "SUCCEEDED");
  std::vector<std::string> lines;
  for (const auto& line : reader.lines()) lines.push_back(line["line"]);
  EXPECT_EQ(lines, (std::vector<std::string>{"3\n", "4\n", "5\n", "err\n"}));
  EXPECT_EQ(reader.CheckCovers(3, 6), "");
  // A reader that has everything gets the end alone.
  auto done = Open(execution, "?after=6");
  ASSERT_TRUE(done) << done.status << " " << done.body << done.error;
  StreamReader nothing(*done.client);
  EXPECT_EQ(nothing.ReadToEnd()["status"], "SUCCEEDED");
  EXPECT_TRUE(nothing.lines().empty());
  EXPECT_EQ(done.client->close_code(), 1000);
}

TEST_F(StreamE2eTest, AfterThatIsNotASequenceIsRefused) {
  const std::string execution = Run(CreateScript("BASH", "true"));
  for (const std::string query : {"?after=abc", "?after=-1", "?after=1.5", "?after=", "?after=1e3",
                                  "?after=99999999999999999999"}) {
    auto refused = Open(execution, query);
    EXPECT_FALSE(refused) << query;
    EXPECT_EQ(refused.status, 400) << query << " " << refused.body;
    EXPECT_NE(refused.body.find("after: the sequence of the last line you have"), std::string::npos)
        << refused.body;
  }
  auto zero = Open(execution, "?after=0");
  ASSERT_TRUE(zero) << zero.status << " " << zero.body;
  EXPECT_EQ(StreamReader(*zero.client).ReadToEnd()["status"], "SUCCEEDED");
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
  EXPECT_FALSE(StreamReader(*own.client).ReadToEnd().is_null());
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

// Safe retries (issue #20, part 4): requests that create something carry an Idempotency-Key; a
// retry with the same key gets the first answer again and creates nothing, even when the server
// was killed between its write and its answer. Webhook deliveries are keyed by their signature.

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#include <latch>

#include "crypto/secrets.h"
#include "e2e.h"

namespace cronium::e2e {
namespace {

// Waits (at most `limit`) until one of two child processes has ended, without reaping it;
// returns its pid, or -1.
pid_t FirstToEnd(pid_t a, pid_t b, std::chrono::milliseconds limit) {
  const int fd_a = static_cast<int>(::syscall(SYS_pidfd_open, a, 0));
  const int fd_b = static_cast<int>(::syscall(SYS_pidfd_open, b, 0));
  pollfd fds[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
  const int ready = ::poll(fds, 2, static_cast<int>(limit.count()));
  ::close(fd_a);
  ::close(fd_b);
  if (ready <= 0) return -1;
  return (fds[0].revents & POLLIN) != 0 ? a : b;
}

class IdempotencyE2eTest : public E2eTest {
 protected:
  // A POST with an Idempotency-Key, as `client` (the admin's by default).
  testutil::HttpResult PostWithKey(const std::string& path, const std::string& body,
                                   const std::string& key, testutil::HttpClient* client = nullptr) {
    return (client ? client : client_.get())
        ->Send("POST", path, body, true, false, {"Idempotency-Key: " + key});
  }

  size_t Executions(const std::string& event_id) {
    auto listed = client_->Get("/api/v1/events/" + event_id + "/executions?limit=200");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return Parse(listed)["items"].size();
  }
  size_t WorkflowRuns(const std::string& workflow_id) {
    auto listed = client_->Get("/api/v1/workflows/" + workflow_id + "/executions?limit=200");
    EXPECT_EQ(listed.status, 200) << listed.body;
    return Parse(listed)["items"].size();
  }
  // Items of a list whose name is `name`.
  size_t Named(const std::string& list_path, const std::string& name) {
    size_t count = 0;
    const json list = Parse(client_->Get(list_path + "?limit=200"));
    for (const json& item : list["items"]) {
      if (item["name"] == name) ++count;
    }
    return count;
  }

  std::string Workflow(const std::string& name, const std::string& event_id) {
    auto created =
        client_->Post("/api/v1/workflows", json{{"name", name},
                                                {"status", "ACTIVE"},
                                                {"nodes", {{{"id", "a"}, {"eventId", event_id}}}}}
                                               .dump());
    EXPECT_EQ(created.status, 201) << created.body;
    return Parse(created).value("id", "");
  }

  // Before the fault: the server that is about to die takes no job (its workers are drained, in
  // its memory only), so the run the crashed request queued is not started, then lost, there.
  void DrainForTheCrash() {
    auto drained = client_->Post("/api/v1/admin/drain", R"({"graceSeconds":0})");
    ASSERT_EQ(drained.status, 202) << drained.body;
  }

  // Expects `again` to be `first` replayed: same status, body and Location, marked.
  static void ExpectReplayOf(const testutil::HttpResult& again, const testutil::HttpResult& first) {
    EXPECT_EQ(again.status, first.status) << again.body;
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.headers.count("location") ? again.headers.at("location") : "",
              first.headers.count("location") ? first.headers.at("location") : "");
    EXPECT_EQ(
        again.headers.count("idempotent-replayed") ? again.headers.at("idempotent-replayed") : "",
        "true");
    EXPECT_EQ(first.headers.count("idempotent-replayed"), 0u);
  }
};

TEST_F(IdempotencyE2eTest, ARetryWithTheSameKeyGetsTheFirstAnswerAndCreatesNothing) {
  const std::string event = CreateScript("BASH", "echo once");
  // A run of an event.
  auto first = PostWithKey("/api/v1/events/" + event + "/run", R"({"input":{"n":1}})", "run-1");
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = PostWithKey("/api/v1/events/" + event + "/run", R"({"input":{"n":1}})", "run-1");
  ExpectReplayOf(again, first);
  EXPECT_EQ(Executions(event), 1u);
  EXPECT_EQ(AwaitEnd(Parse(first)["executionId"])["stdout"], "once\n");

  // An event.
  const std::string event_body = json{{"name", "made once"},
                                      {"type", "BASH"},
                                      {"content", "true"},
                                      {"envVars", {{"TOKEN", "s3cret"}}},
                                      {"schedule", {{"kind", "CRON"}, {"cron", "0 3 * * *"}}}}
                                     .dump();
  auto created = PostWithKey("/api/v1/events", event_body, "event-1");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(Parse(created)["schedule"].is_object()) << created.body;
  ExpectReplayOf(PostWithKey("/api/v1/events", event_body, "event-1"), created);
  EXPECT_EQ(Named("/api/v1/events", "made once"), 1u);
  EXPECT_EQ(created.body.find("s3cret"), std::string::npos);  // masked, as always

  // A workflow (of another event, whose runs are counted apart).
  const std::string node = CreateScript("BASH", "true");
  const std::string workflow_body =
      json{{"name", "flow once"}, {"nodes", {{{"id", "a"}, {"eventId", node}}}}}.dump();
  auto flow = PostWithKey("/api/v1/workflows", workflow_body, "workflow-1");
  ASSERT_EQ(flow.status, 201) << flow.body;
  ExpectReplayOf(PostWithKey("/api/v1/workflows", workflow_body, "workflow-1"), flow);
  EXPECT_EQ(Named("/api/v1/workflows", "flow once"), 1u);

  // A run of a workflow, answered as it started even after it finished.
  const std::string workflow = Workflow("runs once", node);
  auto started = PostWithKey("/api/v1/workflows/" + workflow + "/run", "", "wf-run-1");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string run_id = Parse(started)["id"];
  for (int i = 0; i < 20; ++i) {
    auto latest = Parse(client_->Get("/api/v1/workflow-executions/" + run_id + "?wait=30"));
    if (latest["finishedAt"].is_string()) break;
  }
  ExpectReplayOf(PostWithKey("/api/v1/workflows/" + workflow + "/run", "", "wf-run-1"), started);
  EXPECT_EQ(WorkflowRuns(workflow), 1u);

  // Without a key, every POST creates (as before).
  Run(event);
  Run(event);
  EXPECT_EQ(Executions(event), 3u);
}

// Retries that overlap (a client that gave up waiting too soon): one run, and every answer is
// its answer, none a 409. (Which path each takes depends on timing: most find the record before
// they write; one that loses the race for the key at the write replays too, which
// api/idempotency_test.cc checks deterministically.)
TEST_F(IdempotencyE2eTest, OverlappingRequestsWithOneKeyRunOnce) {
  const std::string event = CreateScript("BASH", "true");
  const std::string path = "/api/v1/events/" + event + "/run";
  constexpr int kRequests = 8;
  std::vector<testutil::HttpResult> results(kRequests);
  std::latch start(kRequests);
  std::vector<std::thread> threads;
  for (int n = 0; n < kRequests; ++n) {
    threads.emplace_back([&, n] {
      testutil::HttpClient client(server_->url(), admin_token_);
      start.arrive_and_wait();
      results[static_cast<size_t>(n)] = PostWithKey(path, R"({"input":7})", "overlap", &client);
    });
  }
  for (auto& thread : threads) thread.join();
  int first_answers = 0;
  for (const auto& result : results) {
    EXPECT_EQ(result.status, 202) << result.body;
    EXPECT_EQ(result.body, results[0].body);
    if (result.headers.count("idempotent-replayed") == 0) ++first_answers;
  }
  EXPECT_EQ(first_answers, 1);
  EXPECT_EQ(Executions(event), 1u);
}

TEST_F(IdempotencyE2eTest, AKeyUsedForAnotherRequestIs422AndCreatesNothing) {
  const std::string event = CreateScript("BASH", "true");
  const std::string other = CreateScript("BASH", "true");
  ASSERT_EQ(PostWithKey("/api/v1/events/" + event + "/run", R"({"input":1})", "k").status, 202);
  // Another body.
  auto changed = PostWithKey("/api/v1/events/" + event + "/run", R"({"input":2})", "k");
  EXPECT_EQ(changed.status, 422) << changed.body;
  EXPECT_EQ(Parse(changed)["error"], "IDEMPOTENCY_KEY_REUSED");
  EXPECT_NE(Parse(changed)["message"].get<std::string>().find("another body"), std::string::npos);
  // Another target, another route.
  auto elsewhere = PostWithKey("/api/v1/events/" + other + "/run", R"({"input":1})", "k");
  EXPECT_EQ(elsewhere.status, 422) << elsewhere.body;
  EXPECT_NE(Parse(elsewhere)["message"].get<std::string>().find("another request"),
            std::string::npos);
  EXPECT_EQ(PostWithKey("/api/v1/events", R"({"name":"x","type":"BASH"})", "k").status, 422);
  EXPECT_EQ(Executions(event), 1u);
  EXPECT_EQ(Executions(other), 0u);
  EXPECT_EQ(Named("/api/v1/events", "x"), 0u);
}

TEST_F(IdempotencyE2eTest, AMalformedKeyIs400NamingTheHeader) {
  const std::string event = CreateScript("BASH", "true");
  const std::string path = "/api/v1/events/" + event + "/run";
  for (const std::string& header :
       {std::string("Idempotency-Key;"),  // curl's way of sending an empty value
        "Idempotency-Key: " + std::string(256, 'k'), std::string("Idempotency-Key: caf\xc3\xa9"),
        std::string("Idempotency-Key: a\tb")}) {
    auto refused = client_->Send("POST", path, "{}", true, false, {header});
    EXPECT_EQ(refused.status, 400) << header << ": " << refused.body;
    EXPECT_NE(refused.body.find("Idempotency-Key"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(Executions(event), 0u);
  // 255 printable characters, spaces inside included, are a key.
  const std::string longest = "a b" + std::string(252, '~');
  auto accepted = PostWithKey(path, "{}", longest);
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  ExpectReplayOf(PostWithKey(path, "{}", longest), accepted);
  EXPECT_EQ(PostWithKey(path, "{}", longest + "x").status, 400);
  EXPECT_EQ(Executions(event), 1u);
}

TEST_F(IdempotencyE2eTest, KeysBelongToTheirUserWhateverTheirCredential) {
  const std::string event =
      CreateEvent({{"name", "shared"}, {"type", "BASH"}, {"content", "true"}, {"shared", true}});
  const std::string bob_token = UserToken("bob");
  testutil::HttpClient as_bob(server_->url(), bob_token);
  const std::string path = "/api/v1/events/" + event + "/run";
  auto admins = PostWithKey(path, "{}", "same-key");
  ASSERT_EQ(admins.status, 202) << admins.body;
  // Bob's key of the same text is his own: a run of his.
  auto bobs = PostWithKey(path, "{}", "same-key", &as_bob);
  ASSERT_EQ(bobs.status, 202) << bobs.body;
  EXPECT_EQ(bobs.headers.count("idempotent-replayed"), 0u);
  EXPECT_NE(Parse(bobs)["executionId"], Parse(admins)["executionId"]);
  EXPECT_EQ(Executions(event), 2u);
  // Bob's browser session is Bob too: his retry there is a replay of his token's request.
  testutil::HttpClient anonymous(server_->url());
  auto login = anonymous.Post(
      "/api/v1/auth/login", json{{"username", "bob"}, {"password", "pw-bob-correct-horse"}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string cookie =
      login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'));
  auto from_session = anonymous.Send(
      "POST", path, "{}", true, false,
      {"Cookie: " + cookie, "X-CSRF-Token: " + Parse(login)["csrfToken"].get<std::string>(),
       "Idempotency-Key: same-key"});
  ExpectReplayOf(from_session, bobs);
  EXPECT_EQ(Executions(event), 2u);
}

TEST_F(IdempotencyE2eTest, AWebhookRedeliveredStartsOneRun) {
  const std::string event = CreateEvent(
      {{"name", "hooked"}, {"type", "BASH"}, {"content", "true"}, {"status", "ACTIVE"}});
  auto hook = client_->Post("/api/v1/events/" + event + "/webhooks", "{}");
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string url = Parse(hook)["url"];
  const std::string secret = Parse(hook)["secret"];
  testutil::HttpClient sender(server_->url());
  auto deliver = [&](const std::string& body, const std::string& timestamp,
                     const std::string& key = "") {
    std::vector<std::string> headers{
        "X-Cronium-Timestamp: " + timestamp,
        "X-Cronium-Signature: sha256=" + crypto::HmacSha256Hex(secret, timestamp + "." + body)};
    if (!key.empty()) headers.push_back("Idempotency-Key: " + key);
    return sender.Send("POST", url, body, true, false, headers);
  };
  const std::string now = std::to_string(std::time(nullptr));
  auto first = deliver(R"({"order":1})", now);
  ASSERT_EQ(first.status, 202) << first.body;
  // The same signed payload again (a sender retrying after a lost answer): the first answer.
  ExpectReplayOf(deliver(R"({"order":1})", now), first);
  EXPECT_EQ(Executions(event), 1u);

  // A sender that signs each attempt anew and sends its own key: replayed by the key.
  const std::string later = std::to_string(std::time(nullptr) - 1);
  auto keyed = deliver(R"({"order":2})", now, "delivery-2");
  ASSERT_EQ(keyed.status, 202) << keyed.body;
  ExpectReplayOf(deliver(R"({"order":2})", later, "delivery-2"), keyed);
  // Its key with another payload is refused.
  EXPECT_EQ(deliver(R"({"order":3})", later, "delivery-2").status, 422);
  EXPECT_EQ(Executions(event), 2u);
}

// The crash test: the server is killed (SIGKILL, by the test-only fault) after the write of a
// keyed request committed and before its answer went out. The client sees a cut connection;
// after a restart on the same data, its retry gets the first answer, and one run exists.
TEST_F(IdempotencyE2eTest, AKill9BetweenTheWriteAndTheAnswerIsRepairedByARetry) {
  const std::string event = CreateScript("BASH", "echo ran");
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({}, {{"CRONIUM_TEST_FAULT", "kill-after-idempotent-write"}});
  DrainForTheCrash();
  const std::string path = "/api/v1/events/" + event + "/run";
  auto cut = PostWithKey(path, "{}", "crash-1");
  ASSERT_EQ(cut.status, 0) << "the server answered: " << cut.body;
  EXPECT_EQ(server_->WaitForExit(), 128 + SIGKILL);
  StartServer();
  auto retried = PostWithKey(path, "{}", "crash-1");
  ASSERT_EQ(retried.status, 202) << retried.body;
  EXPECT_EQ(retried.headers["idempotent-replayed"], "true");
  EXPECT_EQ(retried.headers["location"],
            "/api/v1/executions/" + Parse(retried)["executionId"].get<std::string>());
  EXPECT_EQ(Executions(event), 1u);
  // The run the first request queued is there, and runs.
  EXPECT_EQ(AwaitEnd(Parse(retried)["executionId"])["stdout"], "ran\n");

  // The same for a creation with a whole body as its answer.
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({}, {{"CRONIUM_TEST_FAULT", "kill-after-idempotent-write"}});
  const std::string body = R"({"name":"created in a crash","type":"BASH","content":"true"})";
  ASSERT_EQ(PostWithKey("/api/v1/events", body, "crash-2").status, 0);
  EXPECT_EQ(server_->WaitForExit(), 128 + SIGKILL);
  StartServer();
  auto created = PostWithKey("/api/v1/events", body, "crash-2");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["idempotent-replayed"], "true");
  EXPECT_EQ(Parse(created)["name"], "created in a crash");
  EXPECT_EQ(Named("/api/v1/events", "created in a crash"), 1u);
  // The answer is the event as it was created.
  auto stored = Parse(client_->Get("/api/v1/events/" + Parse(created)["id"].get<std::string>()));
  EXPECT_EQ(stored["createdAt"], Parse(created)["createdAt"]);
}

// The CLI retries a cut `event run` with the same key across the server's restart: one run, and
// the user sees the run's id as if nothing happened (and a note on stderr).
TEST_F(IdempotencyE2eTest, TheCliRetriesACutRunAcrossARestartWithTheSameKey) {
  const std::string event = CreateScript("BASH", "echo ran");
  const std::string url = server_->url();
  const std::string port = url.substr(url.rfind(':') + 1);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--listen", "127.0.0.1:" + port},
              {{"CRONIUM_TEST_FAULT", "kill-after-idempotent-write"}});
  DrainForTheCrash();
  testutil::BackgroundCronium cli({"event", "run", event, "--server", url, "--verbose"},
                                  {{"CRONIUM_TOKEN", admin_token_}});
  // The CLI's first try kills the server. The CLI is stopped while the server comes back, so
  // that its retries (at most about 3 s of backoff) cannot run out meanwhile, however slow
  // the restart.
  ASSERT_EQ(FirstToEnd(server_->pid(), cli.pid(), std::chrono::seconds(60)), server_->pid())
      << "the server did not die on the CLI's first try";
  EXPECT_EQ(server_->WaitForExit(), 128 + SIGKILL);
  ASSERT_EQ(::kill(cli.pid(), SIGSTOP), 0);
  StartServer({"--listen", "127.0.0.1:" + port});
  ASSERT_EQ(::kill(cli.pid(), SIGCONT), 0);
  const auto result = cli.Wait();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("trying again"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("Idempotent-Replayed"), std::string::npos) << result.err;
  auto executions = Parse(client_->Get("/api/v1/events/" + event + "/executions"))["items"];
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_NE(result.out.find(executions[0]["id"].get<std::string>()), std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace cronium::e2e

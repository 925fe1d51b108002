// The durable queue as users meet it: retries, timeouts that kill whole process trees, drains,
// graceful shutdowns that requeue, and a chaos run with kill -9 at random moments.

#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "e2e.h"
#include "testutil/process_util.h"

namespace cronium::e2e {
namespace {

class QueueE2eTest : public E2eTest {
 protected:
  json SystemInfo() { return Parse(client_->Get("/api/v1/system/info")); }

  int64_t ActiveJobs() {
    json jobs = SystemInfo()["jobs"];
    return jobs.value("QUEUED", 0) + jobs.value("LEASED", 0) + jobs.value("RUNNING", 0);
  }

  // Waits (long polls, bounded) until no job is queued or running.
  void AwaitIdle() {
    for (int round = 0; round < 600 && ActiveJobs() > 0; ++round) {
      json active = Parse(client_->Get("/api/v1/executions?status=RUNNING&limit=1"));
      if (active["items"].empty())
        active = Parse(client_->Get("/api/v1/executions?status=QUEUED&limit=1"));
      if (active["items"].empty()) continue;
      client_->Get("/api/v1/executions/" + active["items"][0]["id"].get<std::string>() + "?wait=5");
    }
    ASSERT_EQ(ActiveJobs(), 0) << SystemInfo().dump();
  }
};

TEST_F(QueueE2eTest, ATimeoutKillsTheScriptAndItsGrandchildren) {
  UsePlainProcesses();  // reads a host pid; sandbox_e2e_test covers the sandbox
  const std::string pid_file = dir_.path() + "/grandchild.pid";
  const std::string id = CreateScript(
      "BASH", "bash -c 'sleep 300' &\necho $! > " + pid_file + "\nsleep 300\n", /*timeout=*/1);
  json x = RunAndWait(id);
  EXPECT_EQ(x["status"], "TIMED_OUT");
  EXPECT_NE(x["endReason"].get<std::string>().find("timed out after 1 s"), std::string::npos)
      << x["endReason"];
  const pid_t grandchild = testutil::ReadPidFile(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(testutil::WaitUntilGone(grandchild, std::chrono::seconds(30)));
  if (!testutil::ProcessIsGone(grandchild)) ::kill(grandchild, SIGKILL);
}

TEST_F(QueueE2eTest, FailedRunsAreRetriedAndTheCliFollowsTheRetries) {
  const std::string marker = Shared("failed-once");
  const std::string id = CreateEvent({{"name", "flaky"},
                                      {"type", "BASH"},
                                      {"content", "if [ -e " + marker +
                                                      " ]; then echo ok; exit 0; fi\n"
                                                      "touch " +
                                                      marker + "\necho broken >&2\nexit 4"},
                                      {"retries", 2},
                                      {"retryDelaySeconds", 0}});
  json event = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(event["retries"], 2);
  EXPECT_EQ(event["retryOn"], json({"FAILED", "TIMED_OUT", "LOST"}));
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto run = testutil::RunCronium({"event", "run", id, "--wait"}, env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "ok\n");
  EXPECT_NE(run.err.find("Attempt 1 FAILED (exited with code 4); retrying as"), std::string::npos)
      << run.err;
  auto shown = testutil::RunCronium({"event", "show", id}, env);
  EXPECT_NE(shown.out.find("runs:      1 succeeded, 1 failed"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("retries:   2 (on FAILED, TIMED_OUT, LOST; backoff 0s"),
            std::string::npos)
      << shown.out;
  event = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(event["successCount"], 1);
  EXPECT_EQ(event["failureCount"], 1);
  EXPECT_TRUE(event["lastRunAt"].is_string());
  json runs = Parse(client_->Get("/api/v1/events/" + id + "/executions"));
  ASSERT_EQ(runs["items"].size(), 2u);
  EXPECT_EQ(runs["items"][0]["attempt"], 2);
  EXPECT_EQ(runs["items"][1]["status"], "FAILED");
  json first =
      Parse(client_->Get("/api/v1/executions/" + runs["items"][1]["id"].get<std::string>()));
  EXPECT_EQ(first["job"]["status"], "SUCCEEDED");
  EXPECT_EQ(first["job"]["attempts"], 2);
  EXPECT_EQ(first["job"]["maxAttempts"], 3);
}

TEST_F(QueueE2eTest, MaxConcurrentHoldsFurtherRunsInTheQueue) {
  // Each run blocks twice on FIFOs named after its execution, so the test knows when it runs.
  const std::string fifo_dir = dir_.path() + "/shared";
  const std::string id = CreateEvent(
      {{"name", "one at a time"},
       {"type", "BASH"},
       // The FIFOs are made once the ids are known: wait for them to exist.
       {"content", "f=" + fifo_dir +
                       "/$CRONIUM_EXECUTION_ID\nuntil [ -p $f.2 ]; do sleep 0.01; done\n"
                       "read a < $f.1\nread b < $f.2\necho done"},
       {"maxConcurrent", 1}});
  const std::string first = Run(id);
  const std::string second = Run(id);
  for (const std::string& x : {first, second}) {
    MakeFifo(x + ".1");
    MakeFifo(x + ".2");  // last: the script waits for this one
  }
  WaitUntilScriptOpens(fifo_dir + "/" + first + ".1");  // the first runs, blocked on .2
  json waiting = Parse(client_->Get("/api/v1/executions/" + second + "?wait=1"));
  EXPECT_EQ(waiting["status"], "QUEUED");  // two workers, but the event allows one run
  WaitUntilScriptOpens(fifo_dir + "/" + first + ".2");
  EXPECT_EQ(AwaitEnd(first)["stdout"], "done\n");
  WaitUntilScriptOpens(fifo_dir + "/" + second + ".1");
  WaitUntilScriptOpens(fifo_dir + "/" + second + ".2");
  EXPECT_EQ(AwaitEnd(second)["status"], "SUCCEEDED");
}

TEST_F(QueueE2eTest, RetentionKeepsTheNewestRunsOfEachEvent) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--executions-per-event", "2"});
  const std::string id = CreateScript("BASH", "echo $CRONIUM_EXECUTION_ID");
  std::vector<std::string> runs;
  for (int n = 0; n < 4; ++n) runs.push_back(AwaitEnd(Run(id))["id"]);
  const std::string queued = Run(CreateScript("BASH", "true"));  // another event's run
  AwaitEnd(queued);
  ASSERT_EQ(server_->Stop(), 0);
  // Retention runs when the server starts (and hourly).
  StartServer({"--executions-per-event", "2"});
  json kept = Parse(client_->Get("/api/v1/events/" + id + "/executions"));
  ASSERT_EQ(kept["items"].size(), 2u) << kept.dump();
  EXPECT_EQ(kept["items"][0]["id"], runs[3]);
  EXPECT_EQ(kept["items"][1]["id"], runs[2]);
  EXPECT_EQ(client_->Get("/api/v1/executions/" + runs[0]).status, 404);
  EXPECT_EQ(Parse(client_->Get("/api/v1/executions/" + queued))["status"], "SUCCEEDED");
  // The audit log keeps its own, longer history.
  json audit = Parse(client_->Get("/api/v1/audit?targetId=" + runs[0]));
  EXPECT_FALSE(audit["items"].empty());
}

TEST_F(QueueE2eTest, RetryPolicyFieldsAreValidated) {
  auto bad = [&](const json& fields) {
    json body = {{"name", "x"}, {"type", "BASH"}, {"content", "true"}};
    body.update(fields);
    auto result = client_->Post("/api/v1/events", body.dump());
    EXPECT_EQ(result.status, 400) << fields.dump() << " -> " << result.body;
    return Parse(result).value("message", "");
  };
  EXPECT_NE(bad({{"priority", "URGENT"}}).find("priority"), std::string::npos);
  EXPECT_NE(bad({{"maxConcurrent", -1}}).find("maxConcurrent"), std::string::npos);
  EXPECT_NE(bad({{"retryDelaySeconds", 10}, {"retryMaxDelaySeconds", 5}}).find("retryMaxDelay"),
            std::string::npos);
  EXPECT_NE(bad({{"retryOn", {"SUCCEEDED"}}}).find("retryOn"), std::string::npos);
  EXPECT_NE(bad({{"retryOn", "FAILED"}}).find("retryOn"), std::string::npos);
  EXPECT_NE(bad({{"successCount", 5}}).find("successCount"), std::string::npos);
}

TEST_F(QueueE2eTest, DrainHoldsNewRunsAndResumeReleasesThem) {
  auto drained = client_->Post("/api/v1/admin/drain", R"({"graceSeconds": 5})");
  ASSERT_EQ(drained.status, 202) << drained.body;
  EXPECT_EQ(Parse(drained)["draining"], true);
  const std::string execution = Run(CreateScript("BASH", "echo after drain"));
  json waited = Parse(client_->Get("/api/v1/executions/" + execution + "?wait=1"));
  EXPECT_EQ(waited["status"], "QUEUED");
  EXPECT_EQ(SystemInfo()["drain"]["draining"], true);

  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto resumed = testutil::RunCronium({"resume"}, env);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("Taking jobs"), std::string::npos) << resumed.out;
  EXPECT_EQ(AwaitEnd(execution)["stdout"], "after drain\n");

  auto cli_drain = testutil::RunCronium({"drain", "--grace", "0", "--wait"}, env);
  EXPECT_EQ(cli_drain.exit_code, 0) << cli_drain.err;
  EXPECT_NE(cli_drain.out.find("Draining"), std::string::npos) << cli_drain.out;
  EXPECT_EQ(client_->Post("/api/v1/admin/drain", R"({"graceSeconds": -1})").status, 400);
  EXPECT_EQ(client_->Post("/api/v1/admin/drain", R"({"grace": 1})").status, 400);
  EXPECT_EQ(client_->Post("/api/v1/admin/resume", "{}").status, 200);
  auto audit = Parse(client_->Get("/api/v1/audit?action=node.drain"));
  EXPECT_EQ(audit["items"].size(), 2u);
}

TEST_F(QueueE2eTest, OnlyAdminsDrain) {
  auto created = client_->Post("/api/v1/users", json{{"username", "olivia"},
                                                     {"email", "olivia@example.com"},
                                                     {"password", "a long password 123"}}
                                                    .dump());
  ASSERT_EQ(created.status, 201) << created.body;
  testutil::HttpClient anonymous(server_->url());
  EXPECT_EQ(anonymous.Post("/api/v1/admin/drain", "{}").status, 401);
  auto login = anonymous.Post("/api/v1/auth/login",
                              R"({"username":"olivia","password":"a long password 123"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string set_cookie = login.headers["set-cookie"];
  auto token =
      anonymous.Send("POST", "/api/v1/tokens", R"({"name":"t","scope":"write"})", true, false,
                     {"Cookie: " + set_cookie.substr(0, set_cookie.find(';')),
                      "X-CSRF-Token: " + Parse(login)["csrfToken"].get<std::string>()});
  ASSERT_EQ(token.status, 201) << token.body;
  testutil::HttpClient user(server_->url(), Parse(token)["token"]);
  EXPECT_EQ(user.Post("/api/v1/admin/drain", "{}").status, 403);
  EXPECT_EQ(user.Post("/api/v1/admin/resume", "{}").status, 403);
}

TEST_F(QueueE2eTest, SigtermRequeuesARunThatOutlivesTheGraceAndItRunsAgainAfterRestart) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--shutdown-grace-seconds", "0"});
  const std::string fifo = MakeFifo("requeue.fifo");
  const std::string marker = Shared("second-attempt");
  const std::string id =
      CreateScript("BASH", "if [ -e " + marker + " ]; then echo second; exit 0; fi\ntouch " +
                               marker + "\nread line < " + fifo + "\nsleep 300\n");
  const std::string execution = Run(id);
  WaitUntilScriptOpens(fifo);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer();
  json first = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(first["status"], "LOST");
  EXPECT_NE(first["endReason"].get<std::string>().find("runs again"), std::string::npos);
  const std::string next = first["job"]["currentExecutionId"];
  ASSERT_NE(next, execution);
  json second = AwaitEnd(next);
  EXPECT_EQ(second["status"], "SUCCEEDED");
  EXPECT_EQ(second["stdout"], "second\n");
  EXPECT_EQ(second["job"]["maxAttempts"], 2);  // the interrupted attempt did not count
}

// kill -9 at random moments while hundreds of jobs run; after the last restart every job has
// exactly one terminal state, no job ran more attempts than allowed and the counters agree.
TEST_F(QueueE2eTest, ChaosKillsLoseNoJobAndRunNoneTooOften) {
  // What a killed server leaves running, its successor kills at start-up.
  struct Kind {
    std::string name, script;
    int retries;
    int count;
  };
  const std::vector<Kind> kinds = {
      {"quick", "true", 0, 200},
      {"failing", "exit 3", 1, 60},
      {"slow", "sleep 0.$((RANDOM % 5))", 2, 40},
  };
  std::map<std::string, std::string> kind_of_event;
  std::vector<std::string> executions;
  for (const Kind& kind : kinds) {
    const std::string id = CreateEvent({{"name", kind.name},
                                        {"type", "BASH"},
                                        {"content", kind.script},
                                        {"retries", kind.retries},
                                        {"retryDelaySeconds", 0},
                                        {"timeoutSeconds", 60}});
    kind_of_event[id] = kind.name;
    for (int n = 0; n < kind.count; ++n) executions.push_back(Run(id));
  }
  std::mt19937 random(20261126);
  for (int kill = 0; kill < 3; ++kill) {
    // A random moment: once a random run has ended (or 0-2 s have passed).
    const std::string& watched = executions[random() % executions.size()];
    client_->Get("/api/v1/executions/" + watched + "?wait=" + std::to_string(random() % 3));
    server_->Kill();
    StartServer();
  }
  AwaitIdle();
  ASSERT_EQ(server_->Stop(), 0);

  sqlite3* db = nullptr;
  ASSERT_EQ(
      sqlite3_open_v2((DataDir() + "/cronium.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
      SQLITE_OK);
  auto rows = [&](const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return out;
  };
  auto jobs = rows(
      "SELECT j.id, j.event_id, j.status, j.attempts, j.max_attempts, e.status, "
      "(SELECT COUNT(*) FROM executions x WHERE x.job_id = j.id) FROM jobs j JOIN executions e "
      "ON e.id = j.current_execution_id");
  ASSERT_EQ(jobs.size(), executions.size());
  const std::set<std::string> terminal = {"SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST"};
  std::map<std::string, std::map<std::string, int>> outcomes;  // kind -> status -> jobs
  for (const auto& job : jobs) {
    const std::string& kind = kind_of_event[job[1]];
    EXPECT_TRUE(terminal.count(job[2])) << job[0] << " is " << job[2];
    EXPECT_EQ(job[2], job[5]) << job[0] << ": the job and its last execution disagree";
    const int attempts = std::stoi(job[3]), max_attempts = std::stoi(job[4]);
    EXPECT_GE(attempts, 1) << job[0];
    EXPECT_LE(attempts, max_attempts) << job[0] << " ran more attempts than allowed";
    EXPECT_EQ(std::stoi(job[6]), attempts) << job[0] << ": one execution per attempt";
    ++outcomes[kind][job[2]];
  }
  // No execution is left unfinished.
  EXPECT_EQ(rows("SELECT COUNT(*) FROM executions WHERE status IN ('QUEUED', 'RUNNING')")[0][0],
            "0");
  // Quick jobs succeed unless a kill caught them (LOST, no retries); failing ones always fail.
  EXPECT_EQ(outcomes["quick"]["SUCCEEDED"] + outcomes["quick"]["LOST"], 200) << [&] {
    std::string odd;
    for (const auto& row :
         rows("SELECT x.status, x.end_reason FROM executions x JOIN events e ON e.id = "
              "x.event_id WHERE e.name = 'quick' AND x.status NOT IN ('SUCCEEDED', "
              "'LOST')")) {
      odd += row[0] + ": " + row[1] + "\n";
    }
    return odd;
  }();
  EXPECT_EQ(outcomes["failing"]["FAILED"] + outcomes["failing"]["LOST"], 60);
  EXPECT_EQ(outcomes["slow"]["SUCCEEDED"] + outcomes["slow"]["LOST"], 40);
  EXPECT_GT(outcomes["quick"]["SUCCEEDED"], 0);
  // The event counters match the executions, attempt by attempt.
  for (const auto& counted :
       rows("SELECT e.id, e.success_count, e.failure_count, (SELECT COUNT(*) FROM executions x "
            "WHERE x.event_id = e.id AND x.status = 'SUCCEEDED'), (SELECT COUNT(*) FROM "
            "executions x WHERE x.event_id = e.id AND x.status IN ('FAILED', 'TIMED_OUT', "
            "'LOST')) FROM events e")) {
    EXPECT_EQ(counted[1], counted[3]) << kind_of_event[counted[0]];
    EXPECT_EQ(counted[2], counted[4]) << kind_of_event[counted[0]];
  }
  sqlite3_close(db);
}

}  // namespace
}  // namespace cronium::e2e

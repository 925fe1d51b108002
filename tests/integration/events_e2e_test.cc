// A user's main path: create events over HTTP, run them, read what they did.

#include <signal.h>

#include <thread>

#include "e2e.h"
#include "testutil/process_util.h"

namespace cronium::e2e {
namespace {

class EventsE2eTest : public E2eTest {};

std::string http_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

TEST_F(EventsE2eTest, HealthAndReadiness) {
  auto health = client_->Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(Parse(health)["status"], "ok");
  auto ready = client_->Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(Parse(ready)["status"], "ready");
}

TEST_F(EventsE2eTest, BashPythonAndNodeScriptsRunAndReportOutput) {
  const std::string bash = CreateScript("BASH", "echo \"bash $((6*7))\"; echo to-stderr >&2");
  const std::string python = CreateScript(
      "PYTHON", "import sys\nprint('python', sum(range(10)))\nprint('e', file=sys.stderr)");
  const std::string node =
      CreateScript("NODEJS", "console.log('node', [1,2,3].map(x => x * 2).join(','))");

  json b = RunAndWait(bash);
  EXPECT_EQ(b["status"], "SUCCEEDED");
  EXPECT_EQ(b["exitCode"], 0);
  EXPECT_EQ(b["stdout"], "bash 42\n");
  EXPECT_EQ(b["stderr"], "to-stderr\n");
  EXPECT_EQ(b["endReason"], "exited with code 0");
  EXPECT_EQ(b["isolation"], "sandbox");
  EXPECT_EQ(b["eventId"], bash);
  EXPECT_EQ(b["attempt"], 1);
  EXPECT_EQ(b["trigger"], "MANUAL");
  EXPECT_TRUE(b["durationMs"].is_number_integer());
  EXPECT_TRUE(b["startedAt"].is_string());
  EXPECT_TRUE(b["finishedAt"].is_string());
  EXPECT_FALSE(b["stdoutTruncated"].get<bool>());

  json p = RunAndWait(python);
  EXPECT_EQ(p["status"], "SUCCEEDED");
  EXPECT_EQ(p["stdout"], "python 45\n");
  EXPECT_EQ(p["stderr"], "e\n");

  json n = RunAndWait(node);
  EXPECT_EQ(n["status"], "SUCCEEDED");
  EXPECT_EQ(n["stdout"], "node 2,4,6\n");
}

TEST_F(EventsE2eTest, NonZeroExitIsAFailureWithItsCode) {
  json x = RunAndWait(CreateScript("PYTHON", "import sys\nprint('partial')\nsys.exit(5)"));
  EXPECT_EQ(x["status"], "FAILED");
  EXPECT_EQ(x["exitCode"], 5);
  EXPECT_EQ(x["stdout"], "partial\n");
  EXPECT_EQ(x["endReason"], "exited with code 5");
}

TEST_F(EventsE2eTest, TimeoutKillsTheTreeIncludingAGrandchildThatIgnoresTerm) {
  UsePlainProcesses();  // reads a host pid; sandbox_e2e_test covers the sandbox
  const std::string pid_file = dir_.path() + "/grandchild.pid";
  const std::string id = CreateScript("BASH",
                                      "trap '' TERM\n(trap '' TERM; echo $BASHPID > " + pid_file +
                                          "; while true; do sleep 0.05; done) &\n"
                                          "while [ ! -s " +
                                          pid_file +
                                          " ]; do sleep 0.01; done\necho waiting\n"
                                          "while true; do sleep 0.05; done\n",
                                      /*timeout_seconds=*/1);
  json x = RunAndWait(id);
  EXPECT_EQ(x["status"], "TIMED_OUT");
  EXPECT_EQ(x["endReason"], "timed out after 1 s");
  EXPECT_EQ(x["signal"], "SIGKILL");
  EXPECT_EQ(x["stdout"], "waiting\n");
  const pid_t grandchild = testutil::ReadPidFile(pid_file);
  ASSERT_GT(grandchild, 0);
  EXPECT_TRUE(testutil::ProcessIsGone(grandchild));
}

TEST_F(EventsE2eTest, CancelKillsARunningExecution) {
  const std::string fifo = MakeFifo("cancel.fifo");
  const std::string id = CreateScript(
      "BASH", "echo started\nread line < " + fifo + "\nwhile true; do sleep 0.05; done");
  const std::string execution = Run(id);
  WaitUntilScriptOpens(fifo);
  auto cancel = client_->Post("/api/v1/executions/" + execution + "/cancel", "{}");
  EXPECT_EQ(cancel.status, 202) << cancel.body;
  json x = AwaitEnd(execution);
  EXPECT_EQ(x["status"], "CANCELLED");
  EXPECT_EQ(x["endReason"], "cancelled by admin");  // who cancelled it
  EXPECT_EQ(x["stdout"], "started\n");
  // Cancelling again is a conflict, not a crash.
  auto again = client_->Post("/api/v1/executions/" + execution + "/cancel", "{}");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Parse(again)["error"], "FAILED_PRECONDITION");
}

TEST_F(EventsE2eTest, ScriptsCannotSeeTheServersEnvironment) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({}, {{"CRONIUM_E2E_SERVER_SECRET", "s3rv3r-only"}});
  json x = RunAndWait(CreateScript("BASH", "env"));
  EXPECT_EQ(x["status"], "SUCCEEDED");
  const std::string env = x["stdout"];
  EXPECT_EQ(env.find("s3rv3r-only"), std::string::npos);
  EXPECT_EQ(env.find("CRONIUM_E2E_SERVER_SECRET"), std::string::npos);
  EXPECT_NE(env.find("CRONIUM_EXECUTION_ID=" + x["id"].get<std::string>()), std::string::npos);
  EXPECT_NE(env.find("CRONIUM_JOB_ID=" + x["jobId"].get<std::string>()), std::string::npos);
}

TEST_F(EventsE2eTest, EnvVarsReachTheScriptButAreMaskedAndNeverLogged) {
  const std::string id = CreateEvent({{"name", "with secret"},
                                      {"type", "BASH"},
                                      {"content", "echo \"token=$API_TOKEN\""},
                                      {"envVars", {{"API_TOKEN", "tok-9f8e7d"}}}});
  auto shown = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(shown["envVars"]["API_TOKEN"], "********");
  auto revealed = Parse(client_->Get("/api/v1/events/" + id + "?revealSecrets=true"));
  EXPECT_EQ(revealed["envVars"]["API_TOKEN"], "tok-9f8e7d");
  auto reveals = Parse(client_->Get("/api/v1/audit?action=event.reveal_secrets&targetId=" + id));
  EXPECT_EQ(reveals["items"].size(), 1u);
  json x = RunAndWait(id);
  EXPECT_EQ(x["stdout"], "token=tok-9f8e7d\n");
  // Sending the mask back keeps the secret.
  auto patched =
      client_->Patch("/api/v1/events/" + id, json{{"envVars", {{"API_TOKEN", "********"}}}}.dump());
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(RunAndWait(id)["stdout"], "token=tok-9f8e7d\n");
  // Not in the database file in clear, not in the logs.
  std::ifstream db(DataDir() + "/cronium.db", std::ios::binary);
  const std::string db_bytes((std::istreambuf_iterator<char>(db)), {});
  EXPECT_EQ(db_bytes.find("tok-9f8e7d"), std::string::npos);
  EXPECT_EQ(server_->Logs().find("tok-9f8e7d"), std::string::npos);
}

TEST_F(EventsE2eTest, KeyFileAndDataDirArePrivate) {
  struct stat st {};
  ASSERT_EQ(::stat((DataDir() + "/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(DataDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((DataDir() + "/cronium.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_F(EventsE2eTest, OutputIsCappedAndMarkedTruncated) {
  json x =
      RunAndWait(CreateScript("BASH", "head -c 3000000 /dev/zero | tr '\\0' 'y'; echo done >&2"));
  EXPECT_EQ(x["status"], "SUCCEEDED");
  EXPECT_TRUE(x["stdoutTruncated"].get<bool>());
  EXPECT_EQ(x["stdout"].get<std::string>().size(), 1u << 20);
  EXPECT_FALSE(x["stderrTruncated"].get<bool>());
  EXPECT_EQ(x["stderr"], "done\n");
}

TEST_F(EventsE2eTest, InvalidUtf8OutputBecomesReplacementCharacters) {
  json x = RunAndWait(CreateScript("BASH", "printf 'ok \\377 end'"));
  EXPECT_EQ(x["status"], "SUCCEEDED");
  EXPECT_EQ(x["stdout"], "ok \xEF\xBF\xBD end");
}

TEST_F(EventsE2eTest, RunsAcceptJsonInput) {
  const std::string id = CreateScript("BASH", "echo ran");
  auto result = client_->Post("/api/v1/events/" + id + "/run",
                              json{{"input", {{"rows", 3}, {"names", {"a", "b"}}}}}.dump());
  EXPECT_EQ(result.status, 202);
  json started = Parse(result);
  EXPECT_EQ(result.headers["location"],
            "/api/v1/executions/" + started["executionId"].get<std::string>());
  EXPECT_EQ(AwaitEnd(started["executionId"])["status"], "SUCCEEDED");
  // No body at all is fine too.
  auto bare = client_->Send("POST", "/api/v1/events/" + id + "/run", "", false);
  EXPECT_EQ(bare.status, 202) << bare.body;
}

TEST_F(EventsE2eTest, ManyRunsAtOnceAllFinish) {
  const std::string id = CreateScript("BASH", "echo $CRONIUM_EXECUTION_ID");
  std::vector<std::string> executions;
  for (int n = 0; n < 20; ++n) executions.push_back(Run(id));
  for (const auto& execution : executions) {
    json x = AwaitEnd(execution);
    EXPECT_EQ(x["status"], "SUCCEEDED");
    EXPECT_EQ(x["stdout"], execution + "\n");
  }
  auto list = Parse(client_->Get("/api/v1/events/" + id + "/executions?limit=200"));
  EXPECT_EQ(list["items"].size(), 20u);
}

TEST_F(EventsE2eTest, CrudListPagingAndFilters) {
  const std::string a =
      CreateEvent({{"name", "Nightly backup"}, {"type", "BASH"}, {"tags", {"ops"}}});
  const std::string b = CreateEvent({{"name", "Report"}, {"type", "PYTHON"}, {"status", "ACTIVE"}});
  const std::string c =
      CreateEvent({{"name", "Cleanup"}, {"type", "NODEJS"}, {"tags", {"ops", "x"}}});

  auto page1 = Parse(client_->Get("/api/v1/events?limit=2"));
  ASSERT_EQ(page1["items"].size(), 2u);
  EXPECT_EQ(page1["items"][0]["id"], c);
  EXPECT_EQ(page1["items"][1]["id"], b);
  ASSERT_TRUE(page1["nextCursor"].is_string());
  auto page2 = Parse(
      client_->Get("/api/v1/events?limit=2&cursor=" + page1["nextCursor"].get<std::string>()));
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_EQ(page2["items"][0]["id"], a);
  EXPECT_TRUE(page2["nextCursor"].is_null());

  EXPECT_EQ(Parse(client_->Get("/api/v1/events?status=ACTIVE"))["items"].size(), 1u);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events?type=NODEJS"))["items"][0]["id"], c);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events?search=nightly"))["items"][0]["id"], a);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events?tag=ops"))["items"].size(), 2u);

  auto patched = client_->Patch("/api/v1/events/" + b,
                                json{{"name", "Weekly report"}, {"timeoutSeconds", 90}}.dump());
  ASSERT_EQ(patched.status, 200) << patched.body;
  json updated = Parse(patched);
  EXPECT_EQ(updated["name"], "Weekly report");
  EXPECT_EQ(updated["timeoutSeconds"], 90);
  EXPECT_EQ(updated["type"], "PYTHON");
  EXPECT_EQ(updated["status"], "ACTIVE");

  const std::string execution = Run(a);
  AwaitEnd(execution);
  auto deleted = client_->Delete("/api/v1/events/" + a);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(client_->Get("/api/v1/events/" + a).status, 404);
  EXPECT_EQ(client_->Get("/api/v1/executions/" + execution).status, 404);
  EXPECT_EQ(client_->Delete("/api/v1/events/" + a).status, 404);
}

TEST_F(EventsE2eTest, ArchivedEventsCannotRun) {
  const std::string id = CreateEvent({{"name", "old"}, {"type", "BASH"}, {"status", "ARCHIVED"}});
  auto result = client_->Post("/api/v1/events/" + id + "/run", "{}");
  EXPECT_EQ(result.status, 409);
  EXPECT_NE(Parse(result)["message"].get<std::string>().find("archived"), std::string::npos);
}

TEST_F(EventsE2eTest, SchedulePreviewShowsNextRunsWithDstMarks) {
  auto preview = client_->Get("/api/v1/schedules/preview?cron=" + http_encode("30 2 * * *") +
                              "&tz=Europe/Berlin&count=2&from=2026-03-28T12:00:00Z");
  ASSERT_EQ(preview.status, 200) << preview.body;
  json doc = Parse(preview);
  EXPECT_EQ(doc["timezone"], "Europe/Berlin");
  ASSERT_EQ(doc["instants"].size(), 2u);
  EXPECT_EQ(doc["instants"][0]["utc"], "2026-03-29T01:00:00.000Z");
  EXPECT_EQ(doc["instants"][0]["local"], "2026-03-29T03:00:00+02:00");
  EXPECT_EQ(doc["instants"][0]["dst"], "SHIFTED");
  EXPECT_EQ(doc["instants"][1]["local"], "2026-03-30T02:30:00+02:00");
  EXPECT_TRUE(doc["instants"][1]["dst"].is_null());

  auto never = Parse(
      client_->Get("/api/v1/schedules/preview?cron=" + http_encode("0 0 30 2 *") + "&tz=UTC"));
  EXPECT_TRUE(never["never"].get<bool>());
  auto bad = client_->Get("/api/v1/schedules/preview?cron=" + http_encode("61 * * * *"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(Parse(bad)["message"].get<std::string>().find("minute field at position 1"),
            std::string::npos);
  EXPECT_EQ(
      client_
          ->Get("/api/v1/schedules/preview?cron=" + http_encode("* * * * *") + "&tz=Mars/Olympus")
          .status,
      400);
  EXPECT_EQ(client_->Get("/api/v1/schedules/preview?cron=" + http_encode("* * * * *") + "&count=0")
                .status,
            400);
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto cli = testutil::RunCronium(
      {"schedule", "preview", "0 9 * * MON-FRI", "--tz", "America/New_York", "--count", "3"}, env);
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("09:00:00-0"), std::string::npos) << cli.out;
}

TEST_F(EventsE2eTest, JsonLogFormatWritesOneJsonObjectPerLine) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--log-format", "json"});
  RunAndWait(CreateScript("BASH", "echo \"quote\\\" inside\""));
  ASSERT_EQ(server_->Stop(), 0);
  std::istringstream logs(server_->Logs());
  std::string line;
  int json_lines = 0;
  bool in_json_part = false;
  while (std::getline(logs, line)) {
    if (line.rfind("{", 0) == 0) in_json_part = true;
    if (!in_json_part || line.empty()) continue;
    json doc = json::parse(line, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << line;
    if (!doc.is_discarded()) {
      EXPECT_TRUE(doc.contains("time") && doc.contains("level") && doc.contains("msg")) << line;
      ++json_lines;
    }
  }
  EXPECT_GT(json_lines, 3);
  server_.reset();
}

TEST_F(EventsE2eTest, SandboxLimitsAreCheckedAgainstTheCeilingsAppliedAndShown) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--max-memory-mb", "256", "--max-pids", "100"});
  json info = Parse(client_->Get("/api/v1/system"));
  EXPECT_EQ(info["isolation"], "sandbox") << info.dump();
  EXPECT_TRUE(info["isolationWarning"].is_null());

  const auto rejected = [&](const json& extra, const std::string& message) {
    json body = {{"name", "limited"}, {"type", "BASH"}, {"content", "true"}};
    body.update(extra);
    auto result = client_->Post("/api/v1/events", body.dump());
    EXPECT_EQ(result.status, 400) << body.dump() << " -> " << result.body;
    EXPECT_NE(result.body.find(message), std::string::npos) << result.body;
  };
  rejected({{"limits", {{"memoryMb", 512}}}}, "between 16 and 256 MiB (this server's ceiling)");
  rejected({{"limits", {{"pids", 101}}}}, "limits.pids");
  rejected({{"limits", {{"pids", -1}}}}, "limits.pids: must be a whole number >= 0");
  rejected({{"limits", {{"memoryMb", "64"}}}}, "limits.memoryMb: must be a whole number");
  rejected({{"limits", {{"cpus", "two"}}}}, "limits.cpus: must be a number of cores");
  rejected({{"limits", {{"swapMb", 1}}}}, "limits: unknown key 'swapMb'");
  rejected({{"limits", 5}}, "limits: must be an object");
  rejected({{"network", "bridge"}}, "network: must be \\\"none\\\"");
  rejected({{"network", "host"}}, "not allowed on this server");

  // Through the CLI, then shown back and applied to the run.
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto created =
      testutil::RunCronium({"event", "create", "--name", "small", "--type", "BASH", "--content",
                            "python3 -c 'bytearray(200 << 20)'; echo survived", "--memory-mb", "64",
                            "--pids", "20", "--cpus", "0.5", "--output-kb", "1", "--json"},
                           env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = json::parse(created.out)["id"];
  auto shown = testutil::RunCronium({"event", "show", id}, env);
  EXPECT_NE(shown.out.find("limits:    memory 64 MiB, processes 20, CPU time default, CPUs 0.5, "
                           "disk default, output 1 KiB; network none"),
            std::string::npos)
      << shown.out;
  json x = RunAndWait(id);
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump();  // the shell survives its child's OOM kill
  EXPECT_EQ(x["stdout"], "survived\n");
  EXPECT_NE(x["endReason"].get<std::string>().find("memory limit 64 MiB exceeded"),
            std::string::npos)
      << x["endReason"];

  // An administrator may allow the host's network.
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--allow-host-network"});
  const std::string host = CreateEvent({{"name", "online"},
                                        {"type", "BASH"},
                                        {"content", "cat /proc/net/dev | grep -c ':'"},
                                        {"network", "host"}});
  EXPECT_EQ(Parse(client_->Get("/api/v1/events/" + host))["network"], "host");
  json online = RunAndWait(host);
  EXPECT_EQ(online["status"], "SUCCEEDED") << online.dump();
  EXPECT_NE(online["stdout"], "1\n");  // more than the private loopback
}

}  // namespace
}  // namespace cronium::e2e

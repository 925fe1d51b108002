// Restarts, crashes and the CLI, as an operator meets them.

#include <signal.h>
#include <sys/stat.h>

#include "e2e.h"
#include "testutil/process_util.h"

namespace cronium::e2e {
namespace {

class LifecycleE2eTest : public E2eTest {};

TEST_F(LifecycleE2eTest, DataSurvivesARestart) {
  const std::string id = CreateEvent({{"name", "persistent"},
                                      {"type", "BASH"},
                                      {"content", "echo \"$GREETING\""},
                                      {"envVars", {{"GREETING", "still here"}}}});
  const std::string execution = Run(id);
  AwaitEnd(execution);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer();
  auto event = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(event["name"], "persistent");
  auto old_run = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(old_run["status"], "SUCCEEDED");
  EXPECT_EQ(old_run["stdout"], "still here\n");
  // The key file survived too: the env var still decrypts for a new run.
  EXPECT_EQ(RunAndWait(id)["stdout"], "still here\n");
}

TEST_F(LifecycleE2eTest, AKilledServerMarksItsUnfinishedRunLostAndStopsItOnRestart) {
  UsePlainProcesses();  // reads host pids; sandbox_e2e_test covers the sandbox
  const std::string fifo = MakeFifo("kill.fifo");
  const std::string pid_file = dir_.path() + "/script.pid";
  const std::string child_file = dir_.path() + "/child.pid";
  const std::string id = CreateScript("BASH",
                                      "echo $$ > " + pid_file + "\nsleep 300 &\necho $! > " +
                                          child_file + "\nread line < " + fifo + "\nsleep 300\n",
                                      600);
  const std::string execution = Run(id);
  WaitUntilScriptOpens(fifo);
  server_->Kill();
  const pid_t script = testutil::ReadPidFile(pid_file);
  const pid_t child = testutil::ReadPidFile(child_file);
  ASSERT_GT(script, 0);
  ASSERT_GT(child, 0);
  EXPECT_FALSE(testutil::ProcessIsGone(script));  // orphaned, still running
  StartServer();
  // The restarted server stopped what its predecessor left running, children included.
  EXPECT_TRUE(testutil::ProcessIsGone(script));
  EXPECT_TRUE(testutil::ProcessIsGone(child));
  if (!testutil::ProcessIsGone(script)) ::kill(-script, SIGKILL);
  if (!testutil::ProcessIsGone(child)) ::kill(child, SIGKILL);
  EXPECT_NE(server_->Logs().find("killed 1 run(s) a previous server process left running"),
            std::string::npos);
  json x = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(x["status"], "LOST");
  EXPECT_EQ(x["endReason"], "lost: the server stopped during the run (crash or kill)");
  EXPECT_EQ(x["job"]["status"], "LOST");  // no retries left
  EXPECT_TRUE(x["finishedAt"].is_string());
  // And new runs work.
  EXPECT_EQ(RunAndWait(CreateScript("BASH", "echo ok"))["stdout"], "ok\n");
}

TEST_F(LifecycleE2eTest, SigtermLetsARunningScriptFinish) {
  const std::string fifo = MakeFifo("term.fifo");
  const std::string id = CreateScript("BASH", "read line < " + fifo + "\necho finished");
  const std::string execution = Run(id);
  WaitUntilScriptOpens(fifo);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer();
  json x = Parse(client_->Get("/api/v1/executions/" + execution));
  EXPECT_EQ(x["status"], "SUCCEEDED");
  EXPECT_EQ(x["stdout"], "finished\n");
}

TEST_F(LifecycleE2eTest, ASecondServerOnTheSamePortFailsClearly) {
  const std::string port = server_->url().substr(server_->url().rfind(':') + 1);
  testutil::TempDir other;
  auto result = testutil::RunCronium(
      {"serve", "--listen", "127.0.0.1:" + port, "--data-dir", other.path() + "/d"}, {});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << result.err;
}

TEST_F(LifecycleE2eTest, TheMasterKeyCanLiveOutsideTheDataDir) {
  testutil::TempDir other;
  const std::string key_path = other.path() + "/secrets/cronium.key";
  testutil::ServerProcess server(other.path() + "/data", {"--master-key-file", key_path});
  ASSERT_TRUE(server.Start()) << server.error();
  struct stat st {};
  ASSERT_EQ(::stat(key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_NE(::stat((other.path() + "/data/master.key").c_str(), &st), 0);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(LifecycleE2eTest, BadServeFlagsFailClearly) {
  auto listen = testutil::RunCronium({"serve", "--listen", "nonsense"}, {});
  EXPECT_NE(listen.exit_code, 0);
  EXPECT_NE(listen.err.find("HOST:PORT"), std::string::npos) << listen.err;
  testutil::TempDir other;
  auto db = testutil::RunCronium(
      {"serve", "--listen", "127.0.0.1:0", "--data-dir", other.path(), "--database", "mysql://x"},
      {});
  EXPECT_NE(db.exit_code, 0);
  EXPECT_NE(db.err.find("--database"), std::string::npos) << db.err;
}

TEST_F(LifecycleE2eTest, CliCreatesListsShowsRunsAndDeletes) {
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto created =
      testutil::RunCronium({"event", "create", "--name", "cli hello", "--type", "BASH", "--content",
                            "echo \"hi $WHO\"; exit 3", "--env", "WHO=cli", "--json"},
                           env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = json::parse(created.out)["id"];

  auto list = testutil::RunCronium({"event", "list"}, env);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find(id), std::string::npos);
  EXPECT_NE(list.out.find("cli hello"), std::string::npos);

  auto show = testutil::RunCronium({"event", "show", id}, env);
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("WHO=********"), std::string::npos) << show.out;

  auto run = testutil::RunCronium({"event", "run", id, "--wait"}, env);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(run.out, "hi cli\n");
  EXPECT_NE(run.err.find("FAILED (exited with code 3)"), std::string::npos) << run.err;

  auto executions = testutil::RunCronium({"execution", "list", "--event", id, "--json"}, env);
  ASSERT_EQ(executions.exit_code, 0);
  const std::string execution_id = json::parse(executions.out)["items"][0]["id"];
  auto logs = testutil::RunCronium({"execution", "logs", execution_id}, env);
  EXPECT_EQ(logs.out, "hi cli\n");
  auto shown = testutil::RunCronium({"execution", "show", execution_id}, env);
  EXPECT_NE(shown.out.find("exit code: 3"), std::string::npos) << shown.out;

  auto deleted = testutil::RunCronium({"event", "delete", id}, env);
  EXPECT_EQ(deleted.exit_code, 0);
  auto missing = testutil::RunCronium({"event", "show", id}, env);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;
}

TEST_F(LifecycleE2eTest, CliExplainsAnUnreachableServer) {
  auto result = testutil::RunCronium({"event", "list"}, {{"CRONIUM_SERVER", "http://127.0.0.1:1"}});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("cannot reach the Cronium server"), std::string::npos) << result.err;
}

TEST_F(LifecycleE2eTest, CliRejectsBadArguments) {
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto bad_env = testutil::RunCronium(
      {"event", "create", "--name", "x", "--type", "BASH", "--env", "NOEQUALS"}, env);
  EXPECT_EQ(bad_env.exit_code, 1);
  EXPECT_NE(bad_env.err.find("KEY=VALUE"), std::string::npos);
  auto bad_input = testutil::RunCronium({"event", "run", "evt_x", "--input", "{nope"}, env);
  EXPECT_EQ(bad_input.exit_code, 1);
  EXPECT_NE(bad_input.err.find("--input is not valid JSON"), std::string::npos);
  auto invalid = testutil::RunCronium({"event", "create", "--name", "x", "--type", "RUBY"}, env);
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("type"), std::string::npos);
}

}  // namespace
}  // namespace cronium::e2e

#pragma once

// Shared fixture of the end-to-end tests: a fresh server per test on port 0 with its own data
// dir, and helpers that speak the REST API.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "testutil/fifo.h"
#include "testutil/http_client.h"
#include "testutil/server_process.h"
#include "testutil/temp_dir.h"

namespace cronium::e2e {

using nlohmann::json;

// For wall-clock behaviour (schedules, other nodes): polls `ready` every 50 ms for at most
// `limit`.
inline bool Eventually(const std::function<bool()>& ready,
                       std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

class E2eTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override {
    if (server_ && server_->pid() > 0) {
      const int status = server_->Stop();
      EXPECT_EQ(status, 0) << "server exited badly; logs:\n" << server_->Logs();
    }
  }

  std::string DataDir() const { return dir_.path() + "/data"; }
  // A path in the directory shared with scripts (the same path inside the sandbox).
  std::string Shared(const std::string& name) const { return dir_.path() + "/shared/" + name; }

  // Restarts the server with plain processes instead of the sandbox: for tests that look at a
  // run's processes from the host (host pids of what the script started).
  void UsePlainProcesses() {
    ASSERT_EQ(server_->Stop(), 0);
    StartServer({"--isolation", "process"});
  }

  // Scripts run in the sandbox, which sees nothing of the host: the tests share one directory
  // with them (--sandbox-share), where FIFOs and marker files coordinate test and script.
  void StartServer(std::vector<std::string> args = {},
                   std::map<std::string, std::string> env = {}) {
    if (admin_token_.empty()) admin_token_ = Bootstrap();
    ::mkdir(Shared("").c_str(), 0777);
    ::chmod(Shared("").c_str(), 0777);  // the sandbox's unprivileged uid writes here
    args.push_back("--sandbox-share");
    args.push_back(Shared(""));
    server_ = std::make_unique<testutil::ServerProcess>(DataDir(), std::move(args), std::move(env));
    ASSERT_TRUE(server_->Start()) << server_->error();
    client_ = std::make_unique<testutil::HttpClient>(server_->url(), admin_token_);
  }

  // `cronium admin bootstrap` on the data dir: the first admin and an admin API token.
  std::string Bootstrap() {
    auto result = testutil::RunCronium({"admin", "bootstrap", "--data-dir", DataDir()}, {});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::string token = result.out;
    while (!token.empty() && token.back() == '\n') token.pop_back();
    EXPECT_EQ(token.rfind("crn_", 0), 0u) << result.out;
    return token;
  }

  // Creates a USER with the admin token, logs in and returns a write API token of theirs.
  std::string UserToken(const std::string& name) {
    const std::string password = "pw-" + name + "-correct-horse";
    auto created = client_->Post("/api/v1/users", json{{"username", name},
                                                       {"email", name + "@example.test"},
                                                       {"password", password},
                                                       {"role", "USER"}}
                                                      .dump());
    EXPECT_EQ(created.status, 201) << created.body;
    testutil::HttpClient anonymous(server_->url());
    auto login = anonymous.Post("/api/v1/auth/login",
                                json{{"username", name}, {"password", password}}.dump());
    EXPECT_EQ(login.status, 200) << login.body;
    const std::string cookie =
        login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'));
    auto token = anonymous.Send(
        "POST", "/api/v1/tokens", json{{"name", name}, {"scope", "write"}}.dump(), true, false,
        {"Cookie: " + cookie, "X-CSRF-Token: " + Parse(login)["csrfToken"].get<std::string>()});
    EXPECT_EQ(token.status, 201) << token.body;
    return Parse(token)["token"];
  }

  static json Parse(const testutil::HttpResult& result) {
    json doc = json::parse(result.body, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << "not JSON: " << result.body;
    return doc;
  }

  std::string CreateEvent(const json& body) {
    auto result = client_->Post("/api/v1/events", body.dump());
    EXPECT_EQ(result.status, 201) << result.body;
    return Parse(result).value("id", "");
  }

  std::string CreateScript(const std::string& type, const std::string& content,
                           int timeout_seconds = 30) {
    return CreateEvent({{"name", "e2e " + type},
                        {"type", type},
                        {"content", content},
                        {"timeoutSeconds", timeout_seconds}});
  }

  std::string Run(const std::string& event_id, const json& body = json::object()) {
    auto result = client_->Post("/api/v1/events/" + event_id + "/run", body.dump());
    EXPECT_EQ(result.status, 202) << result.body;
    return Parse(result).value("executionId", "");
  }

  // Long-polls until the execution has ended.
  json AwaitEnd(const std::string& execution_id) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto result = client_->Get("/api/v1/executions/" + execution_id + "?wait=30");
      EXPECT_EQ(result.status, 200) << result.body;
      json doc = Parse(result);
      const std::string status = doc.value("status", "");
      if (status != "QUEUED" && status != "RUNNING") return doc;
    }
    ADD_FAILURE() << "execution " << execution_id << " did not end";
    return json::object();
  }

  json RunAndWait(const std::string& event_id) { return AwaitEnd(Run(event_id)); }

  // A FIFO the test writes to once the script has opened it: opening blocks until the script
  // is really running, without sleeping.
  std::string MakeFifo(const std::string& name) {
    const std::string path = Shared(name);
    EXPECT_EQ(::mkfifo(path.c_str(), 0666), 0);
    ::chmod(path.c_str(), 0666);
    return path;
  }
  static void WaitUntilScriptOpens(const std::string& fifo) {
    EXPECT_TRUE(testutil::WriteFifo(fifo, "go\n")) << "no script opened " << fifo;
  }

  testutil::TempDir dir_;
  std::unique_ptr<testutil::ServerProcess> server_;
  std::unique_ptr<testutil::HttpClient> client_;
  std::string admin_token_;
};

}  // namespace cronium::e2e

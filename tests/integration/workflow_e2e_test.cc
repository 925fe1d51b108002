// Workflows and conditional actions through the real binary: scripts in the sandbox passing
// data along edges, branches, joins, parallel branches, cancel, bad definitions, and the
// exactly-once guarantees across retries and kill -9.

#include <algorithm>
#include <fstream>
#include <set>

#include "crypto/secrets.h"
#include "e2e.h"

namespace cronium::e2e {
namespace {

class WorkflowE2eTest : public E2eTest {
 protected:
  void SetUp() override {
    // Four workers, so that parallel branches can overlap; a short chain limit.
    StartServer({"--workers", "4", "--max-action-depth", "3"});
  }

  std::string Bash(const std::string& name, const std::string& content, json extra = {}) {
    json body{{"name", name}, {"type", "BASH"}, {"content", content}, {"timeoutSeconds", 60}};
    if (extra.is_object()) body.update(extra);
    return CreateEvent(body);
  }

  // Creates a workflow; returns its id ("" and a failure when the API refuses it).
  std::string CreateWorkflow(const json& body) {
    auto result = client_->Post("/api/v1/workflows", body.dump());
    EXPECT_EQ(result.status, 201) << result.body;
    return Parse(result).value("id", "");
  }

  std::string StartRun(const std::string& workflow, const json& input = nullptr) {
    json body = json::object();
    if (!input.is_null()) body["input"] = input;
    auto result = client_->Post("/api/v1/workflows/" + workflow + "/run", body.dump());
    EXPECT_EQ(result.status, 202) << result.body;
    return Parse(result).value("id", "");
  }

  json AwaitRun(const std::string& run) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto result = client_->Get("/api/v1/workflow-executions/" + run + "?wait=30");
      EXPECT_EQ(result.status, 200) << result.body;
      json doc = Parse(result);
      if (!doc["finishedAt"].is_null()) return doc;
    }
    ADD_FAILURE() << "workflow execution " << run << " did not finish";
    return json::object();
  }

  static const json& Node(const json& run, const std::string& id) {
    for (const auto& node : run["nodes"]) {
      if (node["id"] == id) return node;
    }
    static const json kMissing = json::object();
    ADD_FAILURE() << "no node " << id;
    return kMissing;
  }

  // How many executions an event has had.
  size_t Executions(const std::string& event_id) {
    auto result = client_->Get("/api/v1/events/" + event_id + "/executions?limit=200");
    EXPECT_EQ(result.status, 200) << result.body;
    return Parse(result)["items"].size();
  }

  testutil::CommandResult Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    return testutil::RunCronium(
        args, {{"CRONIUM_SERVER", server_->url()}, {"CRONIUM_TOKEN", admin_token_}}, stdin_text);
  }
};

TEST_F(WorkflowE2eTest, PythonNodeBashChainPassesNestedJsonFromAYamlFile) {
  const std::string py = CreateEvent(
      {{"name", "extract"},
       {"type", "PYTHON"},
       {"content",
        "import cronium\n"
        "i = cronium.input()\n"
        "cronium.output({'rows': [1, 2, 3], 'meta': {'day': i['day'], 'tags': ['a', 'ü']}})\n"}});
  const std::string node =
      CreateEvent({{"name", "transform"},
                   {"type", "NODEJS"},
                   {"content",
                    "const c = require('cronium');\n"
                    "(async () => {\n"
                    "  const i = await c.input();\n"
                    "  await c.output({sum: i.rows.reduce((a, b) => a + b, 0), meta: i.meta});\n"
                    "  await c.setCondition(i.meta.tags[1] === 'ü');\n"
                    "})();\n"}});
  const std::string bash =
      Bash("load", "cronium_output \"$(cronium_input | jq -c '{total: .sum, day: .meta.day}')\"\n");
  const std::string never = Bash("never", "echo should not run\n");
  const std::string yaml =
      "name: etl\n"
      "description: a chain across three languages\n"
      "nodes:\n"
      "  - {id: extract, eventId: " +
      py +
      ", position: {x: 0, y: 0}}\n"
      "  - id: transform\n"
      "    eventId: " +
      node +
      "\n"
      "  - {id: load, eventId: " +
      bash +
      "}\n"
      "  - {id: alert, eventId: " +
      never +
      "}\n"
      "edges:\n"
      "  - {from: extract, to: transform, kind: ON_SUCCESS}\n"
      "  - {from: transform, to: load, kind: ON_CONDITION}\n"
      "  - {from: transform, to: alert, kind: ON_FAILURE}\n";
  const std::string file = dir_.path() + "/wf.yaml";
  std::ofstream(file) << yaml;
  auto created = Cli({"workflow", "create", "-f", file, "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = json::parse(created.out)["id"];

  auto ran = Cli({"workflow", "run", id, "--input", R"({"day":"2026-11-27"})", "--wait"});
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_NE(ran.out.find("SUCCEEDED"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("SKIPPED"), std::string::npos) << ran.out;

  auto list = Parse(client_->Get("/api/v1/workflows/" + id + "/executions"));
  ASSERT_EQ(list["items"].size(), 1u);
  json run = Parse(
      client_->Get("/api/v1/workflow-executions/" + list["items"][0]["id"].get<std::string>()));
  EXPECT_EQ(run["status"], "SUCCEEDED");
  EXPECT_EQ(Node(run, "extract")["output"]["meta"]["tags"][1], "ü");
  EXPECT_EQ(Node(run, "transform")["output"]["sum"], 6);
  EXPECT_EQ(Node(run, "transform")["condition"], true);
  EXPECT_EQ(Node(run, "load")["output"], (json{{"total", 6}, {"day", "2026-11-27"}}));
  EXPECT_EQ(Node(run, "alert")["status"], "SKIPPED");
  EXPECT_TRUE(Node(run, "alert")["executionId"].is_null());
  // Each node's execution links back to the run and shows the input it got.
  json load = Parse(
      client_->Get("/api/v1/executions/" + Node(run, "load")["executionId"].get<std::string>()));
  EXPECT_EQ(load["job"]["workflowExecutionId"], run["id"]);
  EXPECT_EQ(load["job"]["workflowNodeId"], "load");
  EXPECT_EQ(load["input"]["meta"]["tags"][1], "ü");
  EXPECT_EQ(load["trigger"], "WORKFLOW");
}

TEST_F(WorkflowE2eTest, DiamondWithMixedEdgesJoinsAndHandlesAFailure) {
  const std::string start = Bash("start", "cronium_output '{\"n\":1}'\n");
  const std::string fails = Bash("fails", "cronium_output '{\"why\":\"disk\"}'\nexit 3\n");
  const std::string ok = Bash("ok", "cronium_output \"$(cronium_input | jq -c '.n + 1')\"\n");
  const std::string join = Bash("join", "cronium_output \"$(cronium_input)\"\n");
  const std::string skipped = Bash("skipped", "echo no\n");
  const std::string id =
      CreateWorkflow({{"name", "diamond"},
                      {"nodes",
                       {{{"id", "start"}, {"eventId", start}},
                        {{"id", "fails"}, {"eventId", fails}},
                        {{"id", "ok"}, {"eventId", ok}},
                        {{"id", "join"}, {"eventId", join}},
                        {{"id", "after_fail_only"}, {"eventId", skipped}}}},
                      {"edges",
                       {{{"from", "start"}, {"to", "fails"}, {"kind", "ALWAYS"}},
                        {{"from", "start"}, {"to", "ok"}, {"kind", "ON_SUCCESS"}},
                        {{"from", "fails"}, {"to", "join"}, {"kind", "ON_FAILURE"}},
                        {{"from", "ok"}, {"to", "join"}, {"kind", "ON_SUCCESS"}},
                        {{"from", "ok"}, {"to", "after_fail_only"}, {"kind", "ON_FAILURE"}}}}});
  json run = AwaitRun(StartRun(id));
  // The failure was handled by the ON_FAILURE edge into join, which ran: SUCCEEDED.
  EXPECT_EQ(run["status"], "SUCCEEDED") << run.dump(2);
  EXPECT_EQ(Node(run, "fails")["status"], "FAILED");
  EXPECT_EQ(Node(run, "after_fail_only")["status"], "SKIPPED");
  // join got both predecessors' outputs, keyed by node id.
  EXPECT_EQ(Node(run, "join")["output"], (json{{"fails", {{"why", "disk"}}}, {"ok", 2}}));
  EXPECT_EQ(run["counts"]["SUCCEEDED"], 3);

  // Without the ON_FAILURE edge the same failure fails the run, and names the node.
  const std::string unhandled = CreateWorkflow(
      {{"name", "unhandled"},
       {"nodes", {{{"id", "fails"}, {"eventId", fails}}, {{"id", "next"}, {"eventId", ok}}}},
       {"edges", {{{"from", "fails"}, {"to", "next"}, {"kind", "ON_SUCCESS"}}}}});
  json failed = AwaitRun(StartRun(unhandled));
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_NE(failed["endReason"].get<std::string>().find("node fails failed"), std::string::npos);
  EXPECT_EQ(Node(failed, "next")["status"], "SKIPPED");
  auto cli = Cli({"workflow", "run", unhandled, "--wait"});
  EXPECT_EQ(cli.exit_code, 1) << cli.out;
}

TEST_F(WorkflowE2eTest, IndependentBranchesRunAtTheSameTime) {
  // Each branch announces itself, then waits for the other: only parallel runs can finish.
  const std::string dir = Shared("");
  auto branch = [&](const std::string& me, const std::string& other) {
    return Bash(me, "touch " + dir + me + "\nfor i in $(seq 1 3000); do\n  [ -e " + dir + other +
                        " ] && exit 0\n  sleep 0.01\ndone\nexit 1\n");
  };
  const std::string left = branch("left", "right");
  const std::string right = branch("right", "left");
  const std::string id = CreateWorkflow(
      {{"name", "parallel"},
       {"nodes", {{{"id", "left"}, {"eventId", left}}, {{"id", "right"}, {"eventId", right}}}},
       {"edges", json::array()}});
  json run = AwaitRun(StartRun(id));
  ASSERT_EQ(run["status"], "SUCCEEDED") << run.dump(2);
  // Their times overlap: each started before the other finished.
  const json& l = Node(run, "left");
  const json& r = Node(run, "right");
  EXPECT_LT(l["startedAt"].get<std::string>(), r["finishedAt"].get<std::string>());
  EXPECT_LT(r["startedAt"].get<std::string>(), l["finishedAt"].get<std::string>());
}

TEST_F(WorkflowE2eTest, CancelMidRunStopsTheRunningNodeAndNothingElseStarts) {
  const std::string fifo = MakeFifo("wf-cancel.fifo");
  const std::string slow = Bash("slow", "read line < " + fifo + "\nsleep 300\n");
  const std::string after = Bash("after", "echo after\n");
  const std::string id = CreateWorkflow(
      {{"name", "cancel me"},
       {"nodes", {{{"id", "slow"}, {"eventId", slow}}, {{"id", "after"}, {"eventId", after}}}},
       {"edges", {{{"from", "slow"}, {"to", "after"}, {"kind", "ALWAYS"}}}}});
  const std::string run_id = StartRun(id);
  WaitUntilScriptOpens(fifo);
  auto cancelled = client_->Post("/api/v1/workflow-executions/" + run_id + "/cancel", "");
  EXPECT_EQ(cancelled.status, 202) << cancelled.body;
  json run = AwaitRun(run_id);
  EXPECT_EQ(run["status"], "CANCELLED");
  EXPECT_EQ(Node(run, "slow")["status"], "CANCELLED");
  EXPECT_EQ(Node(run, "after")["status"], "CANCELLED");
  EXPECT_EQ(Executions(after), 0u);
  // Cancelling again is a conflict, not a crash.
  auto again = client_->Post("/api/v1/workflow-executions/" + run_id + "/cancel", "");
  EXPECT_EQ(again.status, 409) << again.body;
}

TEST_F(WorkflowE2eTest, BadDefinitionsAreRefusedNamingTheProblem) {
  const std::string a = Bash("a", "true\n");
  auto refuse = [&](const json& body, const std::string& expected) {
    auto result = client_->Post("/api/v1/workflows", body.dump());
    EXPECT_EQ(result.status, 400) << body.dump() << " -> " << result.body;
    EXPECT_NE(result.body.find(expected), std::string::npos) << result.body;
  };
  const json two_nodes = {{{"id", "x"}, {"eventId", a}}, {{"id", "y"}, {"eventId", a}}};
  refuse({{"name", "cycle"},
          {"nodes", two_nodes},
          {"edges", {{{"from", "x"}, {"to", "y"}}, {{"from", "y"}, {"to", "x"}}}}},
         "cycle");
  refuse({{"name", "self"}, {"nodes", two_nodes}, {"edges", {{{"from", "x"}, {"to", "x"}}}}}, "x");
  // An edge to a node of another workflow (not in this one).
  const std::string other =
      CreateWorkflow({{"name", "other"}, {"nodes", {{{"id", "elsewhere"}, {"eventId", a}}}}});
  ASSERT_FALSE(other.empty());
  refuse(
      {{"name", "cross"}, {"nodes", two_nodes}, {"edges", {{{"from", "x"}, {"to", "elsewhere"}}}}},
      "elsewhere");
  refuse({{"name", "dup"},
          {"nodes", two_nodes},
          {"edges", {{{"from", "x"}, {"to", "y"}}, {{"from", "x"}, {"to", "y"}}}}},
         "x");
  refuse({{"name", "kind"},
          {"nodes", two_nodes},
          {"edges", {{{"from", "x"}, {"to", "y"}, {"kind", "SOMETIMES"}}}}},
         "kind");
  refuse({{"name", "no event"}, {"nodes", {{{"id", "x"}, {"eventId", "evt_nope"}}}}},
         "evt_nope not found");
  refuse({{"name", "no nodes"}}, "nodes");
  refuse({{"name", "typed"}, {"nodes", "x"}}, "nodes: must be an array");
  refuse({{"name", "field"}, {"nodes", two_nodes}, {"colour", "red"}}, "colour");
  refuse({{"name", "bad id"}, {"nodes", {{{"id", "a b"}, {"eventId", a}}}}}, "a b");
  refuse({{"name", "sched"}, {"trigger", "SCHEDULE"}, {"nodes", two_nodes}}, "trigger");
  auto malformed = client_->Post("/api/v1/workflows", "{\"name\": ");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  auto huge = client_->Post("/api/v1/workflows", json{{"name", std::string(20 << 20, 'x')}}.dump());
  EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);
  EXPECT_EQ(client_->Get("/api/v1/workflows/wfl_nope").status, 404);
  EXPECT_EQ(client_->Post("/api/v1/workflows/wfl_nope/run", "").status, 404);
  EXPECT_EQ(client_->Get("/api/v1/workflow-executions/wfr_nope").status, 404);
  EXPECT_EQ(client_->Get("/api/v1/workflow-executions/wfr_nope?wait=abc").status, 404);

  // Another user's private event cannot be used, and their workflows are not visible.
  testutil::HttpClient as_bob(server_->url(), UserToken("bob"));
  auto used =
      as_bob.Post("/api/v1/workflows",
                  json{{"name", "steal"}, {"nodes", {{{"id", "x"}, {"eventId", a}}}}}.dump());
  EXPECT_EQ(used.status, 400) << used.body;
  EXPECT_NE(used.body.find("not found"), std::string::npos);
  EXPECT_EQ(as_bob.Get("/api/v1/workflows/" + other).status, 404);
  EXPECT_EQ(as_bob.Post("/api/v1/workflows/" + other + "/run", "").status, 404);
  EXPECT_EQ(Parse(as_bob.Get("/api/v1/workflows"))["items"].size(), 0u);
  // An event that a workflow uses cannot be deleted.
  auto deleted = client_->Delete("/api/v1/events/" + a);
  EXPECT_EQ(deleted.status, 409) << deleted.body;
  EXPECT_NE(deleted.body.find(other), std::string::npos) << deleted.body;
}

TEST_F(WorkflowE2eTest, ConditionalActionFiresOnceAfterTheLastRetryAndNeverAgainAfterKill9) {
  const std::string target = Bash("target", "cronium_output \"$(cronium_input)\"\n");
  const std::string source = Bash("source", "cronium_output '{\"attempt\":\"done\"}'\nexit 1\n",
                                  {{"retries", 2},
                                   {"retryDelaySeconds", 0},
                                   {"actions",
                                    {{{"trigger", "ON_FAILURE"}, {"targetEventId", target}},
                                     {{"trigger", "ON_SUCCESS"}, {"targetEventId", target}}}}});
  json shown = Parse(client_->Get("/api/v1/events/" + source));
  ASSERT_EQ(shown["actions"].size(), 2u);
  json x = AwaitEnd(Run(source));
  // Follow the retries to the last attempt.
  for (int i = 0; i < 5 && x["job"]["status"] != "FAILED"; ++i) {
    x = AwaitEnd(x["job"]["currentExecutionId"].get<std::string>());
  }
  ASSERT_EQ(x["job"]["status"], "FAILED");
  EXPECT_EQ(x["job"]["attempts"], 3);
  // The action's run: exactly one, with the source's output as input.
  auto audit = Parse(client_->Get("/api/v1/audit?action=action.fire"));
  ASSERT_EQ(audit["items"].size(), 1u) << audit.dump(2);
  const std::string fired = audit["items"][0]["details"]["startedExecutionId"];
  json t = AwaitEnd(fired);
  EXPECT_EQ(t["status"], "SUCCEEDED");
  EXPECT_EQ(t["output"], (json{{"attempt", "done"}}));
  EXPECT_EQ(t["job"]["causedBy"], x["id"]);
  EXPECT_EQ(t["job"]["chainDepth"], 1);
  EXPECT_EQ(t["trigger"], "ACTION");

  // kill -9 and restart: nothing fires again.
  server_->Kill();
  StartServer({"--workers", "4"});
  EXPECT_EQ(Executions(target), 1u);
  audit = Parse(client_->Get("/api/v1/audit?action=action.fire"));
  EXPECT_EQ(audit["items"].size(), 1u);
}

TEST_F(WorkflowE2eTest, ARunKilledMidFlightFiresItsActionOnceWhenRecovered) {
  UsePlainProcesses();  // the killed server's script must not outlive the test
  const std::string fifo = MakeFifo("action-kill.fifo");
  const std::string target = Bash("target", "echo recovered\n");
  const std::string source =
      Bash("source", "read line < " + fifo + "\nsleep 300\n",
           {{"actions", {{{"trigger", "ALWAYS"}, {"targetEventId", target}}}}});
  ASSERT_FALSE(source.empty());
  const std::string execution = Run(source);
  WaitUntilScriptOpens(fifo);
  server_->Kill();
  StartServer({"--isolation", "process"});
  // The restart recovered the run as LOST (no retries left) and fired ALWAYS once.
  json x = AwaitEnd(execution);
  EXPECT_EQ(x["status"], "LOST");
  auto audit = Parse(client_->Get("/api/v1/audit?action=action.fire"));
  ASSERT_EQ(audit["items"].size(), 1u) << audit.dump(2);
  json t = AwaitEnd(audit["items"][0]["details"]["startedExecutionId"].get<std::string>());
  EXPECT_EQ(t["stdout"], "recovered\n");
  server_->Kill();
  StartServer({"--isolation", "process"});
  EXPECT_EQ(Executions(target), 1u);
}

TEST_F(WorkflowE2eTest, EventsTriggeringEachOtherStopAtTheChainLimit) {
  const std::string ping = Bash("ping", "echo ping\n");
  const std::string pong = Bash("pong", "echo pong\n",
                                {{"actions", {{{"trigger", "ALWAYS"}, {"targetEventId", ping}}}}});
  auto linked =
      client_->Patch("/api/v1/events/" + ping,
                     json{{"actions", {{{"trigger", "ALWAYS"}, {"targetEventId", pong}}}}}.dump());
  ASSERT_EQ(linked.status, 200) << linked.body;
  AwaitEnd(Run(ping));
  // The direct run plus 3 chained ones (--max-action-depth 3); the next one is stopped.
  json stopped;
  for (int i = 0; i < 50; ++i) {
    stopped = Parse(client_->Get("/api/v1/audit?action=action.stopped"));
    if (!stopped["items"].empty()) break;
    // Each chained run ends before the next starts; wait on the newest one.
    auto list = Parse(client_->Get("/api/v1/executions?limit=1"));
    AwaitEnd(list["items"][0]["id"].get<std::string>());
  }
  ASSERT_EQ(stopped["items"].size(), 1u);
  EXPECT_NE(stopped["items"][0]["details"]["reason"].get<std::string>().find("deeper than 3"),
            std::string::npos);
  EXPECT_EQ(Executions(ping) + Executions(pong), 4u);
  // Bad actions are refused.
  auto bad = client_->Patch(
      "/api/v1/events/" + ping,
      json{{"actions", {{{"trigger", "SOMETIMES"}, {"targetEventId", pong}}}}}.dump());
  EXPECT_EQ(bad.status, 400) << bad.body;
  auto missing = client_->Patch(
      "/api/v1/events/" + ping,
      json{{"actions", {{{"trigger", "ALWAYS"}, {"targetEventId", "evt_nope"}}}}}.dump());
  EXPECT_EQ(missing.status, 400) << missing.body;
  auto typed = client_->Patch("/api/v1/events/" + ping, json{{"actions", "pong"}}.dump());
  EXPECT_EQ(typed.status, 400) << typed.body;
}

TEST_F(WorkflowE2eTest, AWorkflowKilledMidRunContinuesWithoutRerunningFinishedNodes) {
  UsePlainProcesses();
  const std::string fifo = MakeFifo("wf-kill.fifo");
  const std::string marker = Shared("second-attempt");
  const std::string first = Bash("first", "cronium_output '{\"step\":1}'\n");
  // The first attempt blocks until the server is killed; the retry after the restart passes.
  const std::string middle = Bash("middle",
                                  "if [ -e " + marker +
                                      " ]; then cronium_output \"$(cronium_input)\"; exit 0; fi\n"
                                      "touch " +
                                      marker + "\nread line < " + fifo + "\nsleep 300\n",
                                  {{"retries", 1}, {"retryDelaySeconds", 0}});
  const std::string last = Bash("last", "cronium_output \"$(cronium_input)\"\n");
  const std::string id =
      CreateWorkflow({{"name", "resume"},
                      {"nodes",
                       {{{"id", "first"}, {"eventId", first}},
                        {{"id", "middle"}, {"eventId", middle}},
                        {{"id", "last"}, {"eventId", last}}}},
                      {"edges",
                       {{{"from", "first"}, {"to", "middle"}, {"kind", "ON_SUCCESS"}},
                        {{"from", "middle"}, {"to", "last"}, {"kind", "ON_SUCCESS"}}}}});
  ASSERT_FALSE(id.empty());
  const std::string run_id = StartRun(id);
  WaitUntilScriptOpens(fifo);
  server_->Kill();
  StartServer({"--isolation", "process"});
  json run = AwaitRun(run_id);
  EXPECT_EQ(run["status"], "SUCCEEDED") << run.dump(2);
  EXPECT_EQ(Node(run, "last")["output"], (json{{"step", 1}}));
  // first ran once; middle is one job with two attempts; last ran once.
  EXPECT_EQ(Executions(first), 1u);
  EXPECT_EQ(Executions(middle), 2u);
  EXPECT_EQ(Executions(last), 1u);
}

TEST_F(WorkflowE2eTest, WebhooksStartRunsOnlyWhenSignedFreshAndNew) {
  const std::string echo =
      Bash("echo", "cronium_output \"$(cronium_input)\"\n", {{"status", "ACTIVE"}});
  const std::string id = CreateWorkflow({{"name", "hooked"},
                                         {"status", "ACTIVE"},
                                         {"trigger", "WEBHOOK"},
                                         {"nodes", {{{"id", "echo"}, {"eventId", echo}}}}});
  // Through the CLI, as a user sets it up.
  auto created = Cli({"webhook", "create", "--workflow", id, "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json hook = json::parse(created.out);
  const std::string url = hook["url"];
  const std::string secret = hook["secret"];
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  testutil::HttpClient anonymous(server_->url());
  auto deliver = [&](const std::string& body, const std::string& timestamp,
                     const std::string& signature) {
    std::vector<std::string> headers;
    if (!timestamp.empty()) headers.push_back("X-Cronium-Timestamp: " + timestamp);
    if (!signature.empty()) headers.push_back("X-Cronium-Signature: " + signature);
    return anonymous.Send("POST", url, body, true, false, headers);
  };
  const std::string now = std::to_string(std::time(nullptr));
  const std::string body = R"({"order":{"id":7,"items":["a","b"]}})";
  const std::string signature = "sha256=" + crypto::HmacSha256Hex(secret, now + "." + body);

  auto accepted = deliver(body, now, signature);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  json run = AwaitRun(Parse(accepted)["workflowExecutionId"]);
  EXPECT_EQ(run["status"], "SUCCEEDED");
  EXPECT_EQ(run["trigger"], "WEBHOOK");
  EXPECT_EQ(Node(run, "echo")["output"]["order"]["items"][1], "b");

  // A redelivery gets the first answer again (issue #20); wrong or missing signature, stale
  // timestamp, not JSON, too big: refused. Nothing started.
  auto again = deliver(body, now, signature);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, accepted.body);
  EXPECT_EQ(again.headers["idempotent-replayed"], "true");
  EXPECT_EQ(deliver(body, now, "sha256=" + std::string(64, '0')).status, 401);
  EXPECT_EQ(deliver(body, now, "").status, 401);
  EXPECT_EQ(deliver(body, "", signature).status, 401);
  EXPECT_EQ(deliver(R"({"order":1})", now, signature).status, 401);  // body changed
  const std::string stale = std::to_string(std::time(nullptr) - 600);
  EXPECT_EQ(
      deliver(body, stale, "sha256=" + crypto::HmacSha256Hex(secret, stale + "." + body)).status,
      400);
  EXPECT_EQ(
      deliver("not json", now, "sha256=" + crypto::HmacSha256Hex(secret, now + ".not json")).status,
      400);
  const std::string big = "[" + std::string(2 << 20, '1') + "]";
  EXPECT_EQ(deliver(big, now, "sha256=" + crypto::HmacSha256Hex(secret, now + "." + big)).status,
            413);
  EXPECT_EQ(anonymous
                .Send("POST", "/api/v1/hooks/nope", body, true, false,
                      {"X-Cronium-Timestamp: " + now, "X-Cronium-Signature: " + signature})
                .status,
            404);
  EXPECT_EQ(Parse(client_->Get("/api/v1/workflows/" + id + "/executions"))["items"].size(), 1u);

  // A paused workflow accepts nothing.
  ASSERT_EQ(client_->Patch("/api/v1/workflows/" + id, R"({"status":"PAUSED"})").status, 200);
  const std::string body2 = R"({"n":2})";
  EXPECT_EQ(
      deliver(body2, now, "sha256=" + crypto::HmacSha256Hex(secret, now + "." + body2)).status,
      409);

  // An event's webhook runs the event with the body as input.
  auto event_hook = Parse(client_->Post("/api/v1/events/" + echo + "/webhooks", "{}"));
  const std::string event_secret = event_hook["secret"];
  testutil::HttpClient sender(server_->url());
  auto ran = sender.Send(
      "POST", event_hook["url"].get<std::string>(), body2, true, false,
      {"X-Cronium-Timestamp: " + now,
       "X-Cronium-Signature: sha256=" + crypto::HmacSha256Hex(event_secret, now + "." + body2)});
  ASSERT_EQ(ran.status, 202) << ran.body;
  json x = AwaitEnd(Parse(ran)["executionId"]);
  EXPECT_EQ(x["output"], (json{{"n", 2}}));
  EXPECT_EQ(x["trigger"], "WEBHOOK");

  // Listing shows no secrets; the secret never reaches the log or the audit trail.
  auto listed = Cli({"webhook", "list", "--workflow", id});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  EXPECT_NE(listed.out.find(url), std::string::npos);
  EXPECT_EQ(server_->Logs().find(secret), std::string::npos);
  EXPECT_EQ(client_->Get("/api/v1/audit?limit=200").body.find(secret), std::string::npos);
  // Another user cannot see or delete it.
  testutil::HttpClient as_bob(server_->url(), UserToken("bob"));
  EXPECT_EQ(as_bob.Get("/api/v1/workflows/" + id + "/webhooks").status, 404);
  EXPECT_EQ(as_bob.Delete("/api/v1/webhooks/" + hook["id"].get<std::string>()).status, 404);
  auto deleted = Cli({"webhook", "delete", hook["id"]});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  ASSERT_EQ(client_->Patch("/api/v1/workflows/" + id, R"({"status":"ACTIVE"})").status, 200);
  EXPECT_EQ(
      deliver(body2, now, "sha256=" + crypto::HmacSha256Hex(secret, now + "." + body2)).status,
      404);
}

// Scheduled workflows wait for real seconds to pass; every wait is bounded and polls the API.
TEST_F(WorkflowE2eTest, AScheduledWorkflowFiresEachOccurrenceOnceAcrossKill9AndPausesAtItsLimit) {
  // A node killed mid-run is LOST, then retried (its event's policy), so every run succeeds.
  const json retry = {{"retries", 2}, {"retryDelaySeconds", 0}};
  const std::string extract = Bash("extract", "cronium_output '{\"rows\":2}'\n", retry);
  const std::string load =
      Bash("load", "cronium_output \"$(cronium_input | jq -c '{loaded: .rows}')\"\n", retry);
  const std::string yaml =
      "name: every second\n"
      "status: ACTIVE\n"
      "trigger: SCHEDULE\n"
      "schedule:\n"
      "  kind: CRON\n"
      "  cron: '* * * * * *'\n"
      "  timezone: UTC\n"
      "  maxRuns: 4\n"
      "  overlapPolicy: ALLOW\n"
      "nodes:\n"
      "  - {id: extract, eventId: " +
      extract + "}\n  - {id: load, eventId: " + load +
      "}\n"
      "edges:\n"
      "  - {from: extract, to: load, kind: ON_SUCCESS}\n";
  const std::string file = dir_.path() + "/scheduled.yaml";
  std::ofstream(file) << yaml;
  auto created = Cli({"workflow", "create", "-f", file, "--json"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string id = json::parse(created.out)["id"];
  EXPECT_EQ(json::parse(created.out)["schedule"]["cron"], "* * * * * *");
  auto shown = Cli({"workflow", "show", id});
  EXPECT_NE(shown.out.find("Schedule CRON '* * * * * *'"), std::string::npos) << shown.out;
  auto preview = Parse(client_->Get("/api/v1/workflows/" + id + "/schedule/preview?count=3"));
  EXPECT_EQ(preview["instants"].size(), 3u) << preview.dump();
  EXPECT_EQ(preview["workflowId"], id);

  auto ledger = [&] { return Parse(client_->Get("/api/v1/workflows/" + id + "/ledger"))["items"]; };
  auto fired = [&](const json& rows) {
    int count = 0;
    for (const auto& row : rows) count += row["fate"] == "FIRED";
    return count;
  };
  ASSERT_TRUE(Eventually([&] { return fired(ledger()) >= 2; })) << ledger().dump();
  server_->Kill();
  StartServer({"--workers", "4", "--max-action-depth", "3"});
  ASSERT_TRUE(Eventually([&] {
    return Parse(client_->Get("/api/v1/workflows/" + id))["status"] == "PAUSED";
  })) << ledger().dump();

  const json rows = ledger();
  std::set<std::string> planned;
  int runs = 0;
  for (const auto& row : rows) {
    EXPECT_TRUE(planned.insert(row["plannedAt"].get<std::string>()).second)
        << "occurrence recorded twice: " << row.dump();
    if (row["fate"] != "FIRED") continue;
    ++runs;
    EXPECT_FALSE(row.contains("executionId") || row.contains("jobId")) << row.dump();
    const json run = AwaitRun(row["workflowExecutionId"]);
    EXPECT_EQ(run["status"], "SUCCEEDED") << run.dump();
    EXPECT_EQ(run["trigger"], "SCHEDULE");
    EXPECT_EQ(run["input"], json::object());
    EXPECT_EQ(Node(run, "load")["output"], (json{{"loaded", 2}}));
  }
  EXPECT_EQ(runs, 4) << rows.dump();
  EXPECT_EQ(rows[0]["fate"], "RUN_LIMIT_REACHED") << rows.dump();
  auto all = Parse(client_->Get("/api/v1/workflows/" + id + "/executions?limit=200"));
  EXPECT_EQ(all["items"].size(), 4u);  // one run per fired occurrence, none twice
  auto listed = Cli({"workflow", "ledger", id});
  EXPECT_NE(listed.out.find("RUN_LIMIT_REACHED"), std::string::npos) << listed.out;
}

TEST_F(WorkflowE2eTest, BufferedScheduledRunsWaitForThePreviousRunToEnd) {
  // Each run takes more than two periods of the schedule: BUFFER_ONE keeps one run waiting and
  // skips the next occurrence, and runs never overlap.
  const std::string slow = Bash("slow", "sleep 2.5\n");
  const std::string id = CreateWorkflow({{"name", "slow nightly"},
                                         {"status", "ACTIVE"},
                                         {"trigger", "SCHEDULE"},
                                         {"schedule",
                                          {{"kind", "CRON"},
                                           {"cron", "* * * * * *"},
                                           {"maxRuns", 3},
                                           {"overlapPolicy", "BUFFER_ONE"}}},
                                         {"nodes", {{{"id", "only"}, {"eventId", slow}}}}});
  ASSERT_TRUE(Eventually(
      [&] { return Parse(client_->Get("/api/v1/workflows/" + id))["status"] == "PAUSED"; },
      std::chrono::seconds(40)));
  const json rows = Parse(client_->Get("/api/v1/workflows/" + id + "/ledger"))["items"];
  std::vector<std::pair<std::string, std::string>> spans;  // execution start and end
  int buffered = 0;
  int skipped = 0;
  for (const auto& row : rows) {
    buffered += row["fate"] == "BUFFERED";
    skipped += row["fate"] == "SKIPPED_OVERLAP";
    if (row["workflowExecutionId"].is_null()) continue;
    const json run = AwaitRun(row["workflowExecutionId"]);
    EXPECT_EQ(run["status"], "SUCCEEDED") << run.dump();
    const json x = AwaitEnd(Node(run, "only")["executionId"]);
    spans.emplace_back(x["startedAt"], x["finishedAt"]);
  }
  EXPECT_EQ(spans.size(), 3u) << rows.dump();
  EXPECT_GE(buffered, 1) << rows.dump();
  EXPECT_GE(skipped, 1) << rows.dump();
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    EXPECT_GE(spans[i].first, spans[i - 1].second)
        << "runs " << i - 1 << " and " << i << " overlapped";
  }
}

TEST_F(WorkflowE2eTest, ScheduleAndTriggerMustAgree) {
  const std::string a = Bash("a", "true\n");
  const json nodes = {{{"id", "a"}, {"eventId", a}}};
  const json every_minute = {{"kind", "CRON"}, {"cron", "0 * * * * *"}};
  auto refused = [&](const std::string& method, const std::string& path, const json& body,
                     const std::string& expected) {
    auto result =
        method == "POST" ? client_->Post(path, body.dump()) : client_->Patch(path, body.dump());
    EXPECT_EQ(result.status, 400) << body.dump() << " " << result.body;
    EXPECT_NE(result.body.find(expected), std::string::npos) << result.body;
  };
  refused("POST", "/api/v1/workflows", {{"name", "w"}, {"trigger", "SCHEDULE"}, {"nodes", nodes}},
          "schedule: required when the trigger is SCHEDULE");
  refused("POST", "/api/v1/workflows",
          {{"name", "w"}, {"trigger", "MANUAL"}, {"schedule", every_minute}, {"nodes", nodes}},
          "only a workflow with trigger SCHEDULE has one");
  refused("POST", "/api/v1/workflows",
          {{"name", "w"},
           {"trigger", "SCHEDULE"},
           {"schedule", {{"kind", "CRON"}, {"cron", "61 * * * *"}}},
           {"nodes", nodes}},
          "cron");
  refused("POST", "/api/v1/workflows",
          {{"name", "w"},
           {"trigger", "SCHEDULE"},
           {"schedule", {{"kind", "CRON"}, {"cron", "* * * * *"}, {"overlapPolicy", "SOMETIMES"}}},
           {"nodes", nodes}},
          "overlapPolicy");
  refused("POST", "/api/v1/workflows",
          {{"name", "w"}, {"trigger", "SCHEDULE"}, {"schedule", "hourly"}, {"nodes", nodes}},
          "schedule");
  EXPECT_EQ(Parse(client_->Get("/api/v1/workflows"))["items"].size(), 0u);  // nothing half-made

  const std::string id = CreateWorkflow(
      {{"name", "w"}, {"trigger", "SCHEDULE"}, {"schedule", every_minute}, {"nodes", nodes}});
  const std::string path = "/api/v1/workflows/" + id;
  EXPECT_EQ(Parse(client_->Get(path))["schedule"]["runCount"], 0);
  refused("PATCH", path, {{"schedule", nullptr}}, "needs one; change the trigger to drop it");
  // A new schedule replaces the old; another trigger takes it away.
  auto changed = client_->Patch(
      path, json{{"schedule", {{"kind", "INTERVAL"}, {"intervalSeconds", 3600}}}}.dump());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Parse(changed)["schedule"]["kind"], "INTERVAL");
  auto manual = Cli({"workflow", "schedule", id, "--clear"});
  EXPECT_EQ(manual.exit_code, 0) << manual.err;
  EXPECT_TRUE(Parse(client_->Get(path))["schedule"].is_null());
  EXPECT_EQ(Parse(client_->Get(path))["trigger"], "MANUAL");
  EXPECT_EQ(client_->Get(path + "/schedule/preview").status, 404);
  auto again = Cli({"workflow", "schedule", id, "--interval", "600", "--overlap", "BUFFER_ALL"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("only ACTIVE workflows run on schedule"), std::string::npos)
      << again.out;
  EXPECT_EQ(Parse(client_->Get(path))["schedule"]["overlapPolicy"], "BUFFER_ALL");
  EXPECT_EQ(Cli({"workflow", "resume", id}).exit_code, 0);
  EXPECT_EQ(Parse(client_->Get(path))["status"], "ACTIVE");
  EXPECT_EQ(client_->Get("/api/v1/workflows/wfl_nope/ledger").status, 404);
  EXPECT_EQ(client_->Get("/api/v1/workflows/wfl_nope/schedule/preview").status, 404);
  // Deleting the workflow takes its schedule away; nothing fires for it afterwards.
  ASSERT_EQ(client_->Delete(path).status, 204);
  EXPECT_EQ(client_->Get(path + "/ledger").status, 404);
}

// dayMatch from a YAML definition and from the CLI's --day-match, with the warnings a schedule
// under OR gets and the message a bad value gets, through the real binary.
TEST_F(WorkflowE2eTest, Issue20DayMatchFromYamlAndTheCliWithWarningsAndRefusals) {
  const std::string step = Bash("step", "true\n");
  const std::string warning =
      "warning: runs on the 1st to 7th of the month and on every Monday (dayMatch OR); set "
      "dayMatch to AND for days that match both";
  auto definition = [&](const std::string& name, const std::string& day_match_line) {
    const std::string file = dir_.path() + "/" + name + ".yaml";
    std::ofstream(file) << "name: " << name << "\n"
                        << "trigger: SCHEDULE\n"
                        << "schedule:\n"
                        << "  kind: CRON\n"
                        << "  cron: '0 9 1-7 * MON'\n"
                        << "  timezone: UTC\n"
                        << "  startAt: '2030-01-01T00:00:00Z'\n"
                        << day_match_line << "nodes:\n"
                        << "  - {id: step, eventId: " << step << "}\n";
    return file;
  };

  auto first_monday =
      Cli({"workflow", "create", "-f", definition("and", "  dayMatch: AND\n"), "--json"});
  ASSERT_EQ(first_monday.exit_code, 0) << first_monday.err;
  const json created = json::parse(first_monday.out);
  EXPECT_EQ(created["schedule"]["dayMatch"], "AND");
  EXPECT_EQ(created["warnings"], json::array());
  const std::string id = created["id"];
  const json preview = Parse(client_->Get("/api/v1/workflows/" + id + "/schedule/preview?count=2"));
  EXPECT_EQ(preview["instants"][0]["utc"], "2030-01-07T09:00:00.000Z") << preview.dump();
  EXPECT_EQ(preview["instants"][1]["utc"], "2030-02-04T09:00:00.000Z") << preview.dump();
  const json tried =
      Parse(client_->Get("/api/v1/workflows/" + id + "/schedule/preview?count=1&dayMatch=OR"));
  EXPECT_EQ(tried["instants"][0]["utc"], "2030-01-01T09:00:00.000Z") << tried.dump();
  EXPECT_EQ(tried["warnings"].size(), 1u);
  auto shown = Cli({"workflow", "show", id});
  EXPECT_NE(shown.out.find("Schedule CRON '0 9 1-7 * MON' (days AND, tz UTC"), std::string::npos)
      << shown.out;

  // Without dayMatch: OR, and the CLI says what that means.
  auto either = Cli({"workflow", "create", "-f", definition("either", "")});
  ASSERT_EQ(either.exit_code, 0) << either.err;
  EXPECT_NE(either.err.find(warning), std::string::npos) << either.err;

  auto refused = Cli({"workflow", "create", "-f", definition("bad", "  dayMatch: SOMETIMES\n")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("schedule.dayMatch: 'SOMETIMES' is not one of OR, AND, VIXIE"),
            std::string::npos)
      << refused.err;

  // --day-match on `workflow schedule`, `event create` and `schedule preview`.
  auto vixie = Cli({"workflow", "schedule", id, "--cron", "0 9 */2 * 1", "--day-match", "VIXIE"});
  ASSERT_EQ(vixie.exit_code, 0) << vixie.err;
  EXPECT_NE(vixie.out.find("(days VIXIE,"), std::string::npos) << vixie.out;
  EXPECT_EQ(vixie.err, "");
  EXPECT_EQ(Parse(client_->Get("/api/v1/workflows/" + id))["schedule"]["dayMatch"], "VIXIE");
  auto or_again = Cli({"workflow", "schedule", id, "--cron", "0 9 1-7 * MON"});
  ASSERT_EQ(or_again.exit_code, 0) << or_again.err;
  EXPECT_NE(or_again.err.find(warning), std::string::npos) << or_again.err;

  auto event = Cli({"event", "create", "--name", "first monday", "--type", "BASH", "--content",
                    "true", "--cron", "0 9 1-7 * MON", "--day-match", "AND", "--json"});
  ASSERT_EQ(event.exit_code, 0) << event.err;
  EXPECT_EQ(json::parse(event.out)["schedule"]["dayMatch"], "AND");
  auto warned = Cli({"event", "create", "--name", "either", "--type", "BASH", "--content", "true",
                     "--cron", "0 9 1-7 * MON"});
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_NE(warned.err.find(warning), std::string::npos) << warned.err;
  auto bad_event = Cli({"event", "create", "--name", "bad", "--type", "BASH", "--content", "true",
                        "--cron", "0 9 1-7 * MON", "--day-match", "BOTH"});
  EXPECT_EQ(bad_event.exit_code, 1);
  EXPECT_NE(bad_event.err.find("schedule.dayMatch: 'BOTH' is not one of OR, AND, VIXIE"),
            std::string::npos)
      << bad_event.err;

  auto previewed = Cli({"schedule", "preview", "0 9 1-7 * MON", "--tz", "UTC", "--day-match", "AND",
                        "--count", "2"});
  ASSERT_EQ(previewed.exit_code, 0) << previewed.err;
  EXPECT_NE(previewed.out.find("(days AND, DST gap SHIFT, overlap ONCE)"), std::string::npos)
      << previewed.out;
  auto bad_preview =
      Cli({"schedule", "preview", "0 9 1-7 * MON", "--day-match", "X", "--count", "2"});
  EXPECT_EQ(bad_preview.exit_code, 1);
  EXPECT_NE(bad_preview.err.find("dayMatch: 'X' is not one of OR, AND, VIXIE"), std::string::npos)
      << bad_preview.err;
}

}  // namespace
}  // namespace cronium::e2e

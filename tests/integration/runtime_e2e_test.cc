// Scripts that talk back: the runtime helpers of every language and the runtime API behind
// them, driven by real scripts in a real `cronium serve`, in the sandbox and as plain
// processes. What the scripts did is checked afterwards through the REST API.

#include <fstream>
#include <sstream>
#include <tuple>

#include "e2e.h"

namespace cronium::e2e {
namespace {

// The input every run gets, and the values of every JSON type that the scripts write and read.
const json kInput = {{"city", "Zürich"}, {"list", {1, 2.5, nullptr, true}}};

class RuntimeE2eTest : public E2eTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    // A rate limit low enough for a test to reach it quickly, high enough for every script.
    StartServer({"--isolation", GetParam(), "--runtime-rate-limit", "100"});
  }

  std::string ExpectedIsolation() const { return GetParam() == "sandbox" ? "sandbox" : "none"; }

  json Variable(const std::string& encoded_key) {
    auto result = client_->Get("/api/v1/variables/" + encoded_key);
    EXPECT_EQ(result.status, 200) << encoded_key << ": " << result.body;
    return Parse(result)["value"];
  }

  // Runs `content` as `type` with kInput; expects success and returns the execution.
  json RunScript(const std::string& type, const std::string& content) {
    const std::string id = CreateScript(type, content);
    json x = AwaitEnd(Run(id, {{"input", kInput}}));
    EXPECT_EQ(x["status"], "SUCCEEDED") << type << ": " << x.dump(2);
    EXPECT_EQ(x["isolation"], ExpectedIsolation());
    return x;
  }
};

TEST_P(RuntimeE2eTest, PythonHelpersWorkWithoutImportAndKeepJsonTypes) {
  ASSERT_EQ(client_->Put("/api/v1/variables/from-rest", R"({"value":{"set":"by REST"}})").status,
            201);
  json x = RunScript("PYTHON", R"PY(
import os
import cronium as imported  # importable too
assert imported.getVariable("from-rest") == {"set": "by REST"}
assert cronium.input() == {"city": "Zürich", "list": [1, 2.5, None, True]}, cronium.input()
assert cronium.getVariable("from-rest") == {"set": "by REST"}
values = {"s": "ünïcode ✓", "i": 42, "f": 2.5, "t": True, "false": False, "n": None,
          "o": {"a": [1, {"b": None}]}, "arr": [1, "two", 3.0], "empty": ""}
for key, value in values.items():
    cronium.setVariable("py/" + key, value)
for key, value in values.items():
    got = cronium.get_variable("py/" + key)
    assert got == value and type(got) is type(value), (key, got)
assert cronium.getVariable("py/missing") is None
assert cronium.getCondition() is False
context = cronium.event()
assert context["executionId"] == os.environ["CRONIUM_EXECUTION_ID"] == context["executionId"]
assert context["eventId"] == context["id"] == os.environ["CRONIUM_EVENT_ID"]
assert context["eventType"] == context["type"] == "PYTHON"
assert context["jobId"] == os.environ["CRONIUM_JOB_ID"]
cronium.output({"lang": "python", "name": context["name"], "user": context["userId"]})
cronium.set_condition(True)
assert cronium.getCondition() is True
print("ok")
)PY");
  EXPECT_EQ(x["stdout"], "ok\n") << x.dump(2);
  EXPECT_EQ(x["output"]["lang"], "python");
  EXPECT_EQ(x["output"]["name"], "e2e PYTHON");
  EXPECT_EQ(x["condition"], true);
  EXPECT_EQ(x["input"], kInput);
  // The CLI shows the same.
  auto shown =
      testutil::RunCronium({"execution", "show", x["id"].get<std::string>()},
                           {{"CRONIUM_SERVER", server_->url()}, {"CRONIUM_TOKEN", admin_token_}});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find(R"(input:     {"city":"Zürich","list":[1,2.5,null,true]})"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("output:    {\"lang\":\"python\""), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("condition: true"), std::string::npos) << shown.out;
  EXPECT_EQ(Variable("py%2Fi"), 42);
  EXPECT_TRUE(Variable("py%2Fi").is_number_integer());
  EXPECT_EQ(Variable("py%2Ff"), 2.5);
  EXPECT_EQ(Variable("py%2Fs"), "ünïcode ✓");
  EXPECT_EQ(Variable("py%2Ffalse"), false);
  EXPECT_EQ(Variable("py%2Fn"), nullptr);
  EXPECT_EQ(Variable("py%2Fo"), json::parse(R"({"a":[1,{"b":null}]})"));
  EXPECT_TRUE(Variable("py%2Farr")[2].is_number_float());
}

TEST_P(RuntimeE2eTest, NodeHelpersArePreloadedPromisesThatKeepJsonTypes) {
  json x = RunScript("NODEJS", R"JS(
const assert = require('assert');
(async () => {
  assert.strictEqual(require('cronium').getVariable, cronium.getVariable);
  assert.deepStrictEqual(await cronium.input(), {city: 'Zürich', list: [1, 2.5, null, true]});
  const values = {s: 'ünïcode ✓', i: 42, f: 2.5, t: true, false: false, zero: 0, empty: '',
                  n: null, o: {a: [1, {b: null}]}, arr: [1, 'two', 3.5]};
  for (const [key, value] of Object.entries(values)) await cronium.setVariable('js/' + key, value);
  for (const [key, value] of Object.entries(values)) {
    assert.deepStrictEqual(await cronium.get_variable('js/' + key), value, key);
  }
  assert.strictEqual(await cronium.getVariable('js/missing'), null);
  const context = await cronium.event();
  assert.strictEqual(context.executionId, process.env.CRONIUM_EXECUTION_ID);
  assert.strictEqual(context.type, 'NODEJS');
  await cronium.output({lang: 'node', keys: Object.keys(values).length});
  await cronium.setCondition(false);
  console.log('ok');
})().catch((error) => { console.error(error); process.exit(1); });
)JS");
  EXPECT_EQ(x["stdout"], "ok\n") << x.dump(2);
  EXPECT_EQ(x["output"], json({{"lang", "node"}, {"keys", 10}}));
  EXPECT_EQ(x["condition"], false);
  EXPECT_EQ(Variable("js%2Fzero"), 0);
  EXPECT_EQ(Variable("js%2Fempty"), "");
  EXPECT_EQ(Variable("js%2Farr"), json::parse(R"([1,"two",3.5])"));
}

TEST_P(RuntimeE2eTest, BashHelpersNeedNothingButBash) {
  json x = RunScript("BASH", R"SH(
set -euo pipefail
[ "$(cronium.input)" = '{"city":"Zürich","list":[1,2.5,null,true]}' ]
[ "$(cronium_input | head -1)" = "{" ]   # jq -r style: pretty JSON
cronium_set_variable sh/i 42
cronium_setVariable sh/s "hello world"
cronium_set_variable sh/o '{"a":[1,null]}'
cronium_set_variable sh/t true
cronium_set_variable sh/n null
[ "$(cronium.getVariable sh/i)" = 42 ]
[ "$(cronium_getVariable sh/s)" = "hello world" ]
[ "$(cronium.getVariable sh/s)" = '"hello world"' ]
[ "$(cronium.getVariable sh/o)" = '{"a":[1,null]}' ]
[ "$(cronium.getVariable sh/missing)" = null ]
[ -z "$(cronium_get_variable sh/missing)" ]
cronium_variable_exists sh/i
! cronium_variable_exists sh/missing
[ "$(cronium_increment_variable sh/counter 5)" = 5 ]
[ "$(cronium_increment_variable sh/counter)" = 6 ]
cronium_append_variable sh/log first
cronium_append_variable sh/log second ", "
[ "$(cronium_get_variable sh/log)" = "first, second" ]
cronium_set_variable sh/gone 1
cronium_delete_variable sh/gone
[ "$(cronium_event_field executionId)" = "$CRONIUM_EXECUTION_ID" ]
[ "$(cronium_event_field eventType)" = BASH ]
# Child shells have the functions too (BASH_ENV), and helpers fail cleanly.
[ "$(bash -c 'cronium_get_variable sh/i')" = 42 ]
! cronium_set_condition maybe 2>/dev/null
cronium_output '{"lang":"bash"}'
cronium_setCondition yes
[ "$(cronium_getCondition)" = true ]
echo ok
)SH");
  EXPECT_EQ(x["stdout"], "ok\n") << x.dump(2);
  EXPECT_EQ(x["output"], json({{"lang", "bash"}}));
  EXPECT_EQ(x["condition"], true);
  EXPECT_EQ(Variable("sh%2Fi"), 42);
  EXPECT_EQ(Variable("sh%2Fs"), "hello world");
  EXPECT_EQ(Variable("sh%2Fo"), json::parse(R"({"a":[1,null]})"));
  EXPECT_EQ(Variable("sh%2Ft"), true);
  EXPECT_EQ(Variable("sh%2Fn"), nullptr);
  EXPECT_EQ(Variable("sh%2Fcounter"), 6);
  EXPECT_EQ(client_->Get("/api/v1/variables/sh%2Fgone").status, 404);
}

// The original system's Bash SDK is curl and jq (contract §1.3); scripts that call the API
// that way, with either naming family of env vars, run unchanged.
TEST_P(RuntimeE2eTest, ScriptsThatUseCurlAndJqDirectlyRunUnchanged) {
  json x = RunScript("BASH", R"SH(
set -euo pipefail
api() {
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $CRONIUM_EXECUTION_TOKEN" \
    -H "Content-Type: application/json" -H "Accept: application/json" \
    "$CRONIUM_RUNTIME_API/executions/$CRONIUM_EXECUTION_ID/$2" ${3:+--data "$3"}
}
city=$(api GET input | jq -r '.data.city')
api PUT "variables/$(jq -rn --arg k 'team/db host' '$k|@uri')" '{"value":{"host":"db1"}}' >/dev/null
host=$(curl -sS -H "Authorization: Bearer $CRONIUM_API_TOKEN" \
  "$CRONIUM_API_ENDPOINT/executions/$CRONIUM_EXECUTION_ID/variables/team%2Fdb%20host" |
  jq -r '.data.value.host')
api POST output "{\"data\":{\"city\":\"$city\",\"host\":\"$host\"}}" | jq -e '.success' >/dev/null
api POST condition '{"condition":true}' >/dev/null
echo "$city $host"
)SH");
  EXPECT_EQ(x["stdout"], "Zürich db1\n") << x.dump(2);
  EXPECT_EQ(x["output"], json({{"city", "Zürich"}, {"host", "db1"}}));
  EXPECT_EQ(x["condition"], true);
  EXPECT_EQ(Variable("team%2Fdb%20host"), json({{"host", "db1"}}));
}

// Contract §1.2/§2.5/§2.6, checked by a client of our own that behaves like the original SDKs:
// urljoin-style base URLs (a path in the base is dropped), chunked request bodies (the Node
// SDK's), keep-alive, every key percent-encoded (%2F), exact envelopes, 404 for unknown
// routes, and the limits (413, 429).
TEST_P(RuntimeE2eTest, TheRuntimeApiKeepsTheOriginalContract) {
  json x = RunScript("PYTHON", R"PY(
import http.client, json, os, urllib.parse
base = urllib.parse.urljoin(os.environ["CRONIUM_RUNTIME_API"] + "/api/v2", "/executions/")
url = urllib.parse.urlsplit(base)
assert url.path == "/executions/", base
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)  # one connection: keep-alive
exe = os.environ["CRONIUM_EXECUTION_ID"]
auth = {"Authorization": "Bearer " + os.environ["CRONIUM_EXECUTION_TOKEN"],
        "Accept": "application/json"}

def call(method, path, body=None, chunked=False, headers=None):
    h = dict(auth if headers is None else headers)
    data = None
    if body is not None:
        h["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
        if chunked:
            h["Transfer-Encoding"] = "chunked"
            data = iter([data[:3], data[3:]])
    conn.request(method, path, body=data, headers=h, encode_chunked=chunked)
    r = conn.getresponse()
    raw = r.read()
    return r.status, (json.loads(raw) if raw else None)

def key(k):
    return urllib.parse.quote(k, safe="")  # encodeURIComponent: '/' becomes %2F

def exe_path(rest):
    return "/executions/%s/%s" % (exe, rest)

status, body = call("GET", "/health", headers={})
assert status == 200 and body["status"] == "healthy", body
assert call("GET", exe_path("input")) == (200, {"success": True,
    "data": {"city": "Zürich", "list": [1, 2.5, None, True]}})
odd = "a/b c%?#ü"
assert call("GET", exe_path("variables/" + key(odd))) == (200, {"success": True,
    "data": {"key": odd, "value": None}})
assert call("PUT", exe_path("variables/" + key(odd)), {"value": {"n": [1.5, None]}},
            chunked=True) == (200, {"success": True})
assert call("GET", exe_path("variables/" + key(odd))) == (200, {"success": True,
    "data": {"key": odd, "value": {"n": [1.5, None]}}})
assert call("POST", exe_path("output"), {"data": ["chunked", 1]}, chunked=True) == \
    (200, {"success": True})
assert call("POST", exe_path("condition"), {"condition": True}) == (200, {"success": True})
context = call("GET", exe_path("context"))[1]["data"]
for field in ("executionId", "jobId", "eventId", "eventName", "eventType", "userId",
              "startTime", "metadata", "id", "name", "type"):
    assert field in context, field
assert isinstance(context["eventId"], str)

def error(status, body, expected_status):
    assert status == expected_status, (status, body)
    assert body["success"] is False and body["error"] and body["message"], body

error(*call("POST", exe_path("condition"), {"condition": "yes"}), 400)
error(*call("PUT", exe_path("variables/k"), {"val": 1}), 400)
error(*call("GET", exe_path("input"), headers={}), 401)
error(*call("GET", exe_path("input"), headers={"Authorization": "Basic abc"}), 401)
error(*call("GET", "/executions/exe_someone_else/input"), 403)
status, _ = call("GET", exe_path("nothing-here"))
assert status == 404, status
error(*call("POST", exe_path("output"), {"data": "x" * (1 << 20)}), 413)
error(*call("PUT", exe_path("variables/big"), {"value": "x" * (1 << 20)}), 413)
# The rate limit (--runtime-rate-limit 100 here): a minute's worth may come at once, then 429.
codes = [call("GET", exe_path("condition"))[0] for _ in range(150)]
assert codes[0] == 200 and codes[-1] == 429, codes
print("ok")
)PY");
  EXPECT_EQ(x["stdout"], "ok\n") << x.dump(2);
  EXPECT_EQ(x["output"], json({"chunked", 1}));
  EXPECT_EQ(x["condition"], true);
  EXPECT_EQ(Variable("a%2Fb%20c%25%3F%23%C3%BC"), json({{"n", {1.5, nullptr}}}));
}

INSTANTIATE_TEST_SUITE_P(Runtime, RuntimeE2eTest, ::testing::Values("sandbox", "process"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

class RuntimeSecurityE2eTest : public E2eTest {
 protected:
  // A user with a write-scoped API token.
  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

// Two users' runs at the same time, each writing the same key: each sees only its own.
TEST_F(RuntimeSecurityE2eTest, ConcurrentRunsOfTwoUsersNeverSeeEachOthersVariables) {
  std::vector<std::string> executions;
  std::vector<std::string> fifos;
  for (const std::string name : {"alice", "bob"}) {
    const std::string token = UserToken(name);
    testutil::HttpClient user(server_->url(), token);
    ASSERT_EQ(user.Put("/api/v1/variables/shared", json{{"value", "rest-" + name}}.dump()).status,
              201);
    fifos.push_back(MakeFifo(name + ".fifo"));
    auto made =
        user.Post("/api/v1/events", json{{"name", name}, {"type", "PYTHON"}, {"content", R"PY(
import sys
assert cronium.getVariable("shared") == "rest-)PY" + name + R"PY("
cronium.setVariable("shared", ")PY" + name + R"PY(")
open(")PY" + fifos.back() + R"PY(").read()
for _ in range(50):
    assert cronium.getVariable("shared") == ")PY" + name + R"PY(", cronium.getVariable("shared")
print(cronium.getVariable("shared"))
)PY"}}.dump());
    ASSERT_EQ(made.status, 201) << made.body;
    auto run = user.Post("/api/v1/events/" + Parse(made)["id"].get<std::string>() + "/run", "{}");
    ASSERT_EQ(run.status, 202);
    executions.push_back(Parse(run)["executionId"]);
  }
  // Both have written before either goes on reading: each opened its FIFO after writing, and
  // both FIFOs are closed (releasing the scripts) only once both are open.
  {
    std::ofstream first(fifos[0]);
    std::ofstream second(fifos[1]);
  }
  EXPECT_EQ(AwaitEnd(executions[0])["stdout"], "alice\n");
  EXPECT_EQ(AwaitEnd(executions[1])["stdout"], "bob\n");
  // And the REST API shows each user their own; the admin has no "shared" at all.
  EXPECT_EQ(client_->Get("/api/v1/variables/shared").status, 404);
}

// Every way of misusing an execution token: none, malformed, alg "none", a tampered payload,
// another execution's id, the token of a finished run, and a token taken into another run's
// sandbox (which goes through that sandbox's own socket).
TEST_F(RuntimeSecurityE2eTest, ExecutionTokensWorkOnlyForTheirOwnRunningScript) {
  const std::string victim_fifo = MakeFifo("victim.fifo");
  const std::string victim = Run(CreateScript("BASH", R"SH(
printf '%s %s' "$CRONIUM_EXECUTION_ID" "$CRONIUM_EXECUTION_TOKEN" > )SH" +
                                                          Shared("victim.token") + R"SH(
cat )SH" + victim_fifo + R"SH( > /dev/null
echo done
)SH"));
  // The victim is running once it opens its FIFO (its token file is written by then), and
  // keeps running until the FIFO is closed again, after the attack.
  std::ofstream hold(victim_fifo);
  // The attacker, in a sandbox of its own, reads the victim's token and tries it through its
  // own 127.0.0.1:8081, against the victim's execution and its own.
  const std::string attacker = CreateScript("BASH", R"SH(
read -r id token < )SH" + Shared("victim.token") + R"SH(
code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$2"; }
echo "stolen: $(code "$token" "$CRONIUM_RUNTIME_API/executions/$id/input")"
echo "stolen-own-path: $(code "$token" "$CRONIUM_RUNTIME_API/executions/$CRONIUM_EXECUTION_ID/input")"
echo "own-other-path: $(code "$CRONIUM_EXECUTION_TOKEN" "$CRONIUM_RUNTIME_API/executions/$id/input")"
echo "own: $(code "$CRONIUM_EXECUTION_TOKEN" "$CRONIUM_RUNTIME_API/executions/$CRONIUM_EXECUTION_ID/input")"
)SH");
  json attack = RunAndWait(attacker);
  {
    // The victim is still running: its token, sent to the server's own listener instead of
    // through its sandbox, is refused as well.
    const std::string live = ReadFile(Shared("victim.token"));
    testutil::HttpClient outside(server_->url());
    auto refused =
        outside.Send("GET", "/executions/" + live.substr(0, live.find(' ')) + "/input", "", false,
                     false, {"Authorization: Bearer " + live.substr(live.find(' ') + 1)});
    EXPECT_EQ(refused.status, 403) << refused.body;
  }
  hold.close();
  EXPECT_EQ(attack["stdout"], "stolen: 403\nstolen-own-path: 403\nown-other-path: 403\nown: 200\n")
      << attack.dump(2);

  const std::string saved = ReadFile(Shared("victim.token"));
  const std::string id = saved.substr(0, saved.find(' '));
  const std::string token = saved.substr(saved.find(' ') + 1);
  EXPECT_EQ(AwaitEnd(victim)["stdout"], "done\n");

  testutil::HttpClient runtime(server_->url());
  auto status = [&](const std::string& authorization) {
    return runtime
        .Send("GET", "/executions/" + id + "/input", "", false, false,
              authorization.empty() ? std::vector<std::string>{}
                                    : std::vector<std::string>{"Authorization: " + authorization})
        .status;
  };
  // Its run has ended: dead, even though it has not expired.
  EXPECT_EQ(status("Bearer " + token), 401);
  EXPECT_EQ(status(""), 401);
  EXPECT_EQ(status("Bearer"), 401);
  EXPECT_EQ(status("Bearer not-a-jwt"), 401);
  EXPECT_EQ(status("Token " + token), 401);
  // alg "none" with the same claims and no signature.
  const std::string payload =
      token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  EXPECT_EQ(status("Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + payload + "."), 401);
  // The signature of another payload.
  std::string tampered = token;
  tampered[token.find('.') + 5] = tampered[token.find('.') + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(status("Bearer " + tampered), 401);
  auto body = runtime.Send("GET", "/executions/" + id + "/input", "", false, false,
                           {"Authorization: Bearer " + token});
  const json error = Parse(body);
  EXPECT_EQ(error["success"], false);
  EXPECT_EQ(error["error"], "Unauthorized");
  EXPECT_FALSE(error["message"].get<std::string>().empty());
  // Tokens never reach the execution record or the server's log.
  auto record = client_->Get("/api/v1/executions/" + id);
  EXPECT_EQ(record.body.find(token), std::string::npos);
  EXPECT_EQ(server_->Logs().find(token), std::string::npos);
}

// A sandbox with network "host" has no socket of its own: it reaches the API over loopback TCP
// like a plain process, and its helpers work the same.
TEST_F(RuntimeSecurityE2eTest, HostNetworkSandboxesReachTheApiOverLoopback) {
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--isolation", "sandbox", "--allow-host-network"});
  const std::string id =
      CreateEvent({{"name", "host net"}, {"type", "PYTHON"}, {"network", "host"}, {"content", R"PY(
import os
assert not os.environ["CRONIUM_RUNTIME_API"].endswith(":8081"), os.environ["CRONIUM_RUNTIME_API"]
cronium.setVariable("via", "tcp")
cronium.output({"via": cronium.getVariable("via"), "input": cronium.input()})
)PY"}});
  json x = AwaitEnd(Run(id, {{"input", {{"n", 1}}}}));
  EXPECT_EQ(x["status"], "SUCCEEDED") << x.dump(2);
  EXPECT_EQ(x["isolation"], "sandbox");
  EXPECT_EQ(x["output"], json({{"via", "tcp"}, {"input", {{"n", 1}}}}));
}

TEST_F(RuntimeSecurityE2eTest, TheVariablesApiIsOwnerScopedAndChecksItsInput) {
  const std::string alice = UserToken("alice");
  testutil::HttpClient as_alice(server_->url(), alice);
  auto created = as_alice.Put("/api/v1/variables/team%2Fdb", R"({"value":{"host":"db1"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Parse(created)["version"], 1);
  auto updated = as_alice.Put("/api/v1/variables/team%2Fdb", R"({"value":[1,2]})");
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(Parse(updated)["version"], 2);
  EXPECT_EQ(Parse(updated)["key"], "team/db");
  EXPECT_EQ(as_alice.Put("/api/v1/variables/n", R"({"value":null})").status, 201);
  auto listed = Parse(as_alice.Get("/api/v1/variables?prefix=team%2F"));
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["value"], json({1, 2}));
  // The admin sees only their own variables.
  EXPECT_EQ(client_->Get("/api/v1/variables/team%2Fdb").status, 404);
  EXPECT_EQ(Parse(client_->Get("/api/v1/variables"))["items"].size(), 0u);

  EXPECT_EQ(as_alice.Put("/api/v1/variables/k", R"({"val":1})").status, 400);
  EXPECT_EQ(as_alice.Put("/api/v1/variables/k", R"({"value":)").status, 400);
  EXPECT_EQ(as_alice.Put("/api/v1/variables/k", R"([1])").status, 400);
  EXPECT_EQ(as_alice.Put("/api/v1/variables/" + std::string(300, 'k'), R"({"value":1})").status,
            400);
  EXPECT_EQ(as_alice.Put("/api/v1/variables/a%0Ab", R"({"value":1})").status, 400);
  EXPECT_EQ(
      as_alice
          .Put("/api/v1/variables/big", json{{"value", std::string((1 << 20) + 10, 'x')}}.dump())
          .status,
      413);
  EXPECT_EQ(as_alice.Get("/api/v1/variables?limit=0").status, 400);
  EXPECT_EQ(as_alice.Delete("/api/v1/variables/team%2Fdb").status, 204);
  EXPECT_EQ(as_alice.Delete("/api/v1/variables/team%2Fdb").status, 404);
  EXPECT_EQ(as_alice.Get("/api/v1/variables/team%2Fdb").status, 404);
  // Every change is in the audit log, without the values.
  auto audit = client_->Get("/api/v1/audit?action=variable.set");
  EXPECT_EQ(Parse(audit)["items"].size(), 3u) << audit.body;
  EXPECT_EQ(audit.body.find("db1"), std::string::npos);
}

// A data dir whose path is too long for a Unix socket, with spaces and a colon in it (which
// PATH, PYTHONPATH and NODE_OPTIONS would split): the helpers and sockets go elsewhere, and
// every language's helpers work, sandboxed and not.
TEST_P(RuntimeE2eTest, HelpersWorkWhateverTheDataDirIsCalled) {
  const std::string odd_dir =
      dir_.path() + "/a data dir: with spaces and a name long enough " + std::string(60, 'x');
  auto token = testutil::RunCronium({"admin", "bootstrap", "--data-dir", odd_dir}, {});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string admin = token.out;
  while (!admin.empty() && admin.back() == '\n') admin.pop_back();
  testutil::ServerProcess server(odd_dir, {"--isolation", GetParam()});
  ASSERT_TRUE(server.Start()) << server.error();
  testutil::HttpClient client(server.url(), admin);
  const std::vector<std::tuple<std::string, std::string, std::string>> scripts = {
      {"PYTHON", "cronium.setVariable('py', 1)\nprint(cronium.getVariable('py'))\n", "1\n"},
      {"NODEJS",
       "cronium.setVariable('js', 2).then(() => cronium.getVariable('js'))"
       ".then((v) => console.log(v))\n",
       "2\n"},
      {"BASH", "cronium_set_variable sh 3\ncronium_get_variable sh\n", "3\n"}};
  for (const auto& [type, content, expected] : scripts) {
    auto made = client.Post("/api/v1/events",
                            json{{"name", type}, {"type", type}, {"content", content}}.dump());
    ASSERT_EQ(made.status, 201) << made.body;
    auto run = client.Post("/api/v1/events/" + Parse(made)["id"].get<std::string>() + "/run", "{}");
    ASSERT_EQ(run.status, 202) << run.body;
    json x;
    for (int attempt = 0; attempt < 10; ++attempt) {
      x = Parse(client.Get("/api/v1/executions/" + Parse(run)["executionId"].get<std::string>() +
                           "?wait=30"));
      if (x["status"] != "QUEUED" && x["status"] != "RUNNING") break;
    }
    EXPECT_EQ(x["status"], "SUCCEEDED") << type << ": " << x.dump(2);
    EXPECT_EQ(x["stdout"], expected) << type << ": " << x.dump(2);
  }
  EXPECT_EQ(server.Stop(), 0) << server.Logs();
}

}  // namespace
}  // namespace cronium::e2e

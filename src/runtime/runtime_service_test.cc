#include "runtime/runtime_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::runtime {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

crypto::MasterKey Key(unsigned char fill) {
  std::array<unsigned char, crypto::kKeyBytes> bytes{};
  bytes.fill(fill);
  return crypto::MasterKey::FromBytesForTest(bytes);
}

class RuntimeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/r.db"});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    for (const char* name : {"alice", "bob"}) {
      store::UserRecord user;
      user.id = NewId("usr", clock_.Now());
      user.username = name;
      user.email = std::string(name) + "@example.test";
      user.password_hash = "x";
      user.created_at = user.updated_at = clock_.Now();
      ASSERT_TRUE(store_->InsertUser(user, {}));
      users_.push_back(user.id);
    }
    variables_ = std::make_unique<Variables>(
        VariablesOptions{.max_value_bytes = 1000, .max_per_user = 3}, *store_,
        Key(1).Box(crypto::KeyPurpose::kUserVariables), clock_);
    service_ = MakeService(Key(1));
  }

  std::unique_ptr<RuntimeService> MakeService(const crypto::MasterKey& key) {
    return std::make_unique<RuntimeService>(
        RuntimeOptions{.requests_per_minute = 60, .max_output_bytes = 100},
        ExecutionTokens(key.Signer(crypto::KeyPurpose::kExecutionTokens), clock_), *variables_,
        *store_, clock_);
  }

  // A running execution of an event of `user`, registered with the service.
  struct Started {
    std::string execution_id;
    std::string token;
    std::string header;
  };
  Started Start(const std::string& user, std::string listener = "", std::string input = "null") {
    store::EventRecord event;
    event.id = NewId("evt", clock_.Now());
    event.owner_id = user;
    event.name = "nightly report";
    event.type = store::EventType::kPython;
    event.status = store::EventStatus::kActive;
    event.created_at = event.updated_at = clock_.Now();
    EXPECT_TRUE(store_->InsertEvent(event, {}));
    store::JobRecord job;
    job.id = NewId("job", clock_.Now());
    job.event_id = event.id;
    job.owner_id = user;
    job.run_after = clock_.Now();
    job.created_at = job.updated_at = clock_.Now();
    store::ExecutionRecord exec;
    exec.id = NewId("exe", clock_.Now());
    exec.job_id = job.id;
    exec.event_id = event.id;
    exec.created_at = clock_.Now();
    job.current_execution_id = exec.id;
    EXPECT_TRUE(store_->EnqueueJob(job, exec, {}));
    EXPECT_TRUE(store_->ClaimNextJob("w", clock_.Now(), clock_.Now() + seconds(30)));
    EXPECT_TRUE(store_->MarkRunning(job.id, exec.id, "w", clock_.Now()));
    const std::string token = service_->Begin({.execution_id = exec.id,
                                               .job_id = job.id,
                                               .event_id = event.id,
                                               .event_name = event.name,
                                               .event_type = "PYTHON",
                                               .user_id = user,
                                               .trigger = "manual",
                                               .attempt = 2,
                                               .started_at = clock_.Now(),
                                               .deadline = clock_.Now() + seconds(60),
                                               .input_json = std::move(input),
                                               .listener = std::move(listener)});
    return {exec.id, token, "Bearer " + token};
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::vector<std::string> users_;
  std::unique_ptr<Variables> variables_;
  std::unique_ptr<RuntimeService> service_;
};

TEST_F(RuntimeServiceTest, ATokenWorksOnlyWhileItsRunGoesAndOnlyForItsExecution) {
  Started run = Start(users_[0]);
  Started other = Start(users_[1]);
  ASSERT_TRUE(service_->Authorize(run.header, run.execution_id, ""));

  auto code = [&](std::optional<std::string_view> header, const std::string& path,
                  const std::string& listener = "") {
    auto caller = service_->Authorize(header, path, listener);
    return caller ? std::optional<ErrorCode>() : std::optional(caller.error().code);
  };
  EXPECT_EQ(code(std::nullopt, run.execution_id), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code("Bearer", run.execution_id), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code("bearer " + run.token, run.execution_id), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code("Bearer not.a.token", run.execution_id), ErrorCode::kUnauthenticated);
  // Another execution's id in the path: 403, whatever the other run is.
  EXPECT_EQ(code(run.header, other.execution_id), ErrorCode::kPermissionDenied);
  // A token signed with another key (another server's, or a forged one).
  auto foreign = MakeService(Key(2));
  const std::string forged = foreign->Begin({.execution_id = run.execution_id,
                                             .user_id = users_[1],
                                             .started_at = clock_.Now(),
                                             .deadline = clock_.Now() + seconds(60)});
  EXPECT_EQ(code("Bearer " + forged, run.execution_id), ErrorCode::kUnauthenticated);

  // Once the run ended, its token is dead even before it expires.
  service_->End(run.execution_id);
  EXPECT_EQ(code(run.header, run.execution_id), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(service_->Authorize(other.header, other.execution_id, ""));
  // And a token past its expiry (the deadline plus the grace) is dead too.
  clock_.Advance(seconds(60) + service_->options().token_grace + seconds(1));
  EXPECT_EQ(code(other.header, other.execution_id), ErrorCode::kUnauthenticated);
}

TEST_F(RuntimeServiceTest, ASandboxedRunsTokenWorksOnlyThroughItsOwnSocket) {
  Started sandboxed = Start(users_[0], "slot-1");
  Started plain = Start(users_[1], "");
  EXPECT_TRUE(service_->Authorize(sandboxed.header, sandboxed.execution_id, "slot-1"));
  // Stolen and used from another run's sandbox, or over TCP: refused.
  for (const char* listener : {"slot-2", ""}) {
    auto caller = service_->Authorize(sandboxed.header, sandboxed.execution_id, listener);
    ASSERT_FALSE(caller);
    EXPECT_EQ(caller.error().code, ErrorCode::kPermissionDenied);
  }
  // A plain run's token from inside a sandbox: refused too.
  EXPECT_FALSE(service_->Authorize(plain.header, plain.execution_id, "slot-1"));
  EXPECT_TRUE(service_->Authorize(plain.header, plain.execution_id, ""));
}

TEST_F(RuntimeServiceTest, RequestsAreRateLimitedPerRun) {
  Started run = Start(users_[0]);
  Started other = Start(users_[1]);
  for (int n = 0; n < 60; ++n) ASSERT_TRUE(service_->Authorize(run.header, run.execution_id, ""));
  auto limited = service_->Authorize(run.header, run.execution_id, "");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_GT(limited.error().retry_after_seconds, 0);
  EXPECT_TRUE(service_->Authorize(other.header, other.execution_id, ""));  // its own budget
  clock_.Advance(seconds(1));  // 60 a minute: one more a second
  EXPECT_TRUE(service_->Authorize(run.header, run.execution_id, ""));
}

TEST_F(RuntimeServiceTest, OutputAndConditionReachTheExecutionAtOnceAndTheEnd) {
  Started run = Start(users_[0]);
  auto caller = service_->Authorize(run.header, run.execution_id, "");
  ASSERT_TRUE(caller);
  EXPECT_EQ(service_->Condition(*caller), std::nullopt);
  ASSERT_TRUE(service_->SetOutput(*caller, R"( {"rows": [1, 2.5, "three", null, true]} )"));
  ASSERT_TRUE(service_->SetCondition(*caller, true));
  EXPECT_EQ(service_->Condition(*caller), true);
  auto stored = store_->GetExecution(run.execution_id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->output_json, R"({"rows":[1,2.5,"three",null,true]})");
  EXPECT_EQ(stored->condition, true);

  auto too_big = service_->SetOutput(*caller, "\"" + std::string(200, 'x') + "\"");
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(too_big.error().retry_after_seconds, 0);  // not a rate limit: 413
  EXPECT_EQ(service_->SetOutput(*caller, "{oops").error().code, ErrorCode::kInvalidArgument);

  RunEffects effects = service_->End(run.execution_id);
  EXPECT_EQ(effects.output_json, R"({"rows":[1,2.5,"three",null,true]})");
  EXPECT_EQ(effects.condition, true);
  // A request that got through before the end cannot write after it.
  auto late = service_->SetOutput(*caller, "1");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->SetCondition(*caller, false).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->SetVariable(*caller, "late", "1").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->DeleteVariable(*caller, "late").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(store_->GetVariable(users_[0], "late").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->ActiveRuns(), 0u);
}

TEST_F(RuntimeServiceTest, InputAndContextSpeakBothNamingFamilies) {
  Started run = Start(users_[0], "", R"({"city":"Zürich","n":3})");
  Started empty = Start(users_[0]);
  auto caller = service_->Authorize(run.header, run.execution_id, "");
  ASSERT_TRUE(caller);
  EXPECT_EQ(json::parse(service_->Input(*caller)), json::parse(R"({"city":"Zürich","n":3})"));
  EXPECT_EQ(service_->Input(*service_->Authorize(empty.header, empty.execution_id, "")), "{}");

  const json context = json::parse(service_->Context(*caller));
  EXPECT_EQ(context["executionId"], run.execution_id);
  EXPECT_EQ(context["userId"], users_[0]);
  EXPECT_EQ(context["eventName"], "nightly report");
  EXPECT_EQ(context["name"], "nightly report");
  EXPECT_EQ(context["eventType"], "PYTHON");
  EXPECT_EQ(context["type"], "PYTHON");
  EXPECT_EQ(context["id"], context["eventId"]);
  EXPECT_TRUE(context["eventId"].is_string());
  EXPECT_FALSE(context["jobId"].get<std::string>().empty());
  EXPECT_EQ(context["startTime"], FormatRfc3339(clock_.Now()));
  EXPECT_EQ(context["metadata"]["attempt"], 2);
  EXPECT_EQ(context["metadata"]["input"]["n"], 3);
}

TEST_F(RuntimeServiceTest, VariablesAreTheOwnersKeepTheirTypesAndAreEncrypted) {
  Started alices = Start(users_[0]);
  Started bobs = Start(users_[1]);
  auto alice = *service_->Authorize(alices.header, alices.execution_id, "");
  auto bob = *service_->Authorize(bobs.header, bobs.execution_id, "");

  const std::vector<std::string> values = {R"("text ünïcode")",      "42", "-1.5e3", "true", "null",
                                           R"({"a":[1,{"b":null}]})"};
  for (const std::string& value : values) {
    ASSERT_TRUE(service_->SetVariable(alice, "k", value)) << value;
    auto read = service_->GetVariable(alice, "k");
    ASSERT_TRUE(read && *read) << value;
    EXPECT_EQ(json::parse(**read), json::parse(value));
  }
  // Bob has his own "k"; a missing key reads as nothing, not an error.
  EXPECT_EQ(*service_->GetVariable(bob, "k"), std::nullopt);
  ASSERT_TRUE(service_->SetVariable(bob, "k", "\"bob's\""));
  EXPECT_EQ(**service_->GetVariable(alice, "k"), R"({"a":[1,{"b":null}]})");

  // A key with a slash, and the audit row names the execution as the writer.
  ASSERT_TRUE(service_->SetVariable(alice, "team/db", "1"));
  auto audit = store_->ListAudit({});
  ASSERT_TRUE(audit);
  bool found = false;
  for (const auto& entry : *audit) {
    if (entry.action == "variable.set" && entry.target_id == "team/db") {
      found = true;
      EXPECT_EQ(entry.actor.type, "execution");
      EXPECT_EQ(entry.actor.id, alices.execution_id);
      EXPECT_EQ(entry.details_json.find("\"1\""), std::string::npos);
    }
  }
  EXPECT_TRUE(found);

  // At rest the value is ciphertext bound to its owner and key.
  auto record = store_->GetVariable(users_[0], "k");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->sealed_value.find("\"a\""), std::string::npos);
  EXPECT_EQ(record->updated_by, "execution:" + alices.execution_id);
  store::VariableRecord moved = *record;
  moved.user_id = users_[1];
  moved.key = "stolen";
  ASSERT_TRUE(store_->PutVariable(moved, 100, {}));
  auto opened = service_->GetVariable(bob, "stolen");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);

  // Deleting: gone, then kNotFound.
  ASSERT_TRUE(service_->DeleteVariable(alice, "k"));
  EXPECT_EQ(*service_->GetVariable(alice, "k"), std::nullopt);
  EXPECT_EQ(service_->DeleteVariable(alice, "k").error().code, ErrorCode::kNotFound);
}

TEST_F(RuntimeServiceTest, VariableLimitsNameTheProblem) {
  Started run = Start(users_[0]);
  auto caller = *service_->Authorize(run.header, run.execution_id, "");
  EXPECT_EQ(service_->SetVariable(caller, "", "1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->SetVariable(caller, std::string(300, 'k'), "1").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->SetVariable(caller, "bad\nkey", "1").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(service_->SetVariable(caller, "k", "{not json").error().code,
            ErrorCode::kInvalidArgument);
  auto big = service_->SetVariable(caller, "k", "\"" + std::string(2000, 'x') + "\"");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kResourceExhausted);
  for (const char* key : {"a", "b", "c"}) ASSERT_TRUE(service_->SetVariable(caller, key, "1"));
  auto fourth = service_->SetVariable(caller, "d", "1");
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(service_->SetVariable(caller, "a", "2"));  // replacing is fine at the limit
}

TEST_F(RuntimeServiceTest, ListsStopEarlyOnceTheirValuesAreLarge) {
  variables_ = std::make_unique<Variables>(VariablesOptions{.max_per_user = 100}, *store_,
                                           Key(1).Box(crypto::KeyPurpose::kUserVariables), clock_);
  const std::string value = "\"" + std::string(398, 'v') + "\"";  // 400 bytes of JSON
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    ASSERT_TRUE(variables_->Put(users_[0], key, value, {}));
  }
  auto first = variables_->List(users_[0], "", "", 10, /*max_bytes=*/1000);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 3u);  // 400, 800, 1200: the third crosses the line
  auto rest = variables_->List(users_[0], "", first->back().key, 10, 1000);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->front().key, "d");
  EXPECT_EQ(variables_->List(users_[0], "", "", 2, 1000)->size(), 2u);
  // One value larger than the page is still listed, alone.
  EXPECT_EQ(variables_->List(users_[0], "", "", 10, 10)->size(), 1u);
}

TEST_F(RuntimeServiceTest, SigningRotatesWithoutBreakingGoingRuns) {
  Started before = Start(users_[0]);
  const crypto::MasterKey next = Key(7);
  service_->SetSigner(crypto::JwtSigner({next.Derive(crypto::KeyPurpose::kExecutionTokens),
                                         Key(1).Derive(crypto::KeyPurpose::kExecutionTokens)}));
  Started after = Start(users_[1]);
  EXPECT_TRUE(service_->Authorize(before.header, before.execution_id, ""));
  EXPECT_TRUE(service_->Authorize(after.header, after.execution_id, ""));
  // The new token is signed with the next key: a server with only the old key rejects it.
  auto old_only = MakeService(Key(1));
  EXPECT_NE(after.token.substr(after.token.rfind('.')),
            before.token.substr(before.token.rfind('.')));
  service_->SetSigner(next.Signer(crypto::KeyPurpose::kExecutionTokens));
  EXPECT_FALSE(service_->Authorize(before.header, before.execution_id, ""));
  EXPECT_TRUE(service_->Authorize(after.header, after.execution_id, ""));
}

TEST_F(RuntimeServiceTest, ResealingKeepsEveryValueReadable) {
  ASSERT_TRUE(variables_->Put(users_[0], "x", R"({"keep":"me"})", {}));
  ASSERT_TRUE(variables_->Put(users_[1], "y", "[1,2]", {}));
  const crypto::SecretBox next = Key(9).Box(crypto::KeyPurpose::kUserVariables);
  auto count = variables_->ResealAll(next, {});
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 2);
  // Until the box is switched, the old key no longer opens them...
  EXPECT_FALSE(variables_->Get(users_[0], "x"));
  variables_->SetBox(Key(9).Box(crypto::KeyPurpose::kUserVariables));
  EXPECT_EQ((*variables_->Get(users_[0], "x"))->value_json, R"({"keep":"me"})");
  EXPECT_EQ((*variables_->Get(users_[1], "y"))->value_json, "[1,2]");
}

}  // namespace
}  // namespace cronium::runtime

#include "workflow/webhooks.h"

#include <gtest/gtest.h>

#include "base/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::workflow {
namespace {

using std::chrono::milliseconds;

crypto::SecretBox BoxOf(unsigned char seed) {
  std::array<unsigned char, crypto::kKeyBytes> bytes{};
  bytes.fill(seed);
  return crypto::MasterKey::FromBytesForTest(bytes).Box(crypto::KeyPurpose::kWebhookSecrets);
}

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.Advance(std::chrono::hours(24 * 365 * 50));  // a realistic "now"
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    queue_ = std::make_unique<queue::JobQueue>(*store_, clock_);
    engine_ = std::make_unique<Engine>(*queue_, clock_);
    store_->SetJobEndHook(engine_.get());
    webhooks_ = std::make_unique<Webhooks>(*store_, *queue_, *engine_, clock_, BoxOf(1));
    event_.id = "evt_1";
    event_.owner_id = "u1";
    event_.name = "e";
    event_.status = store::EventStatus::kActive;
    event_.created_at = event_.updated_at = clock_.Now();
    ASSERT_TRUE(store_->InsertEvent(event_, {}));
    workflow_.id = "wfl_1";
    workflow_.owner_id = "u1";
    workflow_.name = "w";
    workflow_.status = store::EventStatus::kActive;
    workflow_.nodes = {{.id = "a", .event_id = "evt_1"}};
    ASSERT_TRUE(store_->InsertWorkflow(workflow_, {}));
  }
  void TearDown() override {
    store_->SetJobEndHook(nullptr);
    queue_->Shutdown();
  }

  std::string Now() const { return std::to_string(ToUnixMillis(clock_.Now()) / 1000); }
  static std::string Sign(const std::string& secret, const std::string& timestamp,
                          const std::string& body) {
    return "sha256=" + crypto::HmacSha256Hex(secret, timestamp + "." + body);
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Webhooks> webhooks_;
  store::EventRecord event_;
  store::WorkflowRecord workflow_;
};

TEST_F(WebhooksTest, ASignedDeliveryStartsARunWithTheBodyAsInput) {
  auto hook = webhooks_->Create("WORKFLOW", "wfl_1", "u1", {});
  ASSERT_TRUE(hook);
  EXPECT_EQ(hook->secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(hook->record.sealed_secret.find(hook->secret), std::string::npos);
  const std::string body = R"({"order": 42})";
  const std::string ts = Now();
  auto delivered = webhooks_->Deliver(hook->record.key, ts, Sign(hook->secret, ts, body), body, "");
  ASSERT_TRUE(delivered) << delivered.error().message;
  EXPECT_EQ(delivered->target_type, "WORKFLOW");
  auto run = store_->GetWorkflowRun(delivered->run_id);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->trigger, "WEBHOOK");
  EXPECT_EQ(run->input_json, R"({"order":42})");

  // The same delivery again is a replay.
  auto replay = webhooks_->Deliver(hook->record.key, ts, Sign(hook->secret, ts, body), body, "");
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(WebhooksTest, EventsTooAndAnEmptyBodyIsAnEmptyObject) {
  auto hook = webhooks_->Create("EVENT", "evt_1", "u1", {});
  ASSERT_TRUE(hook);
  const std::string ts = Now();
  auto delivered = webhooks_->Deliver(hook->record.key, ts, Sign(hook->secret, ts, ""), "", "");
  ASSERT_TRUE(delivered) << delivered.error().message;
  auto job = store_->GetJob(delivered->job_id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->input_json, "{}");
  EXPECT_EQ(job->trigger, "WEBHOOK");
}

TEST_F(WebhooksTest, BadDeliveriesStartNothing) {
  auto hook = webhooks_->Create("WORKFLOW", "wfl_1", "u1", {});
  ASSERT_TRUE(hook);
  const std::string& key = hook->record.key;
  const std::string body = "{}";
  const std::string ts = Now();
  // The error code of a delivery that must fail (kInternal when it unexpectedly started).
  auto code = [&](const Result<Delivery>& result) {
    return result ? ErrorCode::kInternal : result.error().code;
  };
  EXPECT_EQ(code(webhooks_->Deliver("nope", ts, Sign(hook->secret, ts, body), body, "")),
            ErrorCode::kNotFound);
  EXPECT_EQ(code(webhooks_->Deliver(key, std::nullopt, std::nullopt, body, "")),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(webhooks_->Deliver(key, ts, Sign("whsec_wrong", ts, body), body, "")),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(webhooks_->Deliver(key, ts, "sha256=xyz", body, "")), ErrorCode::kUnauthenticated);
  EXPECT_EQ(code(webhooks_->Deliver(key, "12abc", Sign(hook->secret, "12abc", body), body, "")),
            ErrorCode::kUnauthenticated);
  // The body signed is the body sent.
  EXPECT_EQ(code(webhooks_->Deliver(key, ts, Sign(hook->secret, ts, body), R"({"x":1})", "")),
            ErrorCode::kUnauthenticated);
  const std::string stale = std::to_string(ToUnixMillis(clock_.Now()) / 1000 - 301);
  EXPECT_EQ(code(webhooks_->Deliver(key, stale, Sign(hook->secret, stale, body), body, "")),
            ErrorCode::kInvalidArgument);
  const std::string future = std::to_string(ToUnixMillis(clock_.Now()) / 1000 + 301);
  EXPECT_EQ(code(webhooks_->Deliver(key, future, Sign(hook->secret, future, body), body, "")),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(code(webhooks_->Deliver(key, ts, Sign(hook->secret, ts, "not json"), "not json", "")),
            ErrorCode::kInvalidArgument);
  workflow_.status = store::EventStatus::kPaused;
  ASSERT_TRUE(store_->UpdateWorkflow(workflow_, {}));
  EXPECT_EQ(code(webhooks_->Deliver(key, ts, Sign(hook->secret, ts, body), body, "")),
            ErrorCode::kFailedPrecondition);
  auto runs = store_->ListWorkflowRuns({});
  ASSERT_TRUE(runs);
  EXPECT_TRUE(runs->empty());
}

TEST_F(WebhooksTest, DeliveriesAreRateLimitedPerWebhook) {
  Webhooks limited(*store_, *queue_, *engine_, clock_, BoxOf(1),
                   {.rate = {.capacity = 2, .per_second = 1}});
  auto hook = limited.Create("WORKFLOW", "wfl_1", "u1", {});
  ASSERT_TRUE(hook);
  const std::string ts = Now();
  for (int i = 0; i < 2; ++i) {
    const std::string body = "[" + std::to_string(i) + "]";
    EXPECT_TRUE(limited.Deliver(hook->record.key, ts, Sign(hook->secret, ts, body), body, ""));
  }
  auto over = limited.Deliver(hook->record.key, ts, Sign(hook->secret, ts, "[9]"), "[9]", "");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(over.error().retry_after_seconds, 1);
  clock_.Advance(milliseconds(1'000));
  EXPECT_TRUE(limited.Deliver(hook->record.key, ts, Sign(hook->secret, ts, "[9]"), "[9]", ""));
}

TEST_F(WebhooksTest, SecretsSurviveAKeyRotationAndGoWithTheirTarget) {
  auto hook = webhooks_->Create("WORKFLOW", "wfl_1", "u1", {});
  ASSERT_TRUE(hook);
  auto resealed = webhooks_->ResealAll(BoxOf(2), {});
  ASSERT_TRUE(resealed);
  EXPECT_EQ(*resealed, 1);
  webhooks_->SetBox(BoxOf(2));
  const std::string ts = Now();
  EXPECT_TRUE(webhooks_->Deliver(hook->record.key, ts, Sign(hook->secret, ts, "{}"), "{}", ""));
  ASSERT_TRUE(store_->DeleteWorkflow("wfl_1", {}));
  auto listed = webhooks_->List("WORKFLOW", "wfl_1");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty());
}

}  // namespace
}  // namespace cronium::workflow

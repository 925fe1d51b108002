#include "api/internal/idempotency.h"

#include <gtest/gtest.h>

#include "base/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "testutil/temp_dir.h"

namespace cronium::api::internal {
namespace {

http::Request Post(std::string path, std::string body, std::string key) {
  http::Request request;
  request.method = http::Method::kPost;
  request.path = std::move(path);
  request.body = std::move(body);
  if (!key.empty()) request.headers = {{"idempotency-key", std::move(key)}};
  return request;
}

std::string HeaderOf(const http::Response& response, const std::string& name) {
  for (const auto& [header, value] : response.headers) {
    if (header == name) return value;
  }
  return "";
}

class IdempotentRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/cronium.db"});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    event_.id = "evt_01";
    event_.owner_id = "usr_1";
    event_.name = "e";
    ASSERT_TRUE(store_->InsertEvent(event_, {}));
  }

  // Writes a job with `request`'s records, as a handler does; the answer it stores.
  http::Response Create(const IdempotentRequest& request, const std::string& job_id) {
    http::Response answer = http::Response::Json(202, R"({"jobId":")" + job_id + R"("})");
    answer.headers.emplace_back("Location", "/api/v1/jobs/" + job_id);
    store::JobRecord job;
    job.id = job_id;
    job.event_id = event_.id;
    job.current_execution_id = "exe_" + job_id;
    store::ExecutionRecord execution;
    execution.id = job.current_execution_id;
    execution.job_id = job.id;
    execution.event_id = event_.id;
    written_ = store_->EnqueueJob(job, execution, {}, request.Records(answer, now_));
    return answer;
  }

  testutil::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  store::EventRecord event_;
  TimePoint now_ = FromUnixMillis(1'000'000);
  Status written_;
};

TEST_F(IdempotentRequestTest, TheHeaderIsOneTo255PrintableCharacters) {
  for (const std::string& key :
       {std::string("a"), std::string(255, '~'), std::string("a b-c_D:1")}) {
    auto read = IdempotentRequest::FromHeader(Post("/p", "{}", key), "user:u");
    ASSERT_TRUE(read) << key;
    EXPECT_TRUE(read->active());
  }
  auto none = IdempotentRequest::FromHeader(Post("/p", "{}", ""), "user:u");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->active());
  for (const std::string& key : {std::string(256, 'k'), std::string("tab\there"),
                                 std::string("caf\xc3\xa9"), std::string("nul\0x", 5)}) {
    http::Request request = Post("/p", "{}", "");
    request.headers = {{"idempotency-key", key}};
    auto refused = IdempotentRequest::FromHeader(request, "user:u");
    ASSERT_FALSE(refused) << key;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(refused.error().message.find("Idempotency-Key"), std::string::npos);
  }
  http::Request empty = Post("/p", "{}", "");
  empty.headers = {{"idempotency-key", ""}};
  EXPECT_FALSE(IdempotentRequest::FromHeader(empty, "user:u"));
}

TEST_F(IdempotentRequestTest, ARepeatGetsTheStoredAnswerAnotherRequestA422) {
  const IdempotentRequest first =
      *IdempotentRequest::FromHeader(Post("/api/v1/events/evt_01/run", "{}", "k"), "user:u");
  EXPECT_FALSE(*first.Replay(*store_, now_));  // nothing stored yet
  const http::Response answer = Create(first, "job_1");
  ASSERT_TRUE(written_) << written_.error().message;

  auto replay = first.Replay(*store_, now_);
  ASSERT_TRUE(replay && *replay);
  EXPECT_EQ((*replay)->status, 202);
  EXPECT_EQ((*replay)->body, answer.body);
  EXPECT_EQ(HeaderOf(**replay, "Location"), "/api/v1/jobs/job_1");
  EXPECT_EQ(HeaderOf(**replay, "Idempotent-Replayed"), "true");

  for (const http::Request& other :
       {Post("/api/v1/events/evt_01/run", R"({"input":1})", "k"),  // another body
        Post("/api/v1/events/evt_02/run", "{}", "k")}) {           // another target
    auto mismatch = IdempotentRequest::FromHeader(other, "user:u")->Replay(*store_, now_);
    ASSERT_TRUE(mismatch && *mismatch);
    EXPECT_EQ((*mismatch)->status, 422);
    EXPECT_NE((*mismatch)->body.find("IDEMPOTENCY_KEY_REUSED"), std::string::npos);
  }
  // Another principal's key; and the key once expired.
  EXPECT_FALSE(
      *IdempotentRequest::FromHeader(Post("/api/v1/events/evt_01/run", "{}", "k"), "user:v")
           ->Replay(*store_, now_));
  EXPECT_FALSE(*first.Replay(*store_, now_ + kIdempotencyLifetime));
}

// Two requests with one key at once: the one whose write lost answers the winner's answer.
TEST_F(IdempotentRequestTest, TheLoserOfARaceForAKeyAnswersTheWinnersAnswer) {
  const IdempotentRequest request =
      *IdempotentRequest::FromHeader(Post("/api/v1/events/evt_01/run", "{}", "k"), "user:u");
  const http::Response winner = Create(request, "job_1");
  ASSERT_TRUE(written_);
  Create(request, "job_2");
  ASSERT_FALSE(written_);
  EXPECT_EQ(written_.error().code, ErrorCode::kAlreadyExists);
  auto answered = request.AfterFailure(*store_, now_, written_.error());
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(answered->body, winner.body);
  EXPECT_EQ(HeaderOf(*answered, "Idempotent-Replayed"), "true");
  EXPECT_EQ(store_->GetJob("job_2").error().code, ErrorCode::kNotFound);

  // Other failures, and conflicts without a record, stay what they were.
  auto other = request.AfterFailure(*store_, now_, Error{ErrorCode::kNotFound, "gone"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  const IdempotentRequest fresh =
      *IdempotentRequest::FromHeader(Post("/api/v1/events/evt_01/run", "{}", "k2"), "user:u");
  auto conflict = fresh.AfterFailure(*store_, now_, Error{ErrorCode::kAlreadyExists, "dup"});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().message, "dup");
}

}  // namespace
}  // namespace cronium::api::internal

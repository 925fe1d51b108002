#include "runtime/execution_tokens.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testutil/fake_clock.h"

namespace cronium::runtime {
namespace {

using nlohmann::json;
using std::chrono::seconds;

crypto::Key KeyOf(unsigned char fill) {
  std::array<unsigned char, crypto::kKeyBytes> bytes{};
  bytes.fill(fill);
  return crypto::Key(bytes);
}

class ExecutionTokensTest : public ::testing::Test {
 protected:
  ExecutionClaims Claims() const {
    return {.execution_id = "exe_1",
            .job_id = "job_1",
            .user_id = "usr_1",
            .event_id = "evt_1",
            .issued_at = {},
            .expires_at = clock_.Now() + seconds(90)};
  }
  // A token signed with the right key but with the claims of `payload`.
  std::string Forge(const json& payload) const { return signer_.Sign(payload.dump()); }
  json Standard() const {
    const int64_t now =
        std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
    return {{"executionId", "exe_1"}, {"jobId", "job_1"},  {"userId", "usr_1"},
            {"eventId", "evt_1"},     {"iat", now},        {"exp", now + 60},
            {"iss", "cronium"},       {"scope", "runtime"}};
  }

  testutil::FakeClock clock_;
  crypto::JwtSigner signer_{{KeyOf(3)}};
  ExecutionTokens tokens_{signer_, clock_};
};

TEST_F(ExecutionTokensTest, IssuedTokensCarryTheContractsClaims) {
  const std::string token = tokens_.Issue(Claims());
  auto claims = tokens_.Verify(token);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->execution_id, "exe_1");
  EXPECT_EQ(claims->job_id, "job_1");
  EXPECT_EQ(claims->user_id, "usr_1");
  EXPECT_EQ(claims->event_id, "evt_1");
  EXPECT_EQ(claims->expires_at, std::chrono::floor<seconds>(Claims().expires_at));
  // The payload an SDK of the original system would read.
  const std::string payload = *signer_.Verify(token);
  const json doc = json::parse(payload);
  EXPECT_TRUE(doc["eventId"].is_string());
  EXPECT_TRUE(doc["iat"].is_number_integer());
  EXPECT_TRUE(doc["exp"].is_number_integer());
  EXPECT_EQ(doc["iss"], "cronium");
  EXPECT_EQ(doc["scope"], "runtime");
}

TEST_F(ExecutionTokensTest, ExpiredTokensAreRejected) {
  const std::string token = tokens_.Issue(Claims());
  clock_.Advance(seconds(89));
  EXPECT_TRUE(tokens_.Verify(token));
  clock_.Advance(seconds(1));
  auto expired = tokens_.Verify(token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
}

TEST_F(ExecutionTokensTest, AliasesOfTheOriginalAreAccepted) {
  json payload = Standard();
  payload.erase("jobId");
  payload["job_id"] = "job_9";
  payload["eventId"] = 42;
  auto claims = tokens_.Verify(Forge(payload));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->job_id, "job_9");
  EXPECT_EQ(claims->event_id, "42");
}

TEST_F(ExecutionTokensTest, AnythingElseIsUnauthenticated) {
  const auto rejected = [&](const std::string& token, const std::string& why) {
    auto result = tokens_.Verify(token);
    ASSERT_FALSE(result) << why;
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated) << why;
  };
  const int64_t now = std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
  rejected("", "no token");
  rejected("garbage", "malformed");
  rejected(ExecutionTokens(crypto::JwtSigner({KeyOf(4)}), clock_).Issue(Claims()), "another key");
  json payload = Standard();
  payload.erase("exp");
  rejected(Forge(payload), "no exp");
  payload = Standard();
  payload.erase("iat");
  rejected(Forge(payload), "no iat");
  payload = Standard();
  payload.erase("executionId");
  rejected(Forge(payload), "no executionId");
  payload = Standard();
  payload["executionId"] = 7;
  rejected(Forge(payload), "a numeric executionId");
  payload = Standard();
  payload["iss"] = "cronium-orchestrator";
  rejected(Forge(payload), "another issuer");
  payload = Standard();
  payload["scope"] = "execution";
  rejected(Forge(payload), "another scope");
  payload = Standard();
  payload["iat"] = now + 3600;
  rejected(Forge(payload), "issued in the future");
  payload = Standard();
  payload["nbf"] = now + 3600;
  rejected(Forge(payload), "not valid yet");
  payload = Standard();
  payload["exp"] = "never";
  rejected(Forge(payload), "a string exp");
  rejected(signer_.Sign("[1, 2]"), "not an object");
  rejected(signer_.Sign("{not json"), "not JSON");
}

}  // namespace
}  // namespace cronium::runtime

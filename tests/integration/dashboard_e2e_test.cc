// What the web UI's dashboard reads: GET /api/v1/stats (events and runs by status, the newest
// runs of the window, the queue, the nodes) and GET /api/v1/schedules/upcoming (every planned
// run of the coming hours, merged across schedules, paged), each scoped to what the caller can
// see, and refusing bad parameters with a 400 that says why.

#include "e2e.h"

namespace cronium::e2e {
namespace {

class DashboardE2eTest : public E2eTest {
 protected:
  std::string Scheduled(const std::string& name, const json& schedule,
                        const std::string& status = "ACTIVE", bool shared = false) {
    return CreateEvent({{"name", name},
                        {"type", "BASH"},
                        {"content", "true"},
                        {"status", status},
                        {"shared", shared},
                        {"schedule", schedule}});
  }

  // Every item of /schedules/upcoming, following the cursor through pages of `limit`.
  std::vector<json> AllUpcoming(testutil::HttpClient& client, int limit, int hours = 24) {
    std::vector<json> items;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      const std::string path = "/api/v1/schedules/upcoming?hours=" + std::to_string(hours) +
                               "&limit=" + std::to_string(limit) +
                               (cursor.empty() ? "" : "&cursor=" + cursor);
      auto result = client.Get(path);
      EXPECT_EQ(result.status, 200) << result.body;
      json doc = Parse(result);
      EXPECT_LE(static_cast<int>(doc["items"].size()), limit);
      for (const json& item : doc["items"]) items.push_back(item);
      if (doc["nextCursor"].is_null()) return items;
      cursor = doc["nextCursor"];
    }
    ADD_FAILURE() << "the pages never ended";
    return items;
  }
};

TEST_F(DashboardE2eTest, UpcomingMergesTheRunsOfEverySchedulePagedAndScoped) {
  const std::string hourly =
      Scheduled("hourly", {{"kind", "CRON"}, {"cron", "0 * * * *"}, {"timezone", "Europe/Berlin"}});
  const std::string limited = Scheduled(
      "twice", {{"kind", "CRON"}, {"cron", "30 */6 * * *"}, {"timezone", "UTC"}, {"maxRuns", 2}});
  Scheduled("paused", {{"kind", "CRON"}, {"cron", "15 * * * *"}, {"timezone", "UTC"}}, "PAUSED");

  const std::vector<json> all = AllUpcoming(*client_, 500);
  int hourly_count = 0, limited_count = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(all[i - 1]["at"].get<std::string>(), all[i]["at"].get<std::string>());
    }
    if (all[i]["targetId"] == hourly) ++hourly_count;
    if (all[i]["targetId"] == limited) ++limited_count;
    EXPECT_EQ(all[i]["targetType"], "EVENT");
    EXPECT_NE(all[i]["name"], "paused");
  }
  EXPECT_EQ(hourly_count, 24);  // every hour of the next 24, none twice
  EXPECT_EQ(limited_count, 2);  // its run limit
  EXPECT_EQ(all.size(), 26u);
  const json& first_hourly = *std::find_if(
      all.begin(), all.end(), [&](const json& item) { return item["targetId"] == hourly; });
  EXPECT_EQ(first_hourly["timezone"], "Europe/Berlin");
  EXPECT_NE(first_hourly["local"].get<std::string>().find(":00:00"), std::string::npos);

  // Pages of 7 add up to the same list, in the same order.
  const std::vector<json> paged = AllUpcoming(*client_, 7);
  ASSERT_EQ(paged.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(paged[i]["at"], all[i]["at"]) << i;
    EXPECT_EQ(paged[i]["targetId"], all[i]["targetId"]) << i;
  }

  // Another user sees none of the admin's private schedules, and shared ones.
  testutil::HttpClient user(server_->url(), UserToken("upcoming-user"));
  EXPECT_TRUE(AllUpcoming(user, 100).empty());
  const std::string shared =
      Scheduled("shared daily", {{"kind", "CRON"}, {"cron", "0 12 * * *"}, {"timezone", "UTC"}},
                "ACTIVE", true);
  const std::vector<json> seen = AllUpcoming(user, 100);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["targetId"], shared);

  for (const std::string bad :
       {"hours=0", "hours=169", "hours=x", "limit=0", "limit=501", "cursor=nonsense"}) {
    auto result = client_->Get("/api/v1/schedules/upcoming?" + bad);
    EXPECT_EQ(result.status, 400) << bad << ": " << result.body;
    EXPECT_EQ(Parse(result)["error"], "INVALID_ARGUMENT") << bad;
  }
}

TEST_F(DashboardE2eTest, StatsCountTheWindowsRunsAndTheCallersEvents) {
  const std::string ok =
      CreateEvent({{"name", "ok"}, {"type", "BASH"}, {"content", "true"}, {"status", "ACTIVE"}});
  const std::string bad =
      CreateEvent({{"name", "bad"}, {"type", "BASH"}, {"content", "exit 3"}, {"status", "ACTIVE"}});
  CreateEvent({{"name", "idle"}, {"type", "BASH"}, {"content", "true"}, {"status", "PAUSED"}});
  EXPECT_EQ(RunAndWait(ok)["status"], "SUCCEEDED");
  EXPECT_EQ(RunAndWait(bad)["status"], "FAILED");
  EXPECT_EQ(RunAndWait(ok)["status"], "SUCCEEDED");

  auto result = client_->Get("/api/v1/stats?window=24h");
  ASSERT_EQ(result.status, 200) << result.body;
  json stats = Parse(result);
  EXPECT_EQ(stats["window"], "24h");
  EXPECT_EQ(stats["events"]["ACTIVE"], 2);
  EXPECT_EQ(stats["events"]["PAUSED"], 1);
  EXPECT_EQ(stats["events"]["total"], 3);
  EXPECT_EQ(stats["runs"]["total"], 3);
  EXPECT_EQ(stats["runs"]["SUCCEEDED"], 2);
  EXPECT_EQ(stats["runs"]["FAILED"], 1);
  EXPECT_EQ(stats["runs"]["RUNNING"], 0);
  ASSERT_EQ(stats["recentRuns"].size(), 3u);
  EXPECT_EQ(stats["recentRuns"][0]["eventId"], ok);  // newest first
  EXPECT_EQ(stats["recentRuns"][1]["status"], "FAILED");
  EXPECT_TRUE(stats["recentRuns"][0]["durationMs"].is_number());
  EXPECT_TRUE(stats["recentRuns"][0]["startedAt"].is_string());
  EXPECT_EQ(stats["recentRuns"][0]["trigger"], "MANUAL");
  EXPECT_FALSE(stats["recentRunsTruncated"]);
  EXPECT_EQ(stats["queue"]["running"], 0);
  EXPECT_EQ(stats["nodes"]["alive"], 1);

  // A user counts only what they can see.
  testutil::HttpClient user(server_->url(), UserToken("stats-user"));
  json theirs = Parse(user.Get("/api/v1/stats"));
  EXPECT_EQ(theirs["events"]["total"], 0);
  EXPECT_EQ(theirs["runs"]["total"], 0);
  EXPECT_TRUE(theirs["recentRuns"].empty());

  for (const std::string window : {"abc", "0h", "4m", "31d", "24", "-1h", "1y"}) {
    auto refused = client_->Get("/api/v1/stats?window=" + window);
    EXPECT_EQ(refused.status, 400) << window << ": " << refused.body;
    EXPECT_NE(refused.body.find("window"), std::string::npos) << refused.body;
  }
  EXPECT_EQ(client_->Get("/api/v1/stats?window=90m").status, 200);
  EXPECT_EQ(testutil::HttpClient(server_->url()).Get("/api/v1/stats").status, 401);
}

}  // namespace
}  // namespace cronium::e2e

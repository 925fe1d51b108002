// Schedules firing in real time through the real binary, and surviving kill -9.
//
// These tests are about wall-clock behaviour, so they wait for real seconds to pass; every
// wait is bounded and polls the API.

#include <signal.h>

#include <chrono>
#include <set>
#include <thread>

#include "e2e.h"

namespace cronium::e2e {
namespace {

class ScheduleE2eTest : public E2eTest {
 protected:
  json Ledger(const std::string& id) {
    return Parse(client_->Get("/api/v1/events/" + id + "/ledger?limit=200"))["items"];
  }

  int CountFate(const json& ledger, const std::string& fate) {
    int count = 0;
    for (const auto& row : ledger) count += row["fate"] == fate;
    return count;
  }
};

TEST_F(ScheduleE2eTest, ASecondsCronFiresTheRightNumberOfTimesThenPauses) {
  const std::string id = CreateEvent({{"name", "every second"},
                                      {"type", "BASH"},
                                      {"content", "echo tick"},
                                      {"status", "ACTIVE"},
                                      {"schedule",
                                       {{"kind", "CRON"},
                                        {"cron", "* * * * * *"},
                                        {"timezone", "UTC"},
                                        {"maxRuns", 3},
                                        {"overlapPolicy", "ALLOW"}}}});
  auto shown = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(shown["schedule"]["kind"], "CRON");
  EXPECT_TRUE(shown["schedule"]["nextRunAt"].is_string());
  ASSERT_TRUE(Eventually([&] {
    return Parse(client_->Get("/api/v1/events/" + id))["status"] == "PAUSED";
  })) << Ledger(id).dump();
  const json ledger = Ledger(id);
  EXPECT_EQ(CountFate(ledger, "FIRED"), 3) << ledger.dump();
  EXPECT_EQ(CountFate(ledger, "RUN_LIMIT_REACHED"), 1) << ledger.dump();
  std::set<std::string> planned;
  for (const auto& row : ledger) {
    planned.insert(row["plannedAt"].get<std::string>());
    if (row["fate"] == "FIRED") {
      EXPECT_TRUE(row["latenessMs"].is_number_integer());
      const json run = AwaitEnd(row["executionId"]);
      EXPECT_EQ(run["status"], "SUCCEEDED");
      EXPECT_EQ(run["stdout"], "tick\n");
      EXPECT_EQ(run["trigger"], "SCHEDULE");
    }
  }
  EXPECT_EQ(planned.size(), ledger.size());  // every occurrence once
  EXPECT_EQ(Parse(client_->Get("/api/v1/events/" + id))["schedule"]["runCount"], 3);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events/" + id + "/executions"))["items"].size(), 3u);
}

TEST_F(ScheduleE2eTest, KillNineAndRestartRecordsMissedRunsAndNeverFiresTwice) {
  ASSERT_EQ(server_->Stop(), 0);
  const std::vector<std::string> flags{"--misfire-grace-ms", "300"};
  StartServer(flags);
  const std::string id = CreateEvent({{"name", "survivor"},
                                      {"type", "BASH"},
                                      {"content", "true"},
                                      {"status", "ACTIVE"},
                                      {"schedule",
                                       {{"kind", "CRON"},
                                        {"cron", "* * * * * *"},
                                        {"timezone", "UTC"},
                                        {"misfirePolicy", "SKIP"},
                                        {"overlapPolicy", "ALLOW"}}}});
  ASSERT_TRUE(Eventually([&] { return CountFate(Ledger(id), "FIRED") >= 2; }));
  server_->Kill();
  // Downtime: real seconds pass while no server runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  StartServer(flags);
  ASSERT_TRUE(Eventually([&] {
    const json ledger = Ledger(id);
    return CountFate(ledger, "MISSED_DOWNTIME") >= 1 && CountFate(ledger, "FIRED") >= 4;
  })) << Ledger(id).dump();
  ASSERT_EQ(client_->Patch("/api/v1/events/" + id, R"({"status":"PAUSED"})").status, 200);
  const json ledger = Ledger(id);
  std::set<std::string> planned;
  int fired = 0;
  for (const auto& row : ledger) {
    EXPECT_TRUE(planned.insert(row["plannedAt"].get<std::string>()).second)
        << "occurrence recorded twice: " << row.dump();
    fired += row["fate"] == "FIRED";
  }
  auto executions = Parse(client_->Get("/api/v1/events/" + id + "/executions?limit=200"));
  EXPECT_EQ(static_cast<int>(executions["items"].size()), fired);
}

TEST_F(ScheduleE2eTest, AnEventsSchedulePreviewFollowsItsZoneAndKind) {
  const std::string cron = CreateEvent(
      {{"name", "berlin"},
       {"type", "BASH"},
       {"schedule", {{"kind", "CRON"}, {"cron", "0 9 * * *"}, {"timezone", "Europe/Berlin"}}}});
  auto preview = Parse(client_->Get("/api/v1/events/" + cron + "/schedule/preview?count=3"));
  EXPECT_EQ(preview["timezone"], "Europe/Berlin");
  ASSERT_EQ(preview["instants"].size(), 3u);
  EXPECT_NE(preview["instants"][0]["local"].get<std::string>().find("T09:00:00+0"),
            std::string::npos);
  const std::string interval = CreateEvent(
      {{"name", "interval"},
       {"type", "BASH"},
       {"schedule",
        {{"kind", "INTERVAL"}, {"intervalSeconds", 3600}, {"startAt", "2030-01-01T00:00:00Z"}}}});
  auto hourly = Parse(client_->Get("/api/v1/events/" + interval + "/schedule/preview?count=2"));
  ASSERT_EQ(hourly["instants"].size(), 2u);
  EXPECT_EQ(hourly["instants"][0]["utc"], "2030-01-01T00:00:00.000Z");
  EXPECT_EQ(hourly["instants"][1]["utc"], "2030-01-01T01:00:00.000Z");
  const std::string plain = CreateScript("BASH", "true");
  EXPECT_EQ(client_->Get("/api/v1/events/" + plain + "/schedule/preview").status, 404);
}

TEST_F(ScheduleE2eTest, InvalidSchedulesAreRejectedBeforeAnythingIsCreated) {
  auto bad_cron =
      client_->Post("/api/v1/events", json{{"name", "x"},
                                           {"type", "BASH"},
                                           {"schedule", {{"kind", "CRON"}, {"cron", "* 25 * * *"}}}}
                                          .dump());
  EXPECT_EQ(bad_cron.status, 400);
  EXPECT_NE(Parse(bad_cron)["message"].get<std::string>().find("hour field at position 3"),
            std::string::npos);
  auto bad_zone = client_->Post(
      "/api/v1/events",
      json{{"name", "x"},
           {"type", "BASH"},
           {"schedule", {{"kind", "CRON"}, {"cron", "* * * * *"}, {"timezone", "Moon/Base"}}}}
          .dump());
  EXPECT_EQ(bad_zone.status, 400);
  auto bad_kind = client_->Post(
      "/api/v1/events",
      json{{"name", "x"}, {"type", "BASH"}, {"schedule", {{"kind", "SOMETIMES"}}}}.dump());
  EXPECT_EQ(bad_kind.status, 400);
  auto not_object = client_->Post("/api/v1/events",
                                  json{{"name", "x"}, {"type", "BASH"}, {"schedule", 5}}.dump());
  EXPECT_EQ(not_object.status, 400);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events"))["items"].size(), 0u);
}

TEST_F(ScheduleE2eTest, CliSchedulesPausesResumesAndShowsTheLedger) {
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto created = testutil::RunCronium(
      {"event", "create", "--name", "nightly", "--type", "BASH", "--content", "true", "--status",
       "ACTIVE", "--cron", "0 3 * * *", "--tz", "Europe/Berlin", "--json"},
      env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json event = json::parse(created.out);
  const std::string id = event["id"];
  EXPECT_EQ(event["schedule"]["cron"], "0 3 * * *");
  EXPECT_EQ(event["schedule"]["timezone"], "Europe/Berlin");
  auto show = testutil::RunCronium({"event", "show", id}, env);
  EXPECT_NE(show.out.find("schedule:  CRON '0 3 * * *'"), std::string::npos) << show.out;
  auto paused = testutil::RunCronium({"event", "pause", id}, env);
  EXPECT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_NE(paused.out.find("PAUSED"), std::string::npos);
  auto resumed = testutil::RunCronium({"event", "resume", id}, env);
  EXPECT_NE(resumed.out.find("ACTIVE; next run"), std::string::npos) << resumed.out;
  auto interval = testutil::RunCronium({"event", "schedule", id, "--interval", "3600"}, env);
  EXPECT_EQ(interval.exit_code, 0) << interval.err;
  EXPECT_NE(interval.out.find("INTERVAL schedule"), std::string::npos) << interval.out;
  auto ledger = testutil::RunCronium({"event", "ledger", id}, env);
  EXPECT_EQ(ledger.exit_code, 0) << ledger.err;
  EXPECT_NE(ledger.out.find("PLANNED"), std::string::npos);
  auto cleared = testutil::RunCronium({"event", "schedule", id, "--clear"}, env);
  EXPECT_NE(cleared.out.find("has no schedule"), std::string::npos) << cleared.out;
  auto bad = testutil::RunCronium({"event", "schedule", id, "--cron", "nope"}, env);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("schedule.cron"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace cronium::e2e

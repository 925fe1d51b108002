// Schedules firing in real time through the real binary, and surviving kill -9.
//
// These tests are about wall-clock behaviour, so they wait for real seconds to pass; every
// wait is bounded and polls the API.

#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
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

  static std::string Encode(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += std::isalnum(c) ? std::string(1, static_cast<char>(c)) : std::string(buf);
    }
    return out;
  }

  // The UTC instants of a preview's runs (and of what a DST gap skipped), with their marks.
  static std::vector<std::string> Instants(const json& preview) {
    std::vector<std::string> out;
    for (const auto& i : preview["instants"]) {
      out.push_back(i["utc"].get<std::string>() +
                    (i["dst"].is_null() ? "" : " " + i["dst"].get<std::string>()));
    }
    return out;
  }
};

constexpr char kFirstMondayWarning[] =
    "runs on the 1st to 7th of the month and on every Monday (dayMatch OR); set dayMatch to AND "
    "for days that match both";

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
  EXPECT_NE(paused.out.find("is PAUSED; no scheduled runs until `cronium event resume " + id),
            std::string::npos)
      << paused.out;
  EXPECT_EQ(paused.out.find("next run"), std::string::npos) << paused.out;
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

// January 2026 starts on a Thursday (Mondays: 5th, 12th, ...); January 2030 on a Tuesday
// (Mondays: 7th, 14th, ...), February and March 2030 on a Friday.
TEST_F(ScheduleE2eTest, Issue20PreviewTakesDayMatchAndWarnsUnderOr) {
  const std::string base = "/api/v1/schedules/preview?cron=" + Encode("0 9 1-7 * MON") +
                           "&tz=UTC&count=3&from=2026-01-01T00:00:00Z";
  const json either = Parse(client_->Get(base));
  EXPECT_EQ(either["dayMatch"], "OR");
  EXPECT_EQ(Instants(either),
            (std::vector<std::string>{"2026-01-01T09:00:00.000Z", "2026-01-02T09:00:00.000Z",
                                      "2026-01-03T09:00:00.000Z"}));
  EXPECT_EQ(either["warnings"], json::array({kFirstMondayWarning}));
  const json both = Parse(client_->Get(base + "&dayMatch=AND"));
  EXPECT_EQ(both["dayMatch"], "AND");
  EXPECT_EQ(Instants(both),
            (std::vector<std::string>{"2026-01-05T09:00:00.000Z", "2026-02-02T09:00:00.000Z",
                                      "2026-03-02T09:00:00.000Z"}));
  EXPECT_EQ(both["warnings"], json::array());
  // Vixie: a step from `*` counts as `*`.
  const json vixie =
      Parse(client_->Get("/api/v1/schedules/preview?cron=" + Encode("0 9 */2 * 1") +
                         "&tz=UTC&count=2&from=2026-01-01T00:00:00Z&dayMatch=VIXIE"));
  EXPECT_EQ(Instants(vixie),
            (std::vector<std::string>{"2026-01-05T09:00:00.000Z", "2026-01-19T09:00:00.000Z"}));
  EXPECT_EQ(vixie["warnings"], json::array());
  const json odd_or_monday =
      Parse(client_->Get("/api/v1/schedules/preview?cron=" + Encode("0 9 */2 * 1") +
                         "&tz=UTC&count=2&from=2026-01-01T00:00:00Z"));
  EXPECT_EQ(Instants(odd_or_monday),
            (std::vector<std::string>{"2026-01-01T09:00:00.000Z", "2026-01-03T09:00:00.000Z"}));
  auto bad = client_->Get(base + "&dayMatch=first");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Parse(bad)["message"], "dayMatch: 'first' is not one of OR, AND, VIXIE");

  // DST: AUTO (the default) follows the clock for an hourly job and says what it chose.
  const std::string hourly = "/api/v1/schedules/preview?cron=" + Encode("13 * * * *") +
                             "&tz=Europe/Berlin&count=3&from=2026-03-28T23:30:00Z";
  const json automatic = Parse(client_->Get(hourly));
  EXPECT_EQ(automatic["dstGapPolicy"], "AUTO");
  EXPECT_EQ(automatic["appliedDstGapPolicy"], "SKIP");
  EXPECT_EQ(automatic["appliedDstOverlapPolicy"], "TWICE");
  EXPECT_EQ(Instants(automatic), (std::vector<std::string>{
                                     "2026-03-29T00:13:00.000Z", "2026-03-29T01:00:00.000Z SKIPPED",
                                     "2026-03-29T01:13:00.000Z", "2026-03-29T02:13:00.000Z"}));
  EXPECT_EQ(automatic["instants"][1]["local"], "2026-03-29T02:13:00");
  const json shifted = Parse(client_->Get(hourly + "&dstGapPolicy=SHIFT"));
  EXPECT_EQ(shifted["appliedDstGapPolicy"], "SHIFT");
  EXPECT_EQ(Instants(shifted), (std::vector<std::string>{"2026-03-29T00:13:00.000Z",
                                                         "2026-03-29T01:00:00.000Z SHIFTED",
                                                         "2026-03-29T01:13:00.000Z"}));
  const json autumn = Parse(client_->Get("/api/v1/schedules/preview?cron=" + Encode("13 * * * *") +
                                         "&tz=Europe/Berlin&count=3&from=2026-10-24T23:30:00Z"));
  EXPECT_EQ(Instants(autumn), (std::vector<std::string>{"2026-10-25T00:13:00.000Z",
                                                        "2026-10-25T01:13:00.000Z REPEATED",
                                                        "2026-10-25T02:13:00.000Z"}));
  const json nightly = Parse(client_->Get("/api/v1/schedules/preview?cron=" + Encode("30 2 * * *") +
                                          "&tz=Europe/Berlin&count=1&from=2026-03-28T12:00:00Z"));
  EXPECT_EQ(nightly["appliedDstGapPolicy"], "SHIFT");
  EXPECT_EQ(nightly["appliedDstOverlapPolicy"], "ONCE");
  auto bad_gap = client_->Get(hourly + "&dstGapPolicy=NEVER");
  EXPECT_EQ(bad_gap.status, 400);
  EXPECT_EQ(Parse(bad_gap)["message"], "dstGapPolicy: 'NEVER' is not one of AUTO, SHIFT, SKIP");
  auto bad_overlap = client_->Get(hourly + "&dstOverlapPolicy=ALWAYS");
  EXPECT_EQ(bad_overlap.status, 400);
  EXPECT_EQ(Parse(bad_overlap)["message"],
            "dstOverlapPolicy: 'ALWAYS' is not one of AUTO, ONCE, TWICE");
}

// The editor previews a schedule of any kind before it is saved, checked as a save would be.
TEST_F(ScheduleE2eTest, Issue21PostPreviewTakesAWholeScheduleOfAnyKind) {
  auto preview = [&](const json& schedule, int count) {
    return client_->Post(
        "/api/v1/schedules/preview",
        json{{"schedule", schedule}, {"count", count}, {"from", "2026-01-01T00:00:00Z"}}.dump());
  };
  auto cron = preview({{"kind", "CRON"}, {"cron", "0 9 1-7 * MON"}, {"timezone", "UTC"},
                       {"dayMatch", "AND"}},
                      2);
  ASSERT_EQ(cron.status, 200) << cron.body;
  EXPECT_EQ(Parse(cron)["kind"], "CRON");
  EXPECT_EQ(Instants(Parse(cron)), (std::vector<std::string>{"2026-01-05T09:00:00.000Z",
                                                             "2026-02-02T09:00:00.000Z"}));
  // An interval counts from `from`; the run limit caps the list; the zone is the one given.
  const json every = Parse(preview({{"kind", "INTERVAL"},
                                    {"intervalSeconds", 90},
                                    {"maxRuns", 2},
                                    {"timezone", "Europe/Berlin"}},
                                   10));
  EXPECT_EQ(Instants(every), (std::vector<std::string>{"2026-01-01T00:01:30.000Z",
                                                       "2026-01-01T00:03:00.000Z"}));
  EXPECT_EQ(every["instants"][0]["local"], "2026-01-01T01:01:30+01:00");
  EXPECT_EQ(every["timezone"], "Europe/Berlin");
  const json once = Parse(preview({{"kind", "ONCE"}, {"at", "2026-06-01T12:00:00Z"}}, 5));
  EXPECT_EQ(Instants(once), (std::vector<std::string>{"2026-06-01T12:00:00.000Z"}));
  const json manual = Parse(preview({{"kind", "MANUAL"}}, 5));
  EXPECT_TRUE(manual["never"].get<bool>());
  // A schedule ending before its first run never runs: said, not an error.
  const json ended = Parse(preview(
      {{"kind", "CRON"}, {"cron", "0 9 * * *"}, {"endAt", "2026-01-01T08:00:00Z"}}, 5));
  EXPECT_TRUE(ended["never"].get<bool>());

  // Errors name the field, as a save's do.
  auto bad_cron = preview({{"kind", "CRON"}, {"cron", "* 25 * * *"}}, 5);
  EXPECT_EQ(bad_cron.status, 400);
  EXPECT_TRUE(Parse(bad_cron)["message"].get<std::string>().starts_with("schedule.cron: "));
  auto no_interval = preview({{"kind", "INTERVAL"}}, 5);
  EXPECT_EQ(no_interval.status, 400);
  EXPECT_TRUE(
      Parse(no_interval)["message"].get<std::string>().starts_with("schedule.intervalSeconds"));
  EXPECT_EQ(preview({{"kind", "CRON"}, {"cron", "* * * * *"}}, 0).status, 400);
  EXPECT_EQ(preview({{"kind", "CRON"}, {"cron", "* * * * *"}}, 101).status, 400);
  EXPECT_EQ(client_->Post("/api/v1/schedules/preview", json{{"count", 3}}.dump()).status, 400);
  EXPECT_EQ(client_->Post("/api/v1/schedules/preview", "not json").status, 400);
  auto unknown = client_->Post("/api/v1/schedules/preview",
                               json{{"schedule", {{"kind", "MANUAL"}}}, {"when", 1}}.dump());
  EXPECT_EQ(unknown.status, 400);
}

TEST_F(ScheduleE2eTest, Issue20CreateAndUpdateAnswersCarryWarningsAndTheRulesInForce) {
  const json first_monday = {{"kind", "CRON"},
                             {"cron", "0 9 1-7 * MON"},
                             {"timezone", "UTC"},
                             {"startAt", "2030-01-01T00:00:00Z"}};
  auto created = client_->Post(
      "/api/v1/events",
      json{{"name", "first monday"}, {"type", "BASH"}, {"schedule", first_monday}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const json event = Parse(created);
  const std::string id = event["id"];
  EXPECT_EQ(event["warnings"], json::array({kFirstMondayWarning}));
  EXPECT_EQ(event["schedule"]["dayMatch"], "OR");
  EXPECT_EQ(event["schedule"]["dstGapPolicy"], "AUTO");
  EXPECT_EQ(event["schedule"]["dstOverlapPolicy"], "AUTO");
  EXPECT_EQ(Parse(client_->Get("/api/v1/events/" + id))["warnings"],
            json::array({kFirstMondayWarning}));

  // The event's preview tries another rule without changing the schedule.
  const std::string preview = "/api/v1/events/" + id + "/schedule/preview?count=3";
  const json stored = Parse(client_->Get(preview));
  EXPECT_EQ(Instants(stored),
            (std::vector<std::string>{"2030-01-01T09:00:00.000Z", "2030-01-02T09:00:00.000Z",
                                      "2030-01-03T09:00:00.000Z"}));
  EXPECT_EQ(stored["warnings"], json::array({kFirstMondayWarning}));
  const json tried = Parse(client_->Get(preview + "&dayMatch=AND"));
  EXPECT_EQ(tried["dayMatch"], "AND");
  EXPECT_EQ(Instants(tried),
            (std::vector<std::string>{"2030-01-07T09:00:00.000Z", "2030-02-04T09:00:00.000Z",
                                      "2030-03-04T09:00:00.000Z"}));
  EXPECT_EQ(tried["warnings"], json::array());
  EXPECT_EQ(client_->Get(preview + "&dayMatch=MAYBE").status, 400);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events/" + id))["schedule"]["dayMatch"], "OR");

  json with_and = first_monday;
  with_and["dayMatch"] = "AND";
  auto updated = client_->Patch("/api/v1/events/" + id, json{{"schedule", with_and}}.dump());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Parse(updated)["warnings"], json::array());
  EXPECT_EQ(Parse(updated)["schedule"]["dayMatch"], "AND");
  EXPECT_EQ(Instants(Parse(client_->Get(preview)))[0], "2030-01-07T09:00:00.000Z");

  json bad = first_monday;
  bad["dayMatch"] = "SOMETIMES";
  auto refused = client_->Patch("/api/v1/events/" + id, json{{"schedule", bad}}.dump());
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Parse(refused)["message"],
            "schedule.dayMatch: 'SOMETIMES' is not one of OR, AND, VIXIE");
  auto refused_new = client_->Post("/api/v1/events",
                                   json{{"name", "x"}, {"type", "BASH"}, {"schedule", bad}}.dump());
  EXPECT_EQ(refused_new.status, 400);
  EXPECT_EQ(Parse(refused_new)["message"],
            "schedule.dayMatch: 'SOMETIMES' is not one of OR, AND, VIXIE");
  EXPECT_EQ(Parse(client_->Get("/api/v1/events"))["items"].size(), 1u);  // nothing half-made

  // No schedule, or one field unrestricted: nothing to warn about, and an empty array says so.
  EXPECT_EQ(Parse(client_->Post("/api/v1/events",
                                json{{"name", "plain"}, {"type", "BASH"}}.dump()))["warnings"],
            json::array());
  auto mondays = client_->Post("/api/v1/events",
                               json{{"name", "mondays"},
                                    {"type", "BASH"},
                                    {"schedule", {{"kind", "CRON"}, {"cron", "0 9 * * MON"}}}}
                                   .dump());
  EXPECT_EQ(Parse(mondays)["warnings"], json::array());
}

// An upgrade: a schedule stored by the previous version (no dayMatch; DST policies SHIFT and
// ONCE written out) keeps its meaning, shows it, and previews by it.
TEST_F(ScheduleE2eTest, Issue20AScheduleStoredBeforeTheUpgradeKeepsTheVixieRule) {
  const std::string id = CreateEvent({{"name", "odd mondays"},
                                      {"type", "BASH"},
                                      {"schedule",
                                       {{"kind", "CRON"},
                                        {"cron", "0 9 */2 * 1"},
                                        {"timezone", "UTC"},
                                        {"startAt", "2030-01-01T00:00:00Z"}}}});
  ASSERT_EQ(server_->Stop(), 0);
  const std::string old_format =
      R"({"at":null,"catchUpWindowSeconds":3600,"cron":"0 9 */2 * 1","dstGapPolicy":"SHIFT",)"
      R"("dstOverlapPolicy":"ONCE","endAt":null,"intervalSeconds":null,"kind":"CRON",)"
      R"("maxRuns":null,"misfirePolicy":"SKIP","overlapPolicy":"SKIP",)"
      R"("startAt":"2030-01-01T00:00:00.000Z","timezone":"UTC"})";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((DataDir() + "/cronium.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const std::string update =
      "UPDATE schedules SET spec = '" + old_format + "' WHERE target_id = '" + id + "';";
  ASSERT_EQ(sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  StartServer();

  const json event = Parse(client_->Get("/api/v1/events/" + id));
  EXPECT_EQ(event["schedule"]["dayMatch"], "VIXIE");
  EXPECT_EQ(event["schedule"]["dstGapPolicy"], "SHIFT");
  EXPECT_EQ(event["schedule"]["dstOverlapPolicy"], "ONCE");
  EXPECT_EQ(event["warnings"], json::array());
  const json preview = Parse(client_->Get("/api/v1/events/" + id + "/schedule/preview?count=2"));
  EXPECT_EQ(preview["dayMatch"], "VIXIE");
  EXPECT_EQ(Instants(preview),
            (std::vector<std::string>{"2030-01-07T09:00:00.000Z", "2030-01-21T09:00:00.000Z"}));
}

}  // namespace
}  // namespace cronium::e2e

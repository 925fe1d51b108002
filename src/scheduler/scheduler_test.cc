#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/time_format.h"
#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::scheduler {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TimePoint U(const char* text) { return *ParseRfc3339(text); }

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : clock_(U("2026-01-01T00:00:00Z")) {}

  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    std::array<unsigned char, crypto::kKeyBytes> key{};
    events_ = std::make_unique<events::EventService>(
        events::EventsOptions{}, *store_,
        crypto::MasterKey::FromBytesForTest(key).Box(crypto::KeyPurpose::kEventEnvVars), clock_);
    queue_ = std::make_unique<queue::JobQueue>(*store_, clock_);
    engine_ = std::make_unique<workflow::Engine>(*queue_, clock_);
    store_->SetJobEndHook(engine_.get());
    scheduler_ = NewScheduler();
  }

  void TearDown() override {
    store_->SetJobEndHook(nullptr);
    queue_->Shutdown();
  }

  std::unique_ptr<Scheduler> NewScheduler() {
    auto scheduler = std::make_unique<Scheduler>(SchedulerOptions{}, *store_, *queue_, *events_,
                                                 clock_, engine_.get());
    EXPECT_TRUE(scheduler->Load());
    scheduler->cancel_run = [this](const std::string& id) { cancelled_.push_back(id); };
    return scheduler;
  }

  std::string ActiveEvent() {
    events::EventFields f;
    f.name = "scheduled";
    f.type = store::EventType::kBash;
    f.content = "true";
    f.status = store::EventStatus::kActive;
    auto created = events_->Create(f, store::Actor{.id = "usr_1"});
    EXPECT_TRUE(created);
    return created->id;
  }

  void Schedule(const std::string& id, json spec) {
    auto parsed = ScheduleSpecFromJson(spec, SpecSource::kRequest);
    ASSERT_TRUE(parsed) << parsed.error().message;
    auto set = id.starts_with("wfl_") ? scheduler_->SetWorkflowSchedule(id, *parsed, {})
                                      : scheduler_->SetSchedule(id, *parsed, store::Actor{});
    ASSERT_TRUE(set) << set.error().message;
  }

  // An ACTIVE workflow of two events in a chain.
  std::string ActiveWorkflow() {
    store::WorkflowRecord w;
    w.id = NewId("wfl", clock_.Now());
    w.owner_id = "usr_1";
    w.name = "nightly";
    w.status = store::EventStatus::kActive;
    w.trigger = "SCHEDULE";
    const std::string first = ActiveEvent();
    const std::string second = ActiveEvent();
    w.nodes = {{.id = "extract", .event_id = first}, {.id = "load", .event_id = second}};
    w.edges = {{.from = "extract", .to = "load", .kind = "ON_SUCCESS"}};
    w.created_at = w.updated_at = clock_.Now();
    EXPECT_TRUE(engine_->Check(w));
    EXPECT_TRUE(store_->InsertWorkflow(w, {}));
    return w.id;
  }

  // Plays the worker: claims and succeeds every runnable job; returns how many ran.
  int RunAllJobs() {
    int ran = 0;
    for (int guard = 0; guard < 100; ++guard) {
      auto claimed = queue_->Claim("w1", std::chrono::minutes(1));
      if (!claimed || !*claimed) break;
      store::ClaimedJob job = std::move(**claimed);
      EXPECT_TRUE(queue_->MarkRunning(job));
      store::ExecutionRecord done = job.execution;
      done.status = store::RunStatus::kSucceeded;
      done.finished_at = clock_.Now();
      EXPECT_TRUE(queue_->Finish(job.job, done, {}));
      ++ran;
    }
    return ran;
  }

  store::WorkflowRunRecord RunOf(const store::LedgerRecord& row) {
    auto run = store_->GetWorkflowRun(row.execution_id);
    EXPECT_TRUE(run) << row.fate << " " << row.detail;
    return run ? *run : store::WorkflowRunRecord{};
  }

  // Moves the clock forward in steps, running what is due at each step.
  int Advance(seconds total, seconds step = seconds(1)) {
    int fired = 0;
    for (seconds done(0); done < total; done += step) {
      clock_.Advance(step);
      auto result = scheduler_->RunDue(clock_.Now());
      EXPECT_TRUE(result);
      fired += result ? *result : 0;
    }
    return fired;
  }

  std::vector<std::string> Fates(const std::string& event_id) {
    auto ledger = store_->ListLedger(event_id, "", 1000);
    std::vector<std::string> fates;
    for (auto it = ledger->rbegin(); it != ledger->rend(); ++it) fates.push_back(it->fate);
    return fates;
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<events::EventService> events_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<workflow::Engine> engine_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::string> cancelled_;
};

TEST_F(SchedulerTest, SecondsCronFiresOnTimeIntoTheLedger) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"},
                {"cron", "*/10 * * * * *"},
                {"timezone", "UTC"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(35)), 3);
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_EQ(ledger->size(), 3u);
  const auto& first = ledger->back();
  EXPECT_EQ(first.fate, "FIRED");
  EXPECT_EQ(first.planned_at, U("2026-01-01T00:00:10Z"));
  EXPECT_EQ(first.lateness_ms, 0);
  auto job = store_->GetJob(first.job_id);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->trigger, "SCHEDULE");
  EXPECT_EQ(job->unique_key, id + "@" + std::to_string(ToUnixMillis(first.planned_at)));
  EXPECT_EQ(store_->GetExecution(first.execution_id)->status, store::RunStatus::kQueued);
  EXPECT_EQ(store_->GetSchedule(id)->run_count, 3);
  EXPECT_EQ(store_->GetSchedule(id)->next_due_at, U("2026-01-01T00:00:40Z"));
}

TEST_F(SchedulerTest, IntervalMeansWhatItSays) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 7},
                {"startAt", "2026-01-01T00:00:03Z"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(30)), 4);  // :03 :10 :17 :24
  auto ledger = store_->ListLedger(id, "", 10);
  EXPECT_EQ(ledger->back().planned_at, U("2026-01-01T00:00:03Z"));
  EXPECT_EQ(ledger->front().planned_at, U("2026-01-01T00:00:24Z"));
}

TEST_F(SchedulerTest, OverlapSkipRecordsTheSkippedOccurrence) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"startAt", "2026-01-01T00:00:05Z"}});
  EXPECT_EQ(Advance(seconds(15)), 1);  // the first job is still queued
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"FIRED", "SKIPPED_OVERLAP", "SKIPPED_OVERLAP"}));
}

TEST_F(SchedulerTest, BufferOneKeepsOneRunWaiting) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 5},
                {"startAt", "2026-01-01T00:00:05Z"},
                {"overlapPolicy", "BUFFER_ONE"}});
  EXPECT_EQ(Advance(seconds(5)), 1);
  ASSERT_TRUE(queue_->Claim("w1", std::chrono::minutes(1)));  // now RUNNING
  EXPECT_EQ(Advance(seconds(10)), 1);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"FIRED", "BUFFERED", "SKIPPED_OVERLAP"}));
  auto buffered = store_->GetJob(store_->ListLedger(id, "", 10)->at(1).job_id);
  EXPECT_TRUE(buffered->serialize);
  // The buffered run waits for the running one.
  auto claimed = queue_->Claim("w2", std::chrono::minutes(1));
  ASSERT_TRUE(claimed);
  EXPECT_FALSE(*claimed);
}

TEST_F(SchedulerTest, BufferAllAndCancelPrevious) {
  const std::string all = ActiveEvent();
  Schedule(all, {{"kind", "INTERVAL"},
                 {"intervalSeconds", 5},
                 {"startAt", "2026-01-01T00:00:05Z"},
                 {"overlapPolicy", "BUFFER_ALL"}});
  const std::string cancel = ActiveEvent();
  Schedule(cancel, {{"kind", "INTERVAL"},
                    {"intervalSeconds", 5},
                    {"startAt", "2026-01-01T00:00:05Z"},
                    {"overlapPolicy", "CANCEL_PREVIOUS"}});
  EXPECT_EQ(Advance(seconds(15)), 6);
  EXPECT_EQ(Fates(all), (std::vector<std::string>{"FIRED", "BUFFERED", "BUFFERED"}));
  EXPECT_EQ(Fates(cancel), (std::vector<std::string>{"FIRED", "FIRED", "FIRED"}));
  EXPECT_EQ(cancelled_.size(), 3u);  // 1 before the 2nd run, 2 before the 3rd (still queued)
}

TEST_F(SchedulerTest, RunLimitPausesTheEvent) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 5},
                {"maxRuns", 2},
                {"startAt", "2026-01-01T00:00:05Z"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(30)), 2);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"FIRED", "FIRED", "RUN_LIMIT_REACHED"}));
  EXPECT_EQ(store_->GetEvent(id)->status, store::EventStatus::kPaused);
  EXPECT_FALSE(store_->GetSchedule(id)->next_due_at);
}

TEST_F(SchedulerTest, OnceFiresOnceAndEndTimesStop) {
  const std::string once = ActiveEvent();
  Schedule(once, {{"kind", "ONCE"}, {"at", "2026-01-01T00:00:04Z"}});
  const std::string ending = ActiveEvent();
  Schedule(ending, {{"kind", "INTERVAL"},
                    {"intervalSeconds", 2},
                    {"overlapPolicy", "ALLOW"},
                    {"startAt", "2026-01-01T00:00:02Z"},
                    {"endAt", "2026-01-01T00:00:06Z"}});
  EXPECT_EQ(Advance(seconds(20)), 4);
  EXPECT_EQ(Fates(once).size(), 1u);
  EXPECT_EQ(Fates(ending).size(), 3u);  // :02 :04 :06
  EXPECT_EQ(store_->GetEvent(once)->status, store::EventStatus::kPaused);
  EXPECT_EQ(store_->GetEvent(ending)->status, store::EventStatus::kPaused);
}

TEST_F(SchedulerTest, PausedEventsDoNotFireAndResumePlansFromNow) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 5},
                {"startAt", "2026-01-01T00:00:05Z"},
                {"overlapPolicy", "ALLOW"}});
  events::EventFields pause;
  pause.status = store::EventStatus::kPaused;
  ASSERT_TRUE(events_->Update(id, pause, store::Actor{}));
  scheduler_->Refresh(id);
  EXPECT_EQ(Advance(seconds(60)), 0);
  events::EventFields resume;
  resume.status = store::EventStatus::kActive;
  ASSERT_TRUE(events_->Update(id, resume, store::Actor{}));
  scheduler_->Refresh(id);
  EXPECT_EQ(Advance(seconds(5)), 1);
  // The pause is two rows, with the 12 occurrences it covered; nothing is owed for them.
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"PAUSED", "RESUMED", "FIRED"}));
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_TRUE(ledger);
  const store::LedgerRecord& resumed = (*ledger)[1];
  EXPECT_EQ(resumed.occurrences, 12);
  EXPECT_EQ(resumed.planned_at, (*ledger)[2].planned_at);  // the PAUSED row's: the first
  EXPECT_EQ(resumed.last_planned_at, resumed.planned_at + seconds(55));
  EXPECT_EQ((*ledger)[2].occurrences, std::nullopt);
}

// Issue #20: a paused per-second schedule wrote a ledger row every second (86,400 a day).
TEST_F(SchedulerTest, Issue20APauseIsTwoLedgerRowsHoweverManyOccurrencesItCovers) {
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"}, {"cron", "* * * * * *"}, {"overlapPolicy", "ALLOW"}});
  events::EventFields pause;
  pause.status = store::EventStatus::kPaused;
  ASSERT_TRUE(events_->Update(id, pause, store::Actor{}));
  scheduler_->Refresh(id);
  for (int minute = 0; minute < 60; ++minute) EXPECT_EQ(Advance(seconds(60)), 0);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"PAUSED"}));
  // Asleep while paused: nothing is due, however far the clock goes.
  EXPECT_FALSE(store_->GetSchedule(id)->next_due_at.has_value());
  // A restart while paused keeps it asleep and writes nothing more.
  scheduler_ = NewScheduler();
  EXPECT_EQ(Advance(seconds(60)), 0);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"PAUSED"}));

  auto other_node = NewScheduler();  // loaded while paused
  events::EventFields resume;
  resume.status = store::EventStatus::kActive;
  ASSERT_TRUE(events_->Update(id, resume, store::Actor{}));
  scheduler_->Refresh(id);
  other_node->Reload(id);  // told of the change, as another node is: no second RESUMED row
  other_node.reset();
  EXPECT_EQ(Advance(seconds(2)), 2);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"PAUSED", "RESUMED", "FIRED", "FIRED"}));
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_TRUE(ledger);
  const store::LedgerRecord& resumed = (*ledger)[2];
  EXPECT_EQ(resumed.fate, "RESUMED");
  EXPECT_EQ(resumed.occurrences, 61 * 60);  // one an hour's second, and the restart's minute
  EXPECT_NE(resumed.detail.find("3660 occurrence(s) from"), std::string::npos) << resumed.detail;

  // Paused and resumed before an occurrence came due: no row at all.
  ASSERT_TRUE(events_->Update(id, pause, store::Actor{}));
  scheduler_->Refresh(id);
  ASSERT_TRUE(events_->Update(id, resume, store::Actor{}));
  scheduler_->Refresh(id);
  EXPECT_EQ(store_->ListLedger(id, "", 10)->size(), 4u);
}

class MisfireTest : public SchedulerTest {
 protected:
  // Schedules every 60 s from :01:00, lets the first fire, then "stops the server" for 10
  // minutes and starts a new scheduler on the same database.
  std::string RunThroughDowntime(const char* policy, int64_t window_seconds = 3600) {
    const std::string id = ActiveEvent();
    Schedule(id, {{"kind", "INTERVAL"},
                  {"intervalSeconds", 60},
                  {"startAt", "2026-01-01T00:01:00Z"},
                  {"overlapPolicy", "ALLOW"},
                  {"misfirePolicy", policy},
                  {"catchUpWindowSeconds", window_seconds}});
    EXPECT_EQ(Advance(seconds(60), seconds(60)), 1);
    // :11 is due 30 s before the restart (within the misfire grace); :02-:10 are 90+ s late.
    clock_.Advance(std::chrono::minutes(10) + seconds(30));
    scheduler_ = NewScheduler();
    fired_after_restart_ = *scheduler_->RunDue(clock_.Now());
    return id;
  }
  int fired_after_restart_ = 0;
};

TEST_F(MisfireTest, SkipRecordsEveryMissedOccurrence) {
  const std::string id = RunThroughDowntime("SKIP");
  EXPECT_EQ(fired_after_restart_, 1);
  auto fates = Fates(id);
  ASSERT_EQ(fates.size(), 11u);  // :01 fired; :02-:10 missed; :11 is due now, not late
  EXPECT_EQ(fates[0], "FIRED");
  EXPECT_EQ(std::count(fates.begin(), fates.end(), "MISSED_DOWNTIME"), 9);
  EXPECT_EQ(fates.back(), "FIRED");
}

TEST_F(MisfireTest, RunOnceCatchesUpOnce) {
  const std::string id = RunThroughDowntime("RUN_ONCE");
  auto fates = Fates(id);
  EXPECT_EQ(std::count(fates.begin(), fates.end(), "CAUGHT_UP"), 1);
  EXPECT_EQ(std::count(fates.begin(), fates.end(), "MISSED_DOWNTIME"), 8);
  EXPECT_EQ(fired_after_restart_, 2);  // the catch-up and the on-time :11
}

TEST_F(MisfireTest, RunAllCatchesUpWithinTheWindow) {
  const std::string id = RunThroughDowntime("RUN_ALL", /*window_seconds=*/300);
  auto fates = Fates(id);
  EXPECT_EQ(std::count(fates.begin(), fates.end(), "CAUGHT_UP"), 4);  // :07-:10 (<= 300 s late)
  EXPECT_EQ(std::count(fates.begin(), fates.end(), "MISSED_DOWNTIME"), 5);
  EXPECT_EQ(fired_after_restart_, 5);
}

TEST_F(SchedulerTest, ARestartNeverFiresAnOccurrenceTwice) {
  const std::string id = ActiveEvent();
  Schedule(
      id,
      {{"kind", "CRON"}, {"cron", "* * * * * *"}, {"timezone", "UTC"}, {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(5)), 5);
  // A second scheduler on the same database (a restart, or a second node) at the same time.
  auto other = NewScheduler();
  EXPECT_EQ(*other->RunDue(clock_.Now()), 0);
  EXPECT_EQ(Fates(id).size(), 5u);
  // Even with its state rolled back, the unique key stops a second job for an occurrence.
  auto state = *store_->GetSchedule(id);
  state.next_due_at = U("2026-01-01T00:00:03Z");
  state.last_planned_at = U("2026-01-01T00:00:02Z");
  ASSERT_TRUE(store_->PutSchedule(state, {}));
  auto stale = NewScheduler();
  EXPECT_EQ(*stale->RunDue(clock_.Now()), 0);
  auto jobs = store_->ListExecutions({.event_id = id, .limit = 100});
  EXPECT_EQ(jobs->size(), 5u);
}

TEST_F(SchedulerTest, ANodeThatBecomesLeaderGoesOnFromTheStoredProgress) {
  // Two nodes: this one leads and fires; `standby` loaded the schedule before that.
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"},
                {"cron", "* * * * * *"},
                {"timezone", "UTC"},
                {"overlapPolicy", "ALLOW"},
                {"maxRuns", 8}});
  auto standby = NewScheduler();
  EXPECT_EQ(Advance(seconds(3)), 3);
  // A schedule set on the standby node keeps the run count the leader reached.
  auto spec = ScheduleSpecFromJson(json{{"kind", "CRON"},
                                        {"cron", "*/2 * * * * *"},
                                        {"timezone", "UTC"},
                                        {"overlapPolicy", "ALLOW"},
                                        {"maxRuns", 8}},
                                   SpecSource::kRequest);
  ASSERT_TRUE(spec);
  ASSERT_TRUE(standby->SetSchedule(id, *spec, store::Actor{}));
  EXPECT_EQ(store_->GetSchedule(id)->run_count, 3);
  // The leader learns of it, and fires by the new spec.
  scheduler_->Reload(id);
  clock_.Advance(seconds(4));
  EXPECT_EQ(*scheduler_->RunDue(clock_.Now()), 2);  // :04 and :06
  // Leadership moves: the new leader reads every schedule again and fires what is due after
  // the old leader's last occurrence, once.
  ASSERT_TRUE(standby->ReloadAll());
  clock_.Advance(seconds(4));
  EXPECT_EQ(*standby->RunDue(clock_.Now()), 2);  // :08 and :10
  EXPECT_EQ(store_->GetSchedule(id)->run_count, 7);
  EXPECT_EQ(Fates(id).size(), 7u);
}

TEST_F(SchedulerTest, ALeaderLearnsOfSchedulesMadeOnOtherNodes) {
  auto other = NewScheduler();
  const std::string id = ActiveEvent();
  auto spec = ScheduleSpecFromJson(json{{"kind", "CRON"},
                                        {"cron", "* * * * * *"},
                                        {"timezone", "UTC"},
                                        {"overlapPolicy", "ALLOW"}},
                                   SpecSource::kRequest);
  ASSERT_TRUE(spec);
  std::vector<std::string> changed;
  other->on_change = [&](const std::string& target) { changed.push_back(target); };
  ASSERT_TRUE(other->SetSchedule(id, *spec, store::Actor{}));
  EXPECT_EQ(changed, std::vector<std::string>{id});
  clock_.Advance(seconds(2));
  EXPECT_EQ(*scheduler_->RunDue(clock_.Now()), 0);  // the leader does not know it yet
  // Told, it fires what was due since the schedule was made (:01, :02) and on.
  scheduler_->Reload(id);
  clock_.Advance(seconds(1));
  EXPECT_EQ(*scheduler_->RunDue(clock_.Now()), 3);
  // Removed elsewhere: the leader's reload drops it.
  ASSERT_TRUE(other->RemoveSchedule(id, store::Actor{}));
  EXPECT_EQ(changed.size(), 2u);
  scheduler_->Reload(id);
  clock_.Advance(seconds(3));
  EXPECT_EQ(*scheduler_->RunDue(clock_.Now()), 0);
}

TEST_F(SchedulerTest, DstShiftedOccurrencesAreMarked) {
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-03-28T12:00:00Z") -
                                                                       clock_.Now()));
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"}, {"cron", "30 2 * * *"}, {"timezone", "Europe/Berlin"}});
  EXPECT_EQ(Advance(std::chrono::hours(14), std::chrono::minutes(30)), 1);
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ(ledger->front().fate, "DST_SHIFTED");
  EXPECT_EQ(ledger->front().planned_at, U("2026-03-29T01:00:00Z"));
  EXPECT_EQ(ledger->front().detail,
            "its wall-clock time did not exist (clocks moved forward): run at the end of the gap; "
            "dstGapPolicy AUTO (SHIFT: the hour field names fixed hours)");
}

// `13 * * * *` in Berlin under AUTO (the default): every hour of real time across both changes,
// and the ledger says which rule did what.
TEST_F(SchedulerTest, AutoDstKeepsAnHourlyScheduleHourlyAndTheLedgerSaysSo) {
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-03-28T23:30:00Z") -
                                                                       clock_.Now()));
  const std::string spring = ActiveEvent();
  Schedule(spring, {{"kind", "CRON"},
                    {"cron", "13 * * * *"},
                    {"timezone", "Europe/Berlin"},
                    {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(std::chrono::hours(3), std::chrono::minutes(1)), 3);
  EXPECT_EQ(Fates(spring), (std::vector<std::string>{"FIRED", "DST_SKIPPED", "FIRED", "FIRED"}));
  auto rows = *store_->ListLedger(spring, "", 10);
  std::reverse(rows.begin(), rows.end());
  EXPECT_EQ(rows[0].planned_at, U("2026-03-29T00:13:00Z"));
  EXPECT_EQ(rows[1].planned_at, U("2026-03-29T01:00:00Z"));
  EXPECT_EQ(rows[1].detail,
            "1 occurrence(s) from 2026-03-29T02:13:00 local did not exist (clocks moved forward); "
            "dstGapPolicy AUTO (SKIP: the hour field follows the clock)");
  EXPECT_EQ(rows[2].planned_at, U("2026-03-29T01:13:00Z"));
  EXPECT_EQ(rows[3].planned_at, U("2026-03-29T02:13:00Z"));

  ASSERT_TRUE(scheduler_->RemoveSchedule(spring, {}));
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-10-24T23:30:00Z") -
                                                                       clock_.Now()));
  const std::string autumn = ActiveEvent();
  Schedule(autumn, {{"kind", "CRON"},
                    {"cron", "13 * * * *"},
                    {"timezone", "Europe/Berlin"},
                    {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(std::chrono::hours(3), std::chrono::minutes(1)), 3);
  rows = *store_->ListLedger(autumn, "", 10);
  std::reverse(rows.begin(), rows.end());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].planned_at, U("2026-10-25T00:13:00Z"));  // 02:13 CEST
  EXPECT_EQ(rows[1].planned_at, U("2026-10-25T01:13:00Z"));  // 02:13 CET
  EXPECT_EQ(rows[1].fate, "FIRED");
  EXPECT_EQ(rows[1].detail,
            "repeated wall-clock time (clocks moved back); dstOverlapPolicy AUTO (TWICE: the hour "
            "field follows the clock)");
  EXPECT_EQ(rows[2].planned_at, U("2026-10-25T02:13:00Z"));
  EXPECT_EQ(rows[0].detail, "");
}

// Explicit policies are named as such.
TEST_F(SchedulerTest, ExplicitDstPoliciesAreNamedInTheLedger) {
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-10-24T23:30:00Z") -
                                                                       clock_.Now()));
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"},
                {"cron", "13 2 * * *"},
                {"timezone", "Europe/Berlin"},
                {"dstOverlapPolicy", "TWICE"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(std::chrono::hours(2), std::chrono::minutes(1)), 2);
  auto rows = *store_->ListLedger(id, "", 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.front().planned_at, U("2026-10-25T01:13:00Z"));
  EXPECT_EQ(rows.front().detail,
            "repeated wall-clock time (clocks moved back); dstOverlapPolicy TWICE");
}

// A schedule stored before dayMatch existed (no "dayMatch" in its spec) keeps the Vixie rule
// after the upgrade: `0 9 */2 * 1` runs on odd days that are Mondays, not on odd days or Mondays.
TEST_F(SchedulerTest, Issue20AScheduleStoredBeforeDayMatchKeepsItsMeaning) {
  const std::string id = ActiveEvent();
  const std::string old_format =
      R"({"at":null,"catchUpWindowSeconds":3600,"cron":"0 9 */2 * 1","dstGapPolicy":"SHIFT",)"
      R"("dstOverlapPolicy":"ONCE","endAt":null,"intervalSeconds":null,"kind":"CRON",)"
      R"("maxRuns":null,"misfirePolicy":"SKIP","overlapPolicy":"ALLOW","startAt":null,)"
      R"("timezone":"UTC"})";
  ASSERT_TRUE(store_->PutSchedule(
      {.target_id = id, .spec_json = old_format, .updated_at = clock_.Now()}, {}));
  scheduler_ = NewScheduler();  // a restart on the new version
  EXPECT_EQ(Advance(std::chrono::hours(24 * 20), std::chrono::hours(1)), 2);
  auto rows = *store_->ListLedger(id, "", 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].planned_at, U("2026-01-05T09:00:00Z"));
  EXPECT_EQ(rows[0].planned_at, U("2026-01-19T09:00:00Z"));
  // The same spec set anew (dayMatch missing) takes the new default, OR: odd days and Mondays.
  Schedule(id, json::parse(old_format));
  EXPECT_EQ(json::parse(store_->GetSchedule(id)->spec_json)["dayMatch"], "OR");
  EXPECT_EQ(Advance(std::chrono::hours(24 * 5), std::chrono::hours(1)), 3);  // 21st, 23rd, 25th
}

// An event created with its schedule (one write, PlanNew then Adopt) fires from its first
// occurrence, with that occurrence's DST mark.
TEST_F(SchedulerTest, AnEventCreatedWithItsScheduleFiresFromItsFirstOccurrence) {
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-03-28T12:00:00Z") -
                                                                       clock_.Now()));
  std::vector<std::string> changed;
  scheduler_->on_change = [&](const std::string& target) { changed.push_back(target); };
  auto spec = ScheduleSpecFromJson(
      json{{"kind", "CRON"}, {"cron", "30 2 * * *"}, {"timezone", "Europe/Berlin"}},
      SpecSource::kRequest);
  ASSERT_TRUE(spec);
  events::EventFields f;
  f.name = "nightly";
  f.type = store::EventType::kBash;
  f.content = "true";
  f.status = store::EventStatus::kActive;
  auto plan = [&](const std::string& id, TimePoint created_at) {
    return scheduler_->PlanNew(store::ScheduleTarget::kEvent, id, created_at, *spec,
                               store::Actor{.id = "usr_1"});
  };
  auto created = events_->Create(f, store::Actor{.id = "usr_1"}, plan);
  ASSERT_TRUE(created) << created.error().message;
  const std::string id = created->id;
  EXPECT_EQ(store_->GetSchedule(id)->next_due_at, U("2026-03-29T01:00:00Z"));
  scheduler_->Adopt(id);
  EXPECT_EQ(changed, std::vector<std::string>{id});
  EXPECT_EQ(Advance(std::chrono::hours(14), std::chrono::minutes(30)), 1);
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_EQ(ledger->size(), 1u);
  EXPECT_EQ(ledger->front().fate, "DST_SHIFTED");  // 02:30 does not exist that night
  EXPECT_EQ(ledger->front().planned_at, U("2026-03-29T01:00:00Z"));

  // A schedule that cannot be planned stops the creation: no event is left behind.
  ScheduleSpec bad = *spec;
  bad.cron = "61 * * * *";
  const size_t before = store_->ListEvents({})->size();
  auto refused =
      events_->Create(f, store::Actor{.id = "usr_1"}, [&](const std::string& eid, TimePoint at) {
        return scheduler_->PlanNew(store::ScheduleTarget::kEvent, eid, at, bad, {});
      });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
  EXPECT_EQ(store_->ListEvents({})->size(), before);
}

TEST_F(SchedulerTest, DstSkippedOccurrencesAreRecorded) {
  clock_.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(U("2026-03-28T12:00:00Z") -
                                                                       clock_.Now()));
  const std::string id = ActiveEvent();
  Schedule(id, {{"kind", "CRON"},
                {"cron", "30 2 * * *"},
                {"timezone", "Europe/Berlin"},
                {"dstGapPolicy", "SKIP"}});
  EXPECT_EQ(Advance(std::chrono::hours(38), std::chrono::minutes(30)), 1);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"DST_SKIPPED", "FIRED"}));
  auto ledger = store_->ListLedger(id, "", 10);
  EXPECT_EQ(ledger->back().planned_at, U("2026-03-29T01:00:00Z"));
  EXPECT_NE(ledger->back().detail.find("2026-03-29T02:30:00 local did not exist"),
            std::string::npos)
      << ledger->back().detail;
  EXPECT_EQ(ledger->front().planned_at, U("2026-03-30T00:30:00Z"));
}

TEST_F(SchedulerTest, WorkflowSchedulesStartRunsIntoTheLedger) {
  const std::string id = ActiveWorkflow();
  Schedule(id, {{"kind", "CRON"},
                {"cron", "*/10 * * * * *"},
                {"timezone", "UTC"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(35)), 3);
  auto ledger = store_->ListLedger(id, "", 10);
  ASSERT_EQ(ledger->size(), 3u);
  const auto& first = ledger->back();
  EXPECT_EQ(first.fate, "FIRED");
  EXPECT_EQ(first.planned_at, U("2026-01-01T00:00:10Z"));
  EXPECT_EQ(first.lateness_ms, 0);
  EXPECT_TRUE(first.job_id.empty());
  store::WorkflowRunRecord run = RunOf(first);
  EXPECT_EQ(run.workflow_id, id);
  EXPECT_EQ(run.trigger, "SCHEDULE");
  EXPECT_EQ(run.input_json, "{}");
  EXPECT_EQ(run.unique_key, id + "@" + std::to_string(ToUnixMillis(first.planned_at)));
  EXPECT_EQ(run.status, store::RunStatus::kRunning);
  EXPECT_EQ(run.nodes[0].state, store::NodeRunState::kRunning);  // its start node is queued
  EXPECT_EQ(run.nodes[1].state, store::NodeRunState::kPending);
  EXPECT_EQ(store_->GetSchedule(id)->run_count, 3);
  EXPECT_EQ(store_->GetSchedule(id)->target, store::ScheduleTarget::kWorkflow);
  EXPECT_EQ(RunAllJobs(), 6);  // two nodes of three runs
  EXPECT_EQ(RunOf(first).status, store::RunStatus::kSucceeded);

  // A restart (or a second node) at the same instant fires nothing again; neither does a
  // schedule state rolled back: the run's unique key stops a second run of an occurrence.
  auto other = NewScheduler();
  EXPECT_EQ(*other->RunDue(clock_.Now()), 0);
  auto state = *store_->GetSchedule(id);
  state.next_due_at = U("2026-01-01T00:00:20Z");
  state.last_planned_at = U("2026-01-01T00:00:10Z");
  ASSERT_TRUE(store_->PutSchedule(state, {}));
  auto stale = NewScheduler();
  EXPECT_EQ(*stale->RunDue(clock_.Now()), 0);
  EXPECT_EQ(store_->ListWorkflowRuns({.workflow_id = id})->size(), 3u);
}

TEST_F(SchedulerTest, WorkflowOverlapSkipAndBufferOne) {
  const std::string skip = ActiveWorkflow();
  Schedule(skip,
           {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"startAt", "2026-01-01T00:00:05Z"}});
  const std::string buffer = ActiveWorkflow();
  Schedule(buffer, {{"kind", "INTERVAL"},
                    {"intervalSeconds", 5},
                    {"startAt", "2026-01-01T00:00:05Z"},
                    {"overlapPolicy", "BUFFER_ONE"}});
  EXPECT_EQ(Advance(seconds(15)), 3);  // the first runs still have their first node queued
  EXPECT_EQ(Fates(skip), (std::vector<std::string>{"FIRED", "SKIPPED_OVERLAP", "SKIPPED_OVERLAP"}));
  EXPECT_EQ(Fates(buffer), (std::vector<std::string>{"FIRED", "BUFFERED", "SKIPPED_OVERLAP"}));
  auto ledger = *store_->ListLedger(buffer, "", 10);
  const store::WorkflowRunRecord held = RunOf(ledger[1]);
  EXPECT_EQ(held.status, store::RunStatus::kQueued);
  EXPECT_EQ(held.nodes[0].state, store::NodeRunState::kPending);
  // The first run ends; the held one starts then, and runs to its end.
  EXPECT_EQ(RunAllJobs(), 2 + 2 + 2);
  EXPECT_EQ(RunOf(ledger[2]).status, store::RunStatus::kSucceeded);
  EXPECT_EQ(RunOf(ledger[1]).status, store::RunStatus::kSucceeded);
  EXPECT_GE(*RunOf(ledger[1]).nodes[0].started_at, *RunOf(ledger[2]).finished_at);
}

TEST_F(SchedulerTest, WorkflowOverlapBufferAllAndCancelPrevious) {
  const std::string all = ActiveWorkflow();
  Schedule(all, {{"kind", "INTERVAL"},
                 {"intervalSeconds", 5},
                 {"startAt", "2026-01-01T00:00:05Z"},
                 {"overlapPolicy", "BUFFER_ALL"}});
  const std::string cancel = ActiveWorkflow();
  Schedule(cancel, {{"kind", "INTERVAL"},
                    {"intervalSeconds", 5},
                    {"startAt", "2026-01-01T00:00:05Z"},
                    {"overlapPolicy", "CANCEL_PREVIOUS"}});
  EXPECT_EQ(Advance(seconds(15)), 6);
  EXPECT_EQ(Fates(all), (std::vector<std::string>{"FIRED", "BUFFERED", "BUFFERED"}));
  EXPECT_EQ(Fates(cancel), (std::vector<std::string>{"FIRED", "FIRED", "FIRED"}));
  auto cancels = *store_->ListLedger(cancel, "", 10);
  EXPECT_EQ(RunOf(cancels[2]).status, store::RunStatus::kCancelled);
  EXPECT_NE(RunOf(cancels[2]).end_reason.find("CANCEL_PREVIOUS"), std::string::npos);
  EXPECT_EQ(RunOf(cancels[1]).status, store::RunStatus::kCancelled);
  EXPECT_EQ(RunOf(cancels[0]).status, store::RunStatus::kRunning);
  EXPECT_EQ(cancels[0].detail, "cancelled 1 previous run(s)");
  // Buffered runs of BUFFER_ALL run one after another, all of them.
  EXPECT_EQ(RunAllJobs(), 3 * 2 + 2);
  const auto buffered = *store_->ListLedger(all, "", 10);
  for (const auto& row : buffered) {
    EXPECT_EQ(RunOf(row).status, store::RunStatus::kSucceeded);
  }
}

TEST_F(SchedulerTest, WorkflowRunLimitPausesItAndPausedWorkflowsDoNotFire) {
  const std::string id = ActiveWorkflow();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 5},
                {"maxRuns", 2},
                {"startAt", "2026-01-01T00:00:05Z"},
                {"overlapPolicy", "ALLOW"}});
  EXPECT_EQ(Advance(seconds(30)), 2);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"FIRED", "FIRED", "RUN_LIMIT_REACHED"}));
  EXPECT_EQ(store_->GetWorkflow(id)->status, store::EventStatus::kPaused);

  const std::string paused = ActiveWorkflow();
  Schedule(paused, {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"overlapPolicy", "ALLOW"}});
  ASSERT_TRUE(store_->SetWorkflowStatus(paused, store::EventStatus::kPaused, clock_.Now(), {}));
  scheduler_->Refresh(paused);
  EXPECT_EQ(Advance(seconds(10)), 0);
  ASSERT_TRUE(store_->SetWorkflowStatus(paused, store::EventStatus::kActive, clock_.Now(), {}));
  scheduler_->Refresh(paused);
  EXPECT_EQ(Advance(seconds(5)), 1);
  EXPECT_EQ(Fates(paused), (std::vector<std::string>{"PAUSED", "RESUMED", "FIRED"}));
  // A DRAFT workflow's schedule waits until it is ACTIVE; a deleted one's is gone.
  ASSERT_TRUE(store_->DeleteWorkflow(paused, {}));
  scheduler_->Refresh(paused);
  EXPECT_EQ(Advance(seconds(10)), 0);
  EXPECT_EQ(store_->GetSchedule(paused).error().code, ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, AWorkflowThatCannotStartIsRecordedNotRetriedForever) {
  const std::string id = ActiveWorkflow();
  Schedule(id, {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"overlapPolicy", "ALLOW"}});
  // Its graph went bad behind the API's back (a cycle written straight to the store).
  auto w = *store_->GetWorkflow(id);
  w.edges.push_back({.from = "load", .to = "extract", .kind = "ALWAYS"});
  ASSERT_TRUE(store_->UpdateWorkflow(w, {}));
  EXPECT_EQ(Advance(seconds(10)), 0);
  auto ledger = *store_->ListLedger(id, "", 10);
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger[0].fate, "START_FAILED");
  EXPECT_NE(ledger[0].detail.find("cycle"), std::string::npos) << ledger[0].detail;
  EXPECT_EQ(store_->GetSchedule(id)->run_count, 0);
}

TEST_F(SchedulerTest, WorkflowBufferOneCatchingUpBuffersOneRun) {
  const std::string id = ActiveWorkflow();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 60},
                {"startAt", "2026-01-01T00:01:00Z"},
                {"overlapPolicy", "BUFFER_ONE"},
                {"misfirePolicy", "RUN_ALL"},
                {"catchUpWindowSeconds", 3600}});
  // Six occurrences due while the server was down, handled in one pass.
  clock_.Advance(std::chrono::minutes(5) + seconds(90));
  scheduler_ = NewScheduler();
  EXPECT_EQ(*scheduler_->RunDue(clock_.Now()), 2);
  EXPECT_EQ(Fates(id),
            (std::vector<std::string>{"CAUGHT_UP", "BUFFERED", "SKIPPED_OVERLAP", "SKIPPED_OVERLAP",
                                      "SKIPPED_OVERLAP", "SKIPPED_OVERLAP"}));
}

TEST_F(SchedulerTest, HeldWorkflowRunsWithNothingBeforeThemStartAtTheNextOccurrence) {
  const std::string id = ActiveWorkflow();
  Schedule(id, {{"kind", "INTERVAL"},
                {"intervalSeconds", 5},
                {"startAt", "2026-01-01T00:00:05Z"},
                {"overlapPolicy", "BUFFER_ONE"}});
  // A held run that nothing released (its release failed): the next occurrence starts it.
  auto planned = engine_->Plan(*store_->GetWorkflow(id), {.hold = true});
  ASSERT_TRUE(planned);
  ASSERT_TRUE(store_->StartWorkflowRun(planned->run, planned->jobs, {}));
  EXPECT_EQ(Advance(seconds(5)), 1);
  EXPECT_EQ(store_->GetWorkflowRun(planned->run.id)->status, store::RunStatus::kRunning);
  EXPECT_EQ(Fates(id), (std::vector<std::string>{"BUFFERED"}));
}

TEST_F(SchedulerTest, SchedulesDeletedBehindTheSchedulersBackStopWithoutHarmingOthers) {
  const std::string workflow = ActiveWorkflow();
  Schedule(workflow, {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"overlapPolicy", "ALLOW"}});
  const std::string event = ActiveEvent();
  Schedule(event, {{"kind", "INTERVAL"}, {"intervalSeconds", 5}, {"overlapPolicy", "ALLOW"}});
  // Deleted with their user, say: the store drops the schedule, the scheduler is not told.
  ASSERT_TRUE(store_->DeleteWorkflow(workflow, {}));
  EXPECT_EQ(Advance(seconds(10)), 2);  // the event's two; the workflow's steps write nothing
  EXPECT_EQ(Fates(event), (std::vector<std::string>{"FIRED", "FIRED"}));
  EXPECT_TRUE(store_->ListLedger(workflow, "", 10)->empty());
}

}  // namespace
}  // namespace cronium::scheduler

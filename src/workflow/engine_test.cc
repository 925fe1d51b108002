#include "workflow/engine.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::workflow {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using store::NodeRunState;
using store::RunStatus;

// A real SQLite store and queue; the test plays the worker: it claims the queued jobs and
// finishes them with the status, output and condition each event's script would produce.
class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    queue_ = std::make_unique<queue::JobQueue>(*store_, clock_);
    engine_ = std::make_unique<Engine>(*queue_, clock_, EngineOptions{.max_action_depth = 3});
    store_->SetJobEndHook(engine_.get());
  }
  void TearDown() override {
    store_->SetJobEndHook(nullptr);
    queue_->Shutdown();
  }

  store::EventRecord& AddEvent(const std::string& id, int retries = 0,
                               const std::string& owner = "u1") {
    store::EventRecord event;
    event.id = id;
    event.owner_id = owner;
    event.name = id;
    event.status = store::EventStatus::kActive;
    event.retries = retries;
    event.retry_delay_ms = 0;
    event.created_at = event.updated_at = clock_.Now();
    EXPECT_TRUE(store_->InsertEvent(event, {}));
    events_[id] = event;
    return events_[id];
  }

  // A workflow over events named after its nodes ("evt_" + node id).
  store::WorkflowRecord Workflow(const std::vector<std::string>& nodes,
                                 const std::vector<store::WorkflowEdgeRecord>& edges) {
    store::WorkflowRecord w;
    w.id = "wfl_" + std::to_string(++workflow_count_);
    w.owner_id = "u1";
    w.name = "w";
    w.status = store::EventStatus::kActive;
    for (const auto& node : nodes) {
      if (!events_.contains("evt_" + node)) AddEvent("evt_" + node);
      w.nodes.push_back({.id = node, .event_id = "evt_" + node});
    }
    w.edges = edges;
    w.created_at = w.updated_at = clock_.Now();
    EXPECT_TRUE(engine_->Check(w)) << engine_->Check(w).error().message;
    EXPECT_TRUE(store_->InsertWorkflow(w, {}));
    return w;
  }

  struct Outcome {
    RunStatus status = RunStatus::kSucceeded;
    std::optional<std::string> output;
    std::optional<bool> condition;
  };

  // Claims and finishes every runnable job, in claim order, until none is left; returns the
  // node ids (or event ids for plain jobs) in the order they ran, with their inputs.
  std::vector<std::pair<std::string, std::string>> Drain() {
    std::vector<std::pair<std::string, std::string>> ran;
    for (int guard = 0; guard < 1000; ++guard) {
      auto claimed = queue_->Claim("w1", milliseconds(30'000));
      EXPECT_TRUE(claimed);
      if (!claimed || !*claimed) break;
      store::ClaimedJob job = std::move(**claimed);
      EXPECT_TRUE(queue_->MarkRunning(job));
      const std::string name =
          job.job.workflow_node_id.empty() ? job.job.event_id : job.job.workflow_node_id;
      ran.emplace_back(name, job.job.input_json);
      Outcome outcome = outcomes_.contains(name) ? outcomes_[name] : Outcome{};
      store::ExecutionRecord done = job.execution;
      done.status = outcome.status;
      done.output_json = outcome.output;
      done.condition = outcome.condition;
      done.finished_at = clock_.Now();
      EXPECT_TRUE(queue_->Finish(job.job, done, queue::RetryPolicyOf(events_[job.job.event_id])));
    }
    return ran;
  }

  static std::vector<std::string> Names(const std::vector<std::pair<std::string, std::string>>& r) {
    std::vector<std::string> names;
    for (const auto& [name, input] : r) names.push_back(name);
    return names;
  }

  std::map<std::string, NodeRunState> States(const std::string& run_id) {
    std::map<std::string, NodeRunState> states;
    auto run = store_->GetWorkflowRun(run_id);
    EXPECT_TRUE(run);
    if (run) {
      for (const auto& node : run->nodes) states[node.node_id] = node.state;
    }
    return states;
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, store::EventRecord> events_;
  std::map<std::string, Outcome> outcomes_;
  int workflow_count_ = 0;
};

TEST_F(EngineTest, ChainPassesOutputsAlong) {
  auto w = Workflow({"a", "b", "c"}, {{"a", "b", "ON_SUCCESS"}, {"b", "c", "ALWAYS"}});
  outcomes_["a"] = {.output = R"({"n":1,"deep":{"list":[1,2]}})"};
  outcomes_["b"] = {.output = R"({"n":2})"};
  auto run = engine_->Start(w, {.input_json = R"({"start":true})"});
  ASSERT_TRUE(run) << run.error().message;
  auto ran = Drain();
  ASSERT_EQ(Names(ran), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(json::parse(ran[0].second), json::parse(R"({"start":true})"));
  EXPECT_EQ(json::parse(ran[1].second), json::parse(R"({"n":1,"deep":{"list":[1,2]}})"));
  EXPECT_EQ(json::parse(ran[2].second), json::parse(R"({"n":2})"));
  auto record = store_->GetWorkflowRun(*run);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, RunStatus::kSucceeded);
  ASSERT_TRUE(record->finished_at);
  ASSERT_TRUE(record->nodes[0].output_json);
  EXPECT_EQ(json::parse(*record->nodes[0].output_json)["deep"]["list"][1], 2);
  EXPECT_FALSE(record->nodes[2].execution_id.empty());
}

TEST_F(EngineTest, DiamondJoinsOutputsKeyedByNode) {
  auto w = Workflow({"a", "b", "c", "d"}, {{"a", "b", "ALWAYS"},
                                           {"a", "c", "ALWAYS"},
                                           {"b", "d", "ON_SUCCESS"},
                                           {"c", "d", "ON_SUCCESS"}});
  outcomes_["b"] = {.output = R"({"from":"b"})"};
  outcomes_["c"] = {.output = R"([3])"};
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  auto ran = Drain();
  ASSERT_EQ(ran.size(), 4u);
  EXPECT_EQ(ran[3].first, "d");
  EXPECT_EQ(json::parse(ran[3].second), json::parse(R"({"b":{"from":"b"},"c":[3]})"));
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kSucceeded);
}

TEST_F(EngineTest, JoinRunsWithOneSatisfiedEdgeAndGetsThatOutputAlone) {
  auto w = Workflow({"a", "b", "c"}, {{"a", "c", "ON_SUCCESS"}, {"b", "c", "ON_SUCCESS"}});
  outcomes_["a"] = {.output = R"({"from":"a"})"};
  outcomes_["b"] = {.status = RunStatus::kFailed, .output = R"({"from":"b"})"};
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  auto ran = Drain();
  ASSERT_EQ(Names(ran), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(json::parse(ran[2].second), json::parse(R"({"from":"a"})"));
  // b's failure had no edge to handle it.
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kFailed);
}

TEST_F(EngineTest, ConditionBranchesAndSkipsPropagate) {
  auto w = Workflow({"check", "yes", "no", "after_no"}, {{"check", "yes", "ON_CONDITION"},
                                                         {"check", "no", "ON_FAILURE"},
                                                         {"no", "after_no", "ALWAYS"}});
  outcomes_["check"] = {.condition = true};
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"check", "yes"}));
  auto states = States(*run);
  EXPECT_EQ(states["yes"], NodeRunState::kSucceeded);
  EXPECT_EQ(states["no"], NodeRunState::kSkipped);
  EXPECT_EQ(states["after_no"], NodeRunState::kSkipped);
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kSucceeded);

  outcomes_["check"] = {.condition = false};
  auto second = engine_->Start(w, {});
  ASSERT_TRUE(second);
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"check"}));
  states = States(*second);
  EXPECT_EQ(states["yes"], NodeRunState::kSkipped);
  EXPECT_EQ(store_->GetWorkflowRun(*second)->status, RunStatus::kSucceeded);
}

TEST_F(EngineTest, HandledFailureSucceedsUnhandledFails) {
  auto handled = Workflow({"work", "cleanup"}, {{"work", "cleanup", "ON_FAILURE"}});
  outcomes_["work"] = {.status = RunStatus::kFailed};
  auto run = engine_->Start(handled, {});
  ASSERT_TRUE(run);
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"work", "cleanup"}));
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kSucceeded);

  auto unhandled = Workflow({"work", "next"}, {{"work", "next", "ON_SUCCESS"}});
  auto second = engine_->Start(unhandled, {});
  ASSERT_TRUE(second);
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"work"}));
  auto record = store_->GetWorkflowRun(*second);
  EXPECT_EQ(record->status, RunStatus::kFailed);
  EXPECT_NE(record->end_reason.find("node work failed"), std::string::npos) << record->end_reason;
  EXPECT_EQ(States(*second)["next"], NodeRunState::kSkipped);
}

TEST_F(EngineTest, RetriesHappenInsideOneNode) {
  AddEvent("evt_flaky", /*retries=*/2);
  auto w = Workflow({"flaky", "next"}, {{"flaky", "next", "ON_SUCCESS"}});
  outcomes_["flaky"] = {.status = RunStatus::kFailed};
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  auto ran = Drain();
  // Three attempts of one job; the node failed once, after the last.
  EXPECT_EQ(Names(ran), (std::vector<std::string>{"flaky", "flaky", "flaky"}));
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kFailed);
}

TEST_F(EngineTest, CancelStopsEverythingAndFinishesOnceNothingRuns) {
  auto w = Workflow({"a", "b", "c"}, {{"a", "c", "ALWAYS"}, {"b", "c", "ALWAYS"}});
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  // a is running, b still queued.
  auto claimed = queue_->Claim("w1", milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_TRUE(queue_->MarkRunning(**claimed));
  ASSERT_TRUE(engine_->Cancel(*run, "stop", {}));
  auto record = store_->GetWorkflowRun(*run);
  EXPECT_EQ(record->status, RunStatus::kCancelled);
  EXPECT_FALSE(record->finished_at);  // a still runs
  auto states = States(*run);
  EXPECT_EQ(states["b"], NodeRunState::kCancelled);  // cancelled while queued
  EXPECT_EQ(states["c"], NodeRunState::kCancelled);
  // a's worker stops it.
  store::ExecutionRecord done = (*claimed)->execution;
  done.status = RunStatus::kCancelled;
  done.finished_at = clock_.Now();
  ASSERT_TRUE(queue_->Finish((*claimed)->job, done, {}));
  record = store_->GetWorkflowRun(*run);
  EXPECT_TRUE(record->finished_at);
  EXPECT_EQ(States(*run)["a"], NodeRunState::kCancelled);
  EXPECT_TRUE(Drain().empty());
  EXPECT_FALSE(engine_->Cancel(*run, "again", {}));
}

TEST_F(EngineTest, CheckNamesTheProblem) {
  AddEvent("evt_a");
  AddEvent("evt_private", 0, "someone-else");
  store::WorkflowRecord w;
  w.owner_id = "u1";
  w.name = "w";
  w.nodes = {{.id = "a", .event_id = "evt_a"}, {.id = "b", .event_id = "evt_a"}};
  w.edges = {{"a", "b", "ALWAYS"}, {"b", "a", "ALWAYS"}};
  auto checked = engine_->Check(w);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("cycle"), std::string::npos) << checked.error().message;
  w.edges = {{"a", "b", "SOMETIMES"}};
  EXPECT_NE(engine_->Check(w).error().message.find("kind"), std::string::npos);
  w.edges = {{"a", "zz", "ALWAYS"}};
  EXPECT_NE(engine_->Check(w).error().message.find("zz"), std::string::npos);
  w.edges = {};
  w.nodes[1].event_id = "evt_private";
  auto hidden = engine_->Check(w);
  ASSERT_FALSE(hidden);
  EXPECT_NE(hidden.error().message.find("node b: event evt_private not found"), std::string::npos);
  // What counts is the workflow owner's view (admins editing it included): their own pass.
  w.owner_id = "someone-else";
  w.nodes[0].event_id = "evt_private";
  EXPECT_TRUE(engine_->Check(w));
  w.owner_id = "u1";
  w.nodes[1] = {.id = "bad id!", .event_id = "evt_a"};
  EXPECT_NE(engine_->Check(w).error().message.find("bad id!"), std::string::npos);
}

TEST_F(EngineTest, ConditionalActionsFireOnceAfterTheLastRetry) {
  AddEvent("evt_target");
  auto& source = AddEvent("evt_source", /*retries=*/2);
  source.actions = {{.trigger = "ON_FAILURE", .target_event_id = "evt_target"},
                    {.trigger = "ON_SUCCESS", .target_event_id = "evt_target"},
                    {.trigger = "ALWAYS", .target_event_id = "evt_target"}};
  ASSERT_TRUE(store_->UpdateEvent(source, {}));
  outcomes_["evt_source"] = {.status = RunStatus::kFailed, .output = R"({"why":"disk"})"};
  ASSERT_TRUE(queue_->Enqueue(source, {}));
  auto ran = Drain();
  // Three attempts, then ON_FAILURE and ALWAYS once each, with the output as input.
  ASSERT_EQ(Names(ran), (std::vector<std::string>{"evt_source", "evt_source", "evt_source",
                                                  "evt_target", "evt_target"}));
  EXPECT_EQ(json::parse(ran[3].second), json::parse(R"({"why":"disk"})"));
  auto audit = store_->ListAudit({.action = "action.fire"});
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->size(), 2u);
}

TEST_F(EngineTest, MutualTriggersStopAtTheChainLimit) {
  auto& ping = AddEvent("evt_ping");
  auto& pong = AddEvent("evt_pong");
  ping.actions = {{.trigger = "ALWAYS", .target_event_id = "evt_pong"}};
  pong.actions = {{.trigger = "ALWAYS", .target_event_id = "evt_ping"}};
  ASSERT_TRUE(store_->UpdateEvent(ping, {}));
  ASSERT_TRUE(store_->UpdateEvent(pong, {}));
  ASSERT_TRUE(queue_->Enqueue(ping, {}));
  auto ran = Drain();
  // The direct run, then 3 (max_action_depth) chained runs; the 4th is stopped and recorded.
  EXPECT_EQ(Names(ran), (std::vector<std::string>{"evt_ping", "evt_pong", "evt_ping", "evt_pong"}));
  auto stopped = store_->ListAudit({.action = "action.stopped"});
  ASSERT_TRUE(stopped);
  ASSERT_EQ(stopped->size(), 1u);
  EXPECT_NE(stopped->front().details_json.find("deeper than 3"), std::string::npos);
}

TEST_F(EngineTest, SeveralActionsPerEventCannotMultiplyWithoutBound) {
  Engine bounded(*queue_, clock_, EngineOptions{.max_action_depth = 16, .max_action_runs = 10});
  store_->SetJobEndHook(&bounded);
  auto& rabbit = AddEvent("evt_rabbit");
  rabbit.actions = {{.trigger = "ON_SUCCESS", .target_event_id = "evt_rabbit"},
                    {.trigger = "ALWAYS", .target_event_id = "evt_rabbit"}};
  ASSERT_TRUE(store_->UpdateEvent(rabbit, {}));
  ASSERT_TRUE(queue_->Enqueue(rabbit, {}));
  // Unbounded, depth 16 would be 2^17 - 1 runs; the chain stops after 10 started by actions.
  EXPECT_EQ(Drain().size(), 11u);
  auto stopped = store_->ListAudit({.action = "action.stopped", .limit = 200});
  ASSERT_TRUE(stopped);
  ASSERT_FALSE(stopped->empty());
  EXPECT_NE(stopped->front().details_json.find("started 10 runs"), std::string::npos);
  store_->SetJobEndHook(engine_.get());
}

TEST_F(EngineTest, ActionsOfOtherUsersPrivateEventsAreSkipped) {
  AddEvent("evt_theirs", 0, "u2");
  auto& mine = AddEvent("evt_mine");
  mine.actions = {{.trigger = "ALWAYS", .target_event_id = "evt_theirs"}};
  ASSERT_TRUE(store_->UpdateEvent(mine, {}));
  ASSERT_TRUE(queue_->Enqueue(mine, {}));
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"evt_mine"}));
  auto skipped = store_->ListAudit({.action = "action.skipped"});
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->size(), 1u);
}

TEST_F(EngineTest, ArchivedNodeEventFailsTheNodeNotTheEngine) {
  auto w = Workflow({"a", "b"}, {{"a", "b", "ALWAYS"}});
  events_["evt_b"].status = store::EventStatus::kArchived;
  ASSERT_TRUE(store_->UpdateEvent(events_["evt_b"], {}));
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  EXPECT_EQ(Names(Drain()), (std::vector<std::string>{"a"}));
  auto record = store_->GetWorkflowRun(*run);
  EXPECT_EQ(record->status, RunStatus::kFailed);
  EXPECT_NE(record->nodes[1].end_reason.find("archived"), std::string::npos);
}

TEST_F(EngineTest, EventsUsedByAWorkflowCannotBeDeleted) {
  auto w = Workflow({"a"}, {});
  auto deleted = store_->DeleteEvent("evt_a", {});
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(deleted.error().message.find(w.id), std::string::npos);
  ASSERT_TRUE(store_->DeleteWorkflow(w.id, {}));
  EXPECT_TRUE(store_->DeleteEvent("evt_a", {}));
}

TEST_F(EngineTest, AnEventRunningAsANodeCannotBeDeletedFromUnderItsRun) {
  auto w = Workflow({"a"}, {});
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  // Take the event out of the workflow while its node runs: still not deletable.
  AddEvent("evt_b");
  w.nodes = {{.id = "b", .event_id = "evt_b"}};
  ASSERT_TRUE(store_->UpdateWorkflow(w, {}));
  auto deleted = store_->DeleteEvent("evt_a", {});
  ASSERT_FALSE(deleted);
  EXPECT_NE(deleted.error().message.find(*run), std::string::npos) << deleted.error().message;
  ASSERT_TRUE(engine_->Cancel(*run, "stop", {}));
  EXPECT_TRUE(store_->GetWorkflowRun(*run)->finished_at);
  EXPECT_TRUE(store_->DeleteEvent("evt_a", {}));
}

TEST_F(EngineTest, ACancelledRunsNodeIsNotRetried) {
  AddEvent("evt_flaky", /*retries=*/3);
  auto w = Workflow({"flaky"}, {});
  auto run = engine_->Start(w, {});
  ASSERT_TRUE(run);
  auto claimed = queue_->Claim("w1", milliseconds(30'000));
  ASSERT_TRUE(claimed && *claimed);
  ASSERT_TRUE(queue_->MarkRunning(**claimed));
  // The cancel is recorded, then the attempt fails before its worker heard of it: no retry.
  ASSERT_TRUE(store_->CancelWorkflowRun(*run, "stop", clock_.Now(), {}));
  store::ExecutionRecord failed = (*claimed)->execution;
  failed.status = RunStatus::kFailed;
  failed.finished_at = clock_.Now();
  ASSERT_TRUE(queue_->Finish((*claimed)->job, failed, queue::RetryPolicyOf(events_["evt_flaky"])));
  EXPECT_EQ(store_->GetJob((*claimed)->job.id)->status, RunStatus::kFailed);
  EXPECT_TRUE(Drain().empty());
  auto record = store_->GetWorkflowRun(*run);
  EXPECT_EQ(record->status, RunStatus::kCancelled);
  EXPECT_TRUE(record->finished_at);
}

// The run ids of jobs as Drain runs them, one job at a time.
class HeldRunsTest : public EngineTest {
 protected:
  std::vector<std::string> DrainRuns() {
    std::vector<std::string> runs;
    for (int guard = 0; guard < 100; ++guard) {
      auto claimed = queue_->Claim("w1", milliseconds(30'000));
      EXPECT_TRUE(claimed);
      if (!claimed || !*claimed) break;
      store::ClaimedJob job = std::move(**claimed);
      EXPECT_TRUE(queue_->MarkRunning(job));
      runs.push_back(job.job.workflow_run_id);
      // While one of its runs has a node running, every other run of the workflow waits.
      auto active = store_->ActiveWorkflowRuns(store_->GetWorkflowRun(runs.back())->workflow_id);
      for (const auto& other : *active) {
        if (other.id != runs.back()) {
          EXPECT_EQ(other.status, RunStatus::kQueued) << other.id;
        }
      }
      store::ExecutionRecord done = job.execution;
      done.status = RunStatus::kSucceeded;
      done.finished_at = clock_.Now();
      EXPECT_TRUE(queue_->Finish(job.job, done, queue::RetryPolicyOf(events_[job.job.event_id])));
    }
    return runs;
  }
};

TEST_F(HeldRunsTest, HeldRunsStartOneAfterAnotherWhenThePreviousEnds) {
  auto w = Workflow({"a", "b"}, {{"a", "b", "ALWAYS"}});
  auto first = engine_->Start(w, {});
  auto second = engine_->Start(w, {.hold = true});
  auto third = engine_->Start(w, {.hold = true});
  ASSERT_TRUE(first && second && third);
  auto held = store_->GetWorkflowRun(*second);
  EXPECT_EQ(held->status, RunStatus::kQueued);
  EXPECT_FALSE(held->finished_at);
  for (const auto& node : held->nodes) EXPECT_EQ(node.state, NodeRunState::kPending);
  EXPECT_EQ(DrainRuns(),
            (std::vector<std::string>{*first, *first, *second, *second, *third, *third}));
  for (const auto& id : {*first, *second, *third}) {
    EXPECT_EQ(store_->GetWorkflowRun(id)->status, RunStatus::kSucceeded) << id;
  }
  EXPECT_TRUE(store_->ActiveWorkflowRuns(w.id)->empty());
}

TEST_F(HeldRunsTest, AHeldRunStartsAtOnceWhenNothingElseRuns) {
  auto w = Workflow({"a"}, {});
  auto run = engine_->Start(w, {.hold = true});
  ASSERT_TRUE(run);
  EXPECT_EQ(store_->GetWorkflowRun(*run)->status, RunStatus::kRunning);
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{*run}));
}

TEST_F(HeldRunsTest, CancellingHeldOrRunningRunsLetsTheNextStart) {
  auto w = Workflow({"a"}, {});
  auto first = engine_->Start(w, {});
  auto second = engine_->Start(w, {.hold = true});
  auto third = engine_->Start(w, {.hold = true});
  ASSERT_TRUE(first && second && third);
  // A held run cancelled ends at once, every node CANCELLED; it never starts.
  ASSERT_TRUE(engine_->Cancel(*second, "not needed", {}));
  auto cancelled = store_->GetWorkflowRun(*second);
  EXPECT_EQ(cancelled->status, RunStatus::kCancelled);
  EXPECT_TRUE(cancelled->finished_at);
  EXPECT_EQ(cancelled->nodes[0].state, NodeRunState::kCancelled);
  EXPECT_EQ(store_->GetWorkflowRun(*third)->status, RunStatus::kQueued);
  // The running one cancelled (its job still queued): the third starts.
  ASSERT_TRUE(engine_->Cancel(*first, "stop", {}));
  EXPECT_EQ(store_->GetWorkflowRun(*first)->status, RunStatus::kCancelled);
  EXPECT_EQ(store_->GetWorkflowRun(*third)->status, RunStatus::kRunning);
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{*third}));
  EXPECT_EQ(engine_->Cancel(*second, "again", {}).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(HeldRunsTest, AHeldRunLeftBehindByACrashStartsAtStartUp) {
  auto w = Workflow({"a", "b"}, {});
  // Written held, but the process died before releasing it: nothing else is active.
  auto planned = engine_->Plan(w, {.hold = true});
  ASSERT_TRUE(planned);
  ASSERT_TRUE(store_->StartWorkflowRun(planned->run, planned->jobs, {}));
  EXPECT_EQ(store_->GetWorkflowRun(planned->run.id)->status, RunStatus::kQueued);
  ASSERT_TRUE(engine_->ReleaseAllHeld());
  auto run = store_->GetWorkflowRun(planned->run.id);
  EXPECT_EQ(run->status, RunStatus::kRunning);
  EXPECT_EQ(run->nodes[0].state, NodeRunState::kRunning);
  ASSERT_TRUE(engine_->ReleaseAllHeld());  // idempotent: nothing starts twice
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{run->id, run->id}));
  // The store refuses to start a run that is not held, or while another one is active.
  EXPECT_EQ(store_->ActivateWorkflowRun(*planned, {}).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(HeldRunsTest, HeldRunsWhoseStartFailsAtOnceLetTheNextStartHoweverMany) {
  auto w = Workflow({"a"}, {});
  auto first = engine_->Start(w, {});
  ASSERT_TRUE(first);
  std::vector<std::string> held;
  for (int i = 0; i < 40; ++i) {  // more than one job end starts in its own transaction
    auto run = engine_->Start(w, {.hold = true});
    ASSERT_TRUE(run);
    held.push_back(*run);
  }
  // The node's event is archived while they wait: each fails at once when released...
  events_["evt_a"].status = store::EventStatus::kArchived;
  ASSERT_TRUE(store_->UpdateEvent(events_["evt_a"], {}));
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{*first}));
  auto second = store_->GetWorkflowRun(held[0]);
  EXPECT_EQ(second->status, RunStatus::kFailed);
  EXPECT_NE(second->nodes[0].end_reason.find("archived"), std::string::npos);
  // ... and so does every other one: nothing is left waiting.
  for (const auto& id : held) EXPECT_EQ(store_->GetWorkflowRun(id)->status, RunStatus::kFailed);
  EXPECT_TRUE(store_->ActiveWorkflowRuns(w.id)->empty());
}

TEST_F(HeldRunsTest, HeldRunsStillRunWhenTheWorkflowIsPausedAndEndWhenItIsArchived) {
  auto w = Workflow({"a"}, {});
  auto first = engine_->Start(w, {});
  auto second = engine_->Start(w, {.hold = true});
  ASSERT_TRUE(first && second);
  // Pausing stops new occurrences; a run that fired already (held) still runs.
  ASSERT_TRUE(store_->SetWorkflowStatus(w.id, store::EventStatus::kPaused, clock_.Now(), {}));
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{*first, *second}));
  EXPECT_EQ(store_->GetWorkflowRun(*second)->status, RunStatus::kSucceeded);

  // Archived: held runs never start; they end when released (here by the running run's end).
  auto third = engine_->Start(w, {});
  auto fourth = engine_->Start(w, {.hold = true});
  auto fifth = engine_->Start(w, {.hold = true});
  ASSERT_TRUE(third && fourth && fifth);
  ASSERT_TRUE(store_->SetWorkflowStatus(w.id, store::EventStatus::kArchived, clock_.Now(), {}));
  EXPECT_EQ(engine_->Start(*store_->GetWorkflow(w.id), {}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(DrainRuns(), (std::vector<std::string>{*third}));  // it had started already
  for (const auto& id : {*fourth, *fifth}) {
    auto run = store_->GetWorkflowRun(id);
    EXPECT_EQ(run->status, RunStatus::kCancelled) << id;
    EXPECT_TRUE(run->finished_at);
    EXPECT_EQ(run->nodes[0].state, NodeRunState::kCancelled);
    EXPECT_NE(run->end_reason.find("archived"), std::string::npos) << run->end_reason;
  }
}

}  // namespace
}  // namespace cronium::workflow

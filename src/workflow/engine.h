#pragma once

// The workflow engine (issue #8): starts and cancels workflow runs, and, as the store's job-end
// hook, moves a run on when one of its nodes ends and fires the conditional actions of events.
// Both happen inside the transaction that records the job's end, so a crash can neither lose
// nor repeat them: a finished node is never run again and an action fires exactly once.
//
// Data flow: a start node gets the run's input. A node with one satisfied incoming edge gets
// that predecessor's output ({} when it set none); with several, an object keyed by the
// predecessor node ids. A conditional action's target gets the run's output as its input.
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/error.h"
#include "queue/job_queue.h"
#include "store/records.h"
#include "store/store.h"
#include "workflow/graph.h"

namespace cronium::workflow {

struct EngineOptions {
  // A run started by a conditional action of a run started by one ... at most this deep.
  int max_action_depth = 16;
  // Runs conditional actions may start in one chain (everything that follows from one direct
  // run), so that several actions per event cannot multiply without bound.
  int64_t max_action_runs = 256;
  // The input of a node that joins several outputs, in bytes; a larger one fails the node.
  size_t max_input_bytes = 4 << 20;
  size_t max_nodes = 1000;
  // Cancels a node's execution (queued or running). The server passes the worker pool's, which
  // stops a local run at once; by default the queue's, which a run's worker notices at its
  // next heartbeat.
  std::function<Status(const std::string& job_id, const std::string& execution_id,
                       const std::string& reason, const store::Actor& actor)>
      cancel_execution;
};

// The graph of a workflow, and of a run (from its snapshot).
Graph GraphOf(const store::WorkflowRecord& workflow);
std::string GraphJson(const store::WorkflowRecord& workflow);
Result<Graph> GraphFromJson(const std::string& text);

struct StartOptions {
  store::Actor actor;  // who starts it (audited; their id is the run's requested_by)
  std::string trigger = "MANUAL";
  std::string input_json = "{}";  // valid JSON, checked by the caller
  std::string unique_key;         // a schedule occurrence or webhook delivery ("" = none)
  // Held QUEUED, with no node started, until no other run of the workflow is active (the
  // BUFFER overlap policies of schedules); then it starts as if just started.
  bool hold = false;
  // Start: called with the run as it will be written (nodes and jobs); what it returns is
  // written with it (see store::IdempotencyRecord). Unset: nothing.
  std::function<store::IdempotencyRecords(const store::WorkflowRunStart&)> idempotency;
};

class Engine final : public store::JobEndHook {
 public:
  Engine(queue::JobQueue& queue, const Clock& clock, EngineOptions options = {});

  // Checks a workflow before it is saved: its fields, its graph (see Validate) and that every
  // node's event exists and is the workflow owner's or shared (whoever edits it, admins too: a
  // workflow must not reach events its owner cannot run). Errors name the offending node or
  // field.
  Status Check(const store::WorkflowRecord& workflow);

  // Starts a run: every node PENDING, the start nodes' jobs queued. Returns the run's id.
  // kFailedPrecondition for an ARCHIVED workflow; kAlreadyExists for a repeated unique_key or
  // idempotency key.
  Result<std::string> Start(const store::WorkflowRecord& workflow, const StartOptions& options);
  // Start in two halves, for a caller that writes the run in a transaction of its own (the
  // scheduler, with its ledger): Plan builds the run and its jobs; Written, once they are
  // stored, wakes workers and waiters and releases a held run if this one could not start.
  Result<store::WorkflowRunStart> Plan(const store::WorkflowRecord& workflow,
                                       const StartOptions& options);
  void Written(const store::WorkflowRunStart& start);

  // Starts the oldest run of the workflow held QUEUED, if no other run of it is active (runs
  // that end at once let the next start too; an ARCHIVED workflow's held runs are cancelled).
  // Idempotent and safe to race with job ends: the store re-checks both conditions when it writes.
  // ReleaseAllHeld does it for every workflow with a held run (at start-up, after a crash between a
  // run's write and its release).
  Status ReleaseHeld(const std::string& workflow_id);
  Status ReleaseAllHeld();

  // Cancels a running run: nothing else starts and its running nodes' jobs are cancelled.
  // kFailedPrecondition if it already ended.
  Status Cancel(const std::string& run_id, const std::string& reason, const store::Actor& actor);

  // Calls done(true) once the run has finished (no node running), or done(false) after
  // `max_wait` or at shutdown; see JobQueue::WhenFinished. The caller checks first.
  void WhenFinished(const std::string& run_id, std::chrono::milliseconds max_wait,
                    std::function<void(bool finished)> done);

  // store::JobEndHook.
  Result<store::JobEndEffects> OnJobEnd(const store::JobEnd& end,
                                        store::JobEndReads& reads) override;
  void Committed(const store::JobEndEffects& effects) override;

 private:
  using EventLookup = std::function<Result<std::optional<store::EventRecord>>(const std::string&)>;
  using OutputLookup = std::function<Result<std::optional<std::string>>(const std::string&)>;
  using NodeRuns = std::map<std::string, store::WorkflowNodeRun>;

  // Events as the store has them now (outside a job end's transaction).
  EventLookup StoreEvents();

  // Applies Advance until nothing changes: skips, cancels behind cancelled nodes, and queues
  // (or fails at once) the nodes that are ready. Adds what changed to `changed` and the jobs
  // to `jobs`; returns the run's end when it finished.
  Result<std::optional<store::WorkflowRunRecord>> Progress(
      const Graph& graph, const store::WorkflowRunRecord& run, NodeRuns& nodes,
      const EventLookup& event, const OutputLookup& output, TimePoint now,
      std::set<std::string>& changed,
      std::vector<std::pair<store::JobRecord, store::ExecutionRecord>>& jobs);
  Result<std::string> InputOf(const Graph& graph, const std::string& node,
                              const std::map<std::string, NodeResult>& results,
                              const store::WorkflowRunRecord& run, const OutputLookup& output);
  Status AdvanceRun(const store::JobEnd& end, store::JobEndReads& reads,
                    store::JobEndEffects& effects);
  // A held run starts: RUNNING with its start nodes' jobs (or ended at once). Returns whether
  // it ended at once.
  Result<bool> Release(store::WorkflowRunRecord& run, const EventLookup& event, TimePoint now,
                       std::vector<std::pair<store::JobRecord, store::ExecutionRecord>>& jobs);
  // A held run of an archived (or deleted) workflow never starts: it ends CANCELLED.
  static void CancelHeld(store::WorkflowRunRecord& run, TimePoint now);
  // In the job-end hook: the run ended, so held runs of its workflow may start.
  Status ReleaseAfter(const store::WorkflowRunRecord& ended, store::JobEndReads& reads,
                      store::JobEndEffects& effects, TimePoint now);
  Status FireActions(const store::JobEnd& end, store::JobEndReads& reads,
                     store::JobEndEffects& effects);
  // The parsed graph of a run (it never changes), kept for the runs in flight.
  Result<std::shared_ptr<const Graph>> GraphOfRun(const store::WorkflowRunRecord& run);
  void ForgetGraph(const std::string& run_id);

  queue::JobQueue& queue_;
  store::Store& store_;
  const Clock& clock_;
  EngineOptions options_;  // immutable after construction

  static constexpr size_t kCachedGraphs = 64;
  std::mutex graphs_mutex_;
  std::map<std::string, std::shared_ptr<const Graph>> graphs_;  // by run id; guarded
};

}  // namespace cronium::workflow

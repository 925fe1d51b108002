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
  // kFailedPrecondition for an ARCHIVED workflow; kAlreadyExists for a repeated unique_key.
  Result<std::string> Start(const store::WorkflowRecord& workflow, const StartOptions& options);

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

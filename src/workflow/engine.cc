#include "workflow/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/ids.h"
#include "base/utf8.h"

namespace cronium::workflow {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxDescriptionBytes = 10'000;
constexpr size_t kMaxNodeIdChars = 64;
constexpr size_t kMaxLabelChars = 200;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTagChars = 50;
// Held runs started in one go, when each ends at once (its start nodes' events are gone).
constexpr int kMaxReleasesAtOnce = 16;

const store::Actor kReleaseActor{.type = "system", .id = "", .name = "workflow engine"};

// Code points of valid UTF-8: the bytes that do not continue a sequence.
size_t CountCodePoints(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool ValidNodeId(std::string_view id) {
  if (id.empty() || id.size() > kMaxNodeIdChars) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

NodeState StateOf(store::NodeRunState state) {
  switch (state) {
    case store::NodeRunState::kPending:
      return NodeState::kPending;
    case store::NodeRunState::kRunning:
      return NodeState::kRunning;
    case store::NodeRunState::kSucceeded:
      return NodeState::kSucceeded;
    case store::NodeRunState::kFailed:
      return NodeState::kFailed;
    case store::NodeRunState::kSkipped:
      return NodeState::kSkipped;
    case store::NodeRunState::kCancelled:
      return NodeState::kCancelled;
  }
  return NodeState::kFailed;
}

std::map<std::string, NodeResult> ResultsOf(
    const std::map<std::string, store::WorkflowNodeRun>& nodes) {
  std::map<std::string, NodeResult> results;
  for (const auto& [id, node] : nodes) {
    results[id] = NodeResult{.state = StateOf(node.state), .condition = node.condition};
  }
  return results;
}

// The state a node takes from its job's final status.
store::NodeRunState NodeStateOf(store::RunStatus status) {
  switch (status) {
    case store::RunStatus::kSucceeded:
      return store::NodeRunState::kSucceeded;
    case store::RunStatus::kCancelled:
      return store::NodeRunState::kCancelled;
    default:
      return store::NodeRunState::kFailed;
  }
}

bool ActionMatches(const store::EventAction& action, const store::JobRecord& job,
                   const store::ExecutionRecord& execution) {
  if (action.trigger == "ALWAYS") return true;
  if (action.trigger == "ON_SUCCESS") return job.status == store::RunStatus::kSucceeded;
  if (action.trigger == "ON_FAILURE") {
    return job.status == store::RunStatus::kFailed || job.status == store::RunStatus::kTimedOut ||
           job.status == store::RunStatus::kLost;
  }
  if (action.trigger == "ON_CONDITION") return execution.condition == true;
  return false;
}

}  // namespace

Graph GraphOf(const store::WorkflowRecord& workflow) {
  Graph graph;
  for (const auto& node : workflow.nodes) graph.nodes.push_back({node.id, node.event_id});
  for (const auto& edge : workflow.edges) {
    graph.edges.push_back(
        {edge.from, edge.to, ParseEdgeKind(edge.kind).value_or(EdgeKind::kAlways)});
  }
  return graph;
}

std::string GraphJson(const store::WorkflowRecord& workflow) {
  json nodes = json::array();
  for (const auto& node : workflow.nodes) {
    nodes.push_back({{"id", node.id}, {"eventId", node.event_id}});
  }
  json edges = json::array();
  for (const auto& edge : workflow.edges) {
    edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}});
  }
  return json{{"nodes", nodes}, {"edges", edges}}.dump();
}

Result<Graph> GraphFromJson(const std::string& text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("nodes") || !doc["nodes"].is_array() ||
      !doc.contains("edges") || !doc["edges"].is_array()) {
    return Internal("a workflow run's graph is unreadable");
  }
  Graph graph;
  for (const auto& node : doc["nodes"]) {
    graph.nodes.push_back({node.value("id", ""), node.value("eventId", "")});
  }
  for (const auto& edge : doc["edges"]) {
    graph.edges.push_back({edge.value("from", ""), edge.value("to", ""),
                           ParseEdgeKind(edge.value("kind", "")).value_or(EdgeKind::kAlways)});
  }
  return graph;
}

Engine::Engine(queue::JobQueue& queue, const Clock& clock, EngineOptions options)
    : queue_(queue), store_(queue.store()), clock_(clock), options_(std::move(options)) {
  if (!options_.cancel_execution) {
    options_.cancel_execution = [this](const std::string& job_id, const std::string& execution_id,
                                       const std::string& reason,
                                       const store::Actor& actor) -> Status {
      CRONIUM_RETURN_IF_ERROR(queue_.Cancel(job_id, execution_id, reason, actor));
      return OkStatus();
    };
  }
}

Status Engine::Check(const store::WorkflowRecord& workflow) {
  if (workflow.name.empty() || !IsValidUtf8(workflow.name) ||
      CountCodePoints(workflow.name) > kMaxNameChars) {
    return InvalidArgument(fmt::format("name: 1 to {} characters", kMaxNameChars));
  }
  if (workflow.description.size() > kMaxDescriptionBytes || !IsValidUtf8(workflow.description)) {
    return InvalidArgument(
        fmt::format("description: at most {} bytes of UTF-8", kMaxDescriptionBytes));
  }
  if (workflow.tags.size() > kMaxTags) {
    return InvalidArgument(fmt::format("tags: at most {}", kMaxTags));
  }
  for (const auto& tag : workflow.tags) {
    if (tag.empty() || !IsValidUtf8(tag) || CountCodePoints(tag) > kMaxTagChars) {
      return InvalidArgument(fmt::format("tags: each 1 to {} characters", kMaxTagChars));
    }
  }
  if (workflow.trigger != "MANUAL" && workflow.trigger != "SCHEDULE" &&
      workflow.trigger != "WEBHOOK") {
    return InvalidArgument(fmt::format("trigger: '{}' is not one of MANUAL, SCHEDULE, WEBHOOK",
                                       workflow.trigger.substr(0, 32)));
  }
  for (const auto& node : workflow.nodes) {
    if (!ValidNodeId(node.id)) {
      return InvalidArgument(
          fmt::format("node \"{}\": ids are 1 to {} letters, digits, '_', '-' or '.'", node.id,
                      kMaxNodeIdChars));
    }
    if (!IsValidUtf8(node.label) || CountCodePoints(node.label) > kMaxLabelChars) {
      return InvalidArgument(
          fmt::format("node {}: label: at most {} characters", node.id, kMaxLabelChars));
    }
  }
  for (const auto& edge : workflow.edges) {
    if (!ParseEdgeKind(edge.kind)) {
      return InvalidArgument(
          fmt::format("edge {} -> {}: kind must be ALWAYS, ON_SUCCESS, ON_FAILURE or "
                      "ON_CONDITION",
                      edge.from, edge.to));
    }
  }
  CRONIUM_RETURN_IF_ERROR(Validate(GraphOf(workflow), options_.max_nodes));
  std::map<std::string, bool> checked;
  for (const auto& node : workflow.nodes) {
    if (checked.contains(node.event_id)) continue;
    auto event = store_.GetEvent(node.event_id);
    if (!event && event.error().code == ErrorCode::kNotFound) {
      return InvalidArgument(fmt::format("node {}: event {} not found", node.id, node.event_id));
    }
    if (!event) return tl::unexpected(event.error());
    if (event->owner_id != workflow.owner_id && !event->shared) {
      // Someone else's private event: the same answer as for one that does not exist.
      return InvalidArgument(fmt::format("node {}: event {} not found", node.id, node.event_id));
    }
    checked[node.event_id] = true;
  }
  return OkStatus();
}

Engine::EventLookup Engine::StoreEvents() {
  return [this](const std::string& id) -> Result<std::optional<store::EventRecord>> {
    auto found = store_.GetEvent(id);
    if (!found && found.error().code == ErrorCode::kNotFound) {
      return std::optional<store::EventRecord>();
    }
    if (!found) return tl::unexpected(found.error());
    return std::optional<store::EventRecord>(std::move(*found));
  };
}

Result<std::string> Engine::Start(const store::WorkflowRecord& workflow,
                                  const StartOptions& options) {
  CRONIUM_ASSIGN_OR_RETURN(auto start, Plan(workflow, options));
  CRONIUM_RETURN_IF_ERROR(store_.StartWorkflowRun(
      start.run, start.jobs,
      store::MakeAudit(options.actor, start.run.created_at, "workflow.run", "workflow_execution",
                       start.run.id,
                       json{{"workflowId", workflow.id}, {"trigger", options.trigger}}.dump()),
      options.idempotency ? options.idempotency(start) : store::IdempotencyRecords()));
  Written(start);
  return start.run.id;
}

Result<store::WorkflowRunStart> Engine::Plan(const store::WorkflowRecord& workflow,
                                             const StartOptions& options) {
  if (workflow.status == store::EventStatus::kArchived) {
    return FailedPrecondition("the workflow is archived; set it ACTIVE or PAUSED to run it");
  }
  const TimePoint now = clock_.Now();
  const Graph graph = GraphOf(workflow);
  CRONIUM_RETURN_IF_ERROR(Validate(graph, options_.max_nodes));
  store::WorkflowRunStart start;
  store::WorkflowRunRecord& run = start.run;
  run.id = NewId("wfr", now);
  run.workflow_id = workflow.id;
  run.owner_id = workflow.owner_id;
  run.status = options.hold ? store::RunStatus::kQueued : store::RunStatus::kRunning;
  run.trigger = options.trigger;
  run.requested_by = options.actor.id;
  run.input_json = options.input_json;
  run.graph_json = GraphJson(workflow);
  run.unique_key = options.unique_key;
  run.created_at = now;
  NodeRuns nodes;
  for (const auto& node : workflow.nodes) {
    nodes[node.id] = store::WorkflowNodeRun{.node_id = node.id, .event_id = node.event_id};
  }
  if (!options.hold) {
    const EventLookup event = StoreEvents();
    const OutputLookup no_output = [](const std::string&) -> Result<std::optional<std::string>> {
      return std::optional<std::string>();
    };
    std::set<std::string> changed;  // every node is written at the start anyway
    CRONIUM_ASSIGN_OR_RETURN(
        auto end, Progress(graph, run, nodes, event, no_output, now, changed, start.jobs));
    if (end) {  // every start node failed at once (its event is archived...)
      run.status = end->status;
      run.end_reason = end->end_reason;
      run.finished_at = end->finished_at;
    }
  }
  for (const auto& node : workflow.nodes) run.nodes.push_back(nodes[node.id]);
  return start;
}

void Engine::Written(const store::WorkflowRunStart& start) {
  if (!start.jobs.empty()) queue_.Wake();
  if (start.run.finished_at) queue_.NotifyFinished(start.run.id);
  // A held run starts once nothing else runs, which may already be the case (the run it was
  // held behind ended between the check and the write); one that ended at once frees the way.
  if (start.run.finished_at || start.run.status == store::RunStatus::kQueued) {
    if (Status released = ReleaseHeld(start.run.workflow_id); !released) {
      spdlog::warn("workflow {}: cannot start a held run: {}", start.run.workflow_id,
                   released.error().message);
    }
  }
}

Result<bool> Engine::Release(
    store::WorkflowRunRecord& run, const EventLookup& event, TimePoint now,
    std::vector<std::pair<store::JobRecord, store::ExecutionRecord>>& jobs) {
  CRONIUM_ASSIGN_OR_RETURN(const auto graph, GraphOfRun(run));
  NodeRuns nodes;
  for (const auto& node : run.nodes) nodes[node.node_id] = node;
  run.status = store::RunStatus::kRunning;
  const OutputLookup no_output = [](const std::string&) -> Result<std::optional<std::string>> {
    return std::optional<std::string>();
  };
  std::set<std::string> changed;
  CRONIUM_ASSIGN_OR_RETURN(auto end,
                           Progress(*graph, run, nodes, event, no_output, now, changed, jobs));
  for (auto& node : run.nodes) node = nodes[node.node_id];
  if (!end) return false;
  run.status = end->status;
  run.end_reason = end->end_reason;
  run.finished_at = end->finished_at;
  ForgetGraph(run.id);
  return true;
}

Status Engine::ReleaseHeld(const std::string& workflow_id) {
  // Each pass starts one run (or cancels one, for an archived workflow); the next pass only
  // when that one ended at once. Bounded by the held runs: each pass ends one or returns.
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(auto active, store_.ActiveWorkflowRuns(workflow_id));
    const store::WorkflowRunRecord* held = nullptr;
    for (const auto& run : active) {
      if (run.status != store::RunStatus::kQueued) return OkStatus();  // one still runs
      if (held == nullptr) held = &run;
    }
    if (held == nullptr) return OkStatus();
    auto workflow = store_.GetWorkflow(workflow_id);
    if (!workflow && workflow.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(workflow.error());
    }
    // Gone or archived: its held runs never start. (Pausing stops new occurrences; runs that
    // fired already, held ones too, still run: the schedule pauses its workflow itself once
    // maxRuns fired, and the last of them may be held.)
    const bool archived = !workflow || workflow->status == store::EventStatus::kArchived;
    CRONIUM_ASSIGN_OR_RETURN(auto run, store_.GetWorkflowRun(held->id));
    const EventLookup event = StoreEvents();
    store::WorkflowRunStart start;
    const TimePoint now = clock_.Now();
    bool ended = true;
    if (archived) {
      CancelHeld(run, now);
    } else {
      CRONIUM_ASSIGN_OR_RETURN(ended, Release(run, event, now, start.jobs));
    }
    start.run = std::move(run);
    Status activated = store_.ActivateWorkflowRun(
        start,
        store::MakeAudit(
            kReleaseActor, now, "workflow.release", "workflow_execution", start.run.id,
            json{{"workflowId", workflow_id}, {"status", ToString(start.run.status)}}.dump()));
    if (!activated && activated.error().code == ErrorCode::kFailedPrecondition) {
      ForgetGraph(start.run.id);
      return OkStatus();  // another run started meanwhile, or a job end released this one
    }
    CRONIUM_RETURN_IF_ERROR(activated);
    if (!start.jobs.empty()) queue_.Wake();
    if (!ended) return OkStatus();
    queue_.NotifyFinished(start.run.id);
  }
}

void Engine::CancelHeld(store::WorkflowRunRecord& run, TimePoint now) {
  const std::string reason = "the workflow was archived before this run could start";
  run.status = store::RunStatus::kCancelled;
  run.cancel_reason = run.end_reason = reason;
  run.finished_at = now;
  for (auto& node : run.nodes) {
    node.state = store::NodeRunState::kCancelled;
    node.end_reason = reason;
    node.finished_at = now;
  }
}

Status Engine::ReleaseAllHeld() {
  CRONIUM_ASSIGN_OR_RETURN(auto active, store_.ActiveWorkflowRuns(""));
  std::set<std::string> workflows;
  for (const auto& run : active) {
    if (run.status == store::RunStatus::kQueued) workflows.insert(run.workflow_id);
  }
  for (const std::string& id : workflows) CRONIUM_RETURN_IF_ERROR(ReleaseHeld(id));
  return OkStatus();
}

Status Engine::ReleaseAfter(const store::WorkflowRunRecord& ended, store::JobEndReads& reads,
                            store::JobEndEffects& effects, TimePoint now) {
  CRONIUM_ASSIGN_OR_RETURN(auto status, reads.WorkflowStatus(ended.workflow_id));
  const bool archived = !status.has_value() || status == store::EventStatus::kArchived;
  CRONIUM_ASSIGN_OR_RETURN(auto held,
                           reads.HeldRuns(ended.workflow_id, ended.id, kMaxReleasesAtOnce));
  const EventLookup event = [&reads](const std::string& id) { return reads.Event(id); };
  for (store::WorkflowRunRecord& run : held) {
    bool ended_at_once = true;
    if (archived) {
      CancelHeld(run, now);
    } else {
      CRONIUM_ASSIGN_OR_RETURN(ended_at_once, Release(run, event, now, effects.jobs));
    }
    effects.audit.push_back(store::MakeAudit(
        kReleaseActor, now, "workflow.release", "workflow_execution", run.id,
        json{{"workflowId", run.workflow_id}, {"status", ToString(run.status)}}.dump()));
    effects.released.push_back(std::move(run));
    if (!ended_at_once) break;
  }
  return OkStatus();
}

Status Engine::Cancel(const std::string& run_id, const std::string& reason,
                      const store::Actor& actor) {
  const TimePoint now = clock_.Now();
  CRONIUM_ASSIGN_OR_RETURN(
      auto jobs,
      store_.CancelWorkflowRun(run_id, reason, now,
                               store::MakeAudit(actor, now, "workflow.cancel", "workflow_execution",
                                                run_id, json{{"reason", reason}}.dump())));
  if (jobs.empty()) {
    // It ended now: a run held behind it may start.
    queue_.NotifyFinished(run_id);
    if (auto run = store_.GetWorkflowRun(run_id)) {
      if (Status released = ReleaseHeld(run->workflow_id); !released) {
        spdlog::warn("workflow {}: cannot start a held run: {}", run->workflow_id,
                     released.error().message);
      }
    }
  }
  for (const store::JobRecord& job : jobs) {
    auto cancelled = options_.cancel_execution(job.id, job.current_execution_id, reason, actor);
    // A job that ended meanwhile is fine: its end was recorded with the run cancelled.
    if (!cancelled && cancelled.error().code != ErrorCode::kFailedPrecondition) {
      spdlog::warn("cancelling job {} of workflow run {}: {}", job.id, run_id,
                   cancelled.error().message);
    }
  }
  return OkStatus();
}

void Engine::WhenFinished(const std::string& run_id, std::chrono::milliseconds max_wait,
                          std::function<void(bool finished)> done) {
  queue_.WhenFinished(run_id, max_wait, std::move(done));
}

Result<std::string> Engine::InputOf(const Graph& graph, const std::string& node,
                                    const std::map<std::string, NodeResult>& results,
                                    const store::WorkflowRunRecord& run,
                                    const OutputLookup& output) {
  bool start = true;
  for (const Edge& edge : graph.edges) {
    if (edge.to == node) start = false;
  }
  if (start) return run.input_json;
  const std::vector<std::string> from = SatisfiedPredecessors(graph, node, results);
  if (from.size() == 1) {
    CRONIUM_ASSIGN_OR_RETURN(auto text, output(from[0]));
    return text ? *text : std::string("{}");
  }
  std::string joined = "{";
  for (const std::string& id : from) {
    CRONIUM_ASSIGN_OR_RETURN(auto text, output(id));
    if (joined.size() > 1) joined += ',';
    joined += json(id).dump();
    joined += ':';
    joined += text ? *text : std::string("null");
    if (joined.size() > options_.max_input_bytes) {
      return ResourceExhausted(fmt::format("the outputs of its {} predecessors exceed {} bytes",
                                           from.size(), options_.max_input_bytes));
    }
  }
  joined += '}';
  return joined;
}

Result<std::optional<store::WorkflowRunRecord>> Engine::Progress(
    const Graph& graph, const store::WorkflowRunRecord& run, NodeRuns& nodes,
    const EventLookup& event, const OutputLookup& output, TimePoint now,
    std::set<std::string>& changed,
    std::vector<std::pair<store::JobRecord, store::ExecutionRecord>>& jobs) {
  auto end_node = [&](store::WorkflowNodeRun& node, store::NodeRunState state, std::string reason) {
    node.state = state;
    node.end_reason = std::move(reason);
    node.finished_at = now;
    changed.insert(node.node_id);
  };
  // One Settle decides everything that can be decided; another pass is needed only when a
  // ready node failed at once (its event is gone or archived), which may decide more.
  for (size_t pass = 0; pass <= graph.nodes.size(); ++pass) {
    auto results = ResultsOf(nodes);
    const Settled settled = Settle(graph, results);
    for (const std::string& id : settled.cancel) {
      end_node(nodes[id], store::NodeRunState::kCancelled, "an upstream node was cancelled");
    }
    for (const std::string& id : settled.skip) {
      end_node(nodes[id], store::NodeRunState::kSkipped, "no incoming edge was satisfied");
    }
    bool failed_at_once = false;
    for (const std::string& id : settled.run) {
      store::WorkflowNodeRun& node = nodes[id];
      auto fail = [&](std::string reason) {
        end_node(node, store::NodeRunState::kFailed, std::move(reason));
        failed_at_once = true;
      };
      CRONIUM_ASSIGN_OR_RETURN(auto found, event(node.event_id));
      if (!found) {
        fail(fmt::format("its event {} no longer exists", node.event_id));
        continue;
      }
      if (found->status == store::EventStatus::kArchived) {
        fail(fmt::format("its event {} is archived", node.event_id));
        continue;
      }
      // Checked when the workflow was saved, and again now: the event may have been unshared.
      if (found->owner_id != run.owner_id && !found->shared) {
        fail(fmt::format("its event {} is no longer shared with the workflow's owner",
                         node.event_id));
        continue;
      }
      auto input = InputOf(graph, id, results, run, output);
      if (!input && input.error().code == ErrorCode::kResourceExhausted) {
        fail("input too large: " + input.error().message);
        continue;
      }
      if (!input) return tl::unexpected(input.error());
      queue::JobParams params = queue::ParamsFor(*found);
      params.trigger = "WORKFLOW";
      params.requested_by = run.requested_by;
      params.input_json = std::move(*input);
      params.workflow_run_id = run.id;
      params.workflow_node_id = id;
      auto [job, execution] = queue::NewJob(params, now);
      node.state = store::NodeRunState::kRunning;
      node.job_id = job.id;
      node.execution_id = execution.id;
      node.started_at = now;
      changed.insert(id);
      jobs.emplace_back(std::move(job), std::move(execution));
    }
    if (!failed_at_once) break;
  }
  const auto results = ResultsOf(nodes);
  if (!Finished(graph, results)) return std::optional<store::WorkflowRunRecord>();
  store::WorkflowRunRecord end = run;
  end.finished_at = now;
  bool cancelled = run.status == store::RunStatus::kCancelled;
  for (const auto& [id, node] : nodes) {
    if (node.state == store::NodeRunState::kCancelled) cancelled = true;
  }
  if (cancelled) {
    end.status = store::RunStatus::kCancelled;
    if (end.end_reason.empty()) end.end_reason = "a node was cancelled";
  } else if (const auto failed = UnhandledFailures(graph, results); !failed.empty()) {
    end.status = store::RunStatus::kFailed;
    end.end_reason = fmt::format("{} {} failed without an ON_FAILURE or ALWAYS edge to handle it",
                                 failed.size() == 1 ? "node" : "nodes", fmt::join(failed, ", "));
  } else {
    end.status = store::RunStatus::kSucceeded;
    end.end_reason.clear();
  }
  return std::optional<store::WorkflowRunRecord>(std::move(end));
}

Status Engine::AdvanceRun(const store::JobEnd& end, store::JobEndReads& reads,
                          store::JobEndEffects& effects) {
  const store::WorkflowRunRecord& run = *end.run;
  NodeRuns nodes;
  for (const auto& node : run.nodes) nodes[node.node_id] = node;
  auto it = nodes.find(end.job.workflow_node_id);
  // Only the node's own job, once: anything else is stale and changes nothing.
  if (it == nodes.end() || it->second.job_id != end.job.id ||
      it->second.state != store::NodeRunState::kRunning) {
    return OkStatus();
  }
  store::WorkflowNodeRun& node = it->second;
  node.state = NodeStateOf(end.job.status);
  node.execution_id = end.execution.id;
  node.output_json = end.execution.output_json;
  node.condition = end.execution.condition;
  node.end_reason = end.execution.end_reason;
  node.finished_at = end.execution.finished_at.value_or(end.now);
  std::set<std::string> changed{node.node_id};
  const std::string ended_node = node.node_id;
  const std::string ended_output = node.output_json.value_or("");
  const bool ended_has_output = node.output_json.has_value();

  if (run.status != store::RunStatus::kRunning) {
    // Cancelled: record the node; the run is finished once nothing runs.
    effects.nodes.push_back(node);
    const bool running = std::any_of(nodes.begin(), nodes.end(), [](const auto& entry) {
      return entry.second.state == store::NodeRunState::kRunning;
    });
    if (!running && !run.finished_at) {
      store::WorkflowRunRecord finished = run;
      finished.finished_at = end.now;
      effects.run = std::move(finished);
    }
    return OkStatus();
  }
  CRONIUM_ASSIGN_OR_RETURN(const auto cached, GraphOfRun(run));
  const Graph& graph = *cached;
  const EventLookup event = [&reads](const std::string& id) { return reads.Event(id); };
  // The node that just ended has not been written yet: its output comes from here.
  const OutputLookup output = [&](const std::string& id) -> Result<std::optional<std::string>> {
    if (id == ended_node) {
      return ended_has_output ? std::optional<std::string>(ended_output)
                              : std::optional<std::string>();
    }
    return reads.NodeOutput(run.id, id);
  };
  CRONIUM_ASSIGN_OR_RETURN(
      auto finished, Progress(graph, run, nodes, event, output, end.now, changed, effects.jobs));
  for (const std::string& id : changed) effects.nodes.push_back(nodes[id]);
  if (finished) {
    effects.run = std::move(*finished);
    ForgetGraph(run.id);  // were this end rolled back, the graph is parsed again
  }
  return OkStatus();
}

Result<std::shared_ptr<const Graph>> Engine::GraphOfRun(const store::WorkflowRunRecord& run) {
  {
    std::lock_guard lock(graphs_mutex_);
    if (auto found = graphs_.find(run.id); found != graphs_.end()) return found->second;
  }
  CRONIUM_ASSIGN_OR_RETURN(Graph parsed, GraphFromJson(run.graph_json));
  auto graph = std::make_shared<const Graph>(std::move(parsed));
  std::lock_guard lock(graphs_mutex_);
  // Ids are time-ordered: the first entry is the oldest run.
  if (graphs_.size() >= kCachedGraphs) graphs_.erase(graphs_.begin());
  graphs_.emplace(run.id, graph);
  return graph;
}

void Engine::ForgetGraph(const std::string& run_id) {
  std::lock_guard lock(graphs_mutex_);
  graphs_.erase(run_id);
}

Status Engine::FireActions(const store::JobEnd& end, store::JobEndReads& reads,
                           store::JobEndEffects& effects) {
  // Most events have none: then nothing more is read.
  if (end.actions.empty()) return OkStatus();
  CRONIUM_ASSIGN_OR_RETURN(auto source, reads.Event(end.job.event_id));
  if (!source) return OkStatus();
  const store::Actor system{.type = "system", .id = "", .name = "conditional action"};
  for (size_t i = 0; i < end.actions.size(); ++i) {
    const store::EventAction& action = end.actions[i];
    if (!ActionMatches(action, end.job, end.execution)) continue;
    json details{{"eventId", source->id},
                 {"executionId", end.execution.id},
                 {"action", i},
                 {"trigger", action.trigger},
                 {"targetEventId", action.target_event_id}};
    const int depth = end.job.chain_depth + 1;
    if (depth > options_.max_action_depth) {
      details["reason"] = fmt::format("the chain of conditional actions is deeper than {}; stopped",
                                      options_.max_action_depth);
      auto audit = store::MakeAudit(system, end.now, "action.stopped", "execution",
                                    end.execution.id, details.dump());
      audit.outcome = "failure";
      effects.audit.push_back(std::move(audit));
      spdlog::warn("conditional action {} of event {} not started: chain deeper than {}", i,
                   source->id, options_.max_action_depth);
      continue;
    }
    const std::string root = end.job.chain_root.empty() ? end.execution.id : end.job.chain_root;
    CRONIUM_ASSIGN_OR_RETURN(int64_t chain_size, reads.ChainSize(root));
    for (const auto& pending : effects.jobs) chain_size += pending.first.chain_root == root;
    if (chain_size >= options_.max_action_runs) {
      details["reason"] =
          fmt::format("the chain of conditional actions started {} runs already; stopped",
                      options_.max_action_runs);
      auto audit = store::MakeAudit(system, end.now, "action.stopped", "execution",
                                    end.execution.id, details.dump());
      audit.outcome = "failure";
      effects.audit.push_back(std::move(audit));
      continue;
    }
    CRONIUM_ASSIGN_OR_RETURN(auto target, reads.Event(action.target_event_id));
    std::string refused;
    if (!target || (target->owner_id != source->owner_id && !target->shared)) {
      refused = fmt::format("event {} not found", action.target_event_id);
    } else if (target->status == store::EventStatus::kArchived) {
      refused = fmt::format("event {} is archived", action.target_event_id);
    }
    if (!refused.empty()) {
      details["reason"] = refused;
      auto audit = store::MakeAudit(system, end.now, "action.skipped", "execution",
                                    end.execution.id, details.dump());
      audit.outcome = "failure";
      effects.audit.push_back(std::move(audit));
      continue;
    }
    queue::JobParams params = queue::ParamsFor(*target);
    params.trigger = "ACTION";
    params.requested_by = end.job.requested_by;
    params.input_json = end.execution.output_json.value_or("{}");
    params.caused_by = end.execution.id;
    params.chain_depth = depth;
    params.chain_root = root;
    auto [job, execution] = queue::NewJob(params, end.now);
    details["startedExecutionId"] = execution.id;
    effects.audit.push_back(store::MakeAudit(system, end.now, "action.fire", "execution",
                                             end.execution.id, details.dump()));
    effects.jobs.emplace_back(std::move(job), std::move(execution));
  }
  return OkStatus();
}

Result<store::JobEndEffects> Engine::OnJobEnd(const store::JobEnd& end, store::JobEndReads& reads) {
  store::JobEndEffects effects;
  if (end.run != nullptr) {
    CRONIUM_RETURN_IF_ERROR(AdvanceRun(end, reads, effects));
    if (effects.run && effects.run->finished_at) {
      CRONIUM_RETURN_IF_ERROR(ReleaseAfter(*end.run, reads, effects, end.now));
    }
  }
  CRONIUM_RETURN_IF_ERROR(FireActions(end, reads, effects));
  return effects;
}

void Engine::Committed(const store::JobEndEffects& effects) {
  if (!effects.jobs.empty()) queue_.Wake();
  if (effects.run && effects.run->finished_at) queue_.NotifyFinished(effects.run->id);
  for (const auto& run : effects.released) {
    if (run.finished_at) queue_.NotifyFinished(run.id);
  }
  // One transaction starts a bounded number of held runs; when all of those ended at once
  // (their events archived, their workflow archived), the rest go on here.
  if (!effects.released.empty() && effects.released.back().finished_at) {
    const std::string& workflow_id = effects.released.back().workflow_id;
    if (Status released = ReleaseHeld(workflow_id); !released) {
      spdlog::warn("workflow {}: cannot start a held run: {}", workflow_id,
                   released.error().message);
    }
  }
}

}  // namespace cronium::workflow

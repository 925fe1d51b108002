#include "workflow/graph.h"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

namespace cronium::workflow {
namespace {

NodeResult ResultOf(const std::map<std::string, NodeResult>& results, const std::string& id) {
  const auto found = results.find(id);
  return found == results.end() ? NodeResult{} : found->second;
}

bool Ended(NodeState state) {
  return state == NodeState::kSucceeded || state == NodeState::kFailed ||
         state == NodeState::kSkipped || state == NodeState::kCancelled;
}

// The edges into and out of each node (by node index), for linear-time passes.
struct Index {
  std::unordered_map<std::string, size_t> position;
  std::vector<std::vector<size_t>> incoming;  // edge indices
  std::vector<std::vector<size_t>> outgoing;

  explicit Index(const Graph& graph) : incoming(graph.nodes.size()), outgoing(graph.nodes.size()) {
    position.reserve(graph.nodes.size());
    for (size_t n = 0; n < graph.nodes.size(); ++n) position.emplace(graph.nodes[n].id, n);
    for (size_t e = 0; e < graph.edges.size(); ++e) {
      const auto from = position.find(graph.edges[e].from);
      const auto to = position.find(graph.edges[e].to);
      if (from == position.end() || to == position.end()) continue;  // not validated
      outgoing[from->second].push_back(e);
      incoming[to->second].push_back(e);
    }
  }
};

}  // namespace

std::string_view ToString(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kAlways:
      return "ALWAYS";
    case EdgeKind::kOnSuccess:
      return "ON_SUCCESS";
    case EdgeKind::kOnFailure:
      return "ON_FAILURE";
    case EdgeKind::kOnCondition:
      return "ON_CONDITION";
  }
  return "ALWAYS";
}

std::optional<EdgeKind> ParseEdgeKind(std::string_view text) {
  for (EdgeKind kind :
       {EdgeKind::kAlways, EdgeKind::kOnSuccess, EdgeKind::kOnFailure, EdgeKind::kOnCondition}) {
    if (text == ToString(kind)) return kind;
  }
  return std::nullopt;
}

Status Validate(const Graph& graph, size_t max_nodes) {
  if (graph.nodes.empty()) return InvalidArgument("nodes: a workflow needs at least one node");
  if (graph.nodes.size() > max_nodes) {
    return InvalidArgument(
        fmt::format("nodes: {} nodes; the limit is {}", graph.nodes.size(), max_nodes));
  }
  std::unordered_map<std::string, size_t> index;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (node.id.empty()) return InvalidArgument(fmt::format("nodes[{}]: id is empty", n));
    if (node.event_id.empty()) {
      return InvalidArgument(fmt::format("node {}: eventId is required", node.id));
    }
    if (!index.emplace(node.id, n).second) {
      return InvalidArgument(fmt::format("node {}: the id is used twice", node.id));
    }
  }
  std::vector<std::vector<size_t>> out(graph.nodes.size());
  std::set<std::pair<std::string, std::string>> pairs;
  for (const Edge& edge : graph.edges) {
    const auto from = index.find(edge.from);
    const auto to = index.find(edge.to);
    if (from == index.end() || to == index.end()) {
      return InvalidArgument(fmt::format("edge {} -> {}: node {} is not in this workflow",
                                         edge.from, edge.to,
                                         from == index.end() ? edge.from : edge.to));
    }
    if (edge.from == edge.to) {
      return InvalidArgument(
          fmt::format("edge {} -> {}: a node cannot follow itself", edge.from, edge.to));
    }
    if (!pairs.emplace(edge.from, edge.to).second) {
      return InvalidArgument(
          fmt::format("edge {} -> {}: at most one edge per pair of nodes (combine them: ALWAYS)",
                      edge.from, edge.to));
    }
    out[from->second].push_back(to->second);
  }
  // A depth-first search that names the cycle it finds.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(graph.nodes.size(), Mark::kNew);
  std::vector<size_t> path;
  for (size_t start = 0; start < graph.nodes.size(); ++start) {
    if (mark[start] != Mark::kNew) continue;
    std::vector<std::pair<size_t, size_t>> stack{{start, 0}};  // node, next child
    mark[start] = Mark::kOnPath;
    path.push_back(start);
    while (!stack.empty()) {
      auto& [node, child] = stack.back();
      if (child == out[node].size()) {
        mark[node] = Mark::kDone;
        path.pop_back();
        stack.pop_back();
        continue;
      }
      const size_t next = out[node][child++];
      if (mark[next] == Mark::kOnPath) {
        std::string cycle;
        bool in_cycle = false;
        for (size_t on_path : path) {
          if (on_path == next) in_cycle = true;
          if (in_cycle) cycle += graph.nodes[on_path].id + " -> ";
        }
        return InvalidArgument("edges: a cycle: " + cycle + graph.nodes[next].id);
      }
      if (mark[next] == Mark::kNew) {
        mark[next] = Mark::kOnPath;
        path.push_back(next);
        stack.emplace_back(next, 0);
      }
    }
  }
  return OkStatus();
}

bool Satisfied(const Edge& edge, const NodeResult& source) {
  switch (source.state) {
    case NodeState::kSucceeded:
      return edge.kind == EdgeKind::kAlways || edge.kind == EdgeKind::kOnSuccess ||
             (edge.kind == EdgeKind::kOnCondition && source.condition == true);
    case NodeState::kFailed:
      return edge.kind == EdgeKind::kAlways || edge.kind == EdgeKind::kOnFailure ||
             (edge.kind == EdgeKind::kOnCondition && source.condition == true);
    default:
      return false;  // not finished, skipped or cancelled
  }
}

Step Advance(const Graph& graph, const std::map<std::string, NodeResult>& results) {
  const Index index(graph);
  Step step;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (ResultOf(results, node.id).state != NodeState::kPending) continue;
    bool decided = true;
    bool satisfied = false;
    bool cancelled = false;
    for (size_t e : index.incoming[n]) {
      const Edge& edge = graph.edges[e];
      const NodeResult source = ResultOf(results, edge.from);
      if (source.state == NodeState::kCancelled) cancelled = true;
      if (!Ended(source.state)) {
        decided = false;
        break;
      }
      satisfied = satisfied || Satisfied(edge, source);
    }
    if (index.incoming[n].empty()) {
      step.run.push_back(node.id);
    } else if (decided && !cancelled) {
      (satisfied ? step.run : step.skip).push_back(node.id);
    }
  }
  return step;
}

Settled Settle(const Graph& graph, std::map<std::string, NodeResult>& results) {
  const Index index(graph);
  // Kahn's order over the validated (acyclic) graph.
  std::vector<size_t> waiting(graph.nodes.size());
  std::vector<size_t> order;
  order.reserve(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    waiting[n] = index.incoming[n].size();
    if (waiting[n] == 0) order.push_back(n);
  }
  for (size_t k = 0; k < order.size(); ++k) {
    for (size_t e : index.outgoing[order[k]]) {
      const size_t to = index.position.at(graph.edges[e].to);
      if (--waiting[to] == 0) order.push_back(to);
    }
  }
  Settled settled;
  for (size_t n : order) {
    const Node& node = graph.nodes[n];
    NodeResult& result = results[node.id];
    if (result.state != NodeState::kPending) continue;
    if (index.incoming[n].empty()) {
      result.state = NodeState::kRunning;
      settled.run.push_back(node.id);
      continue;
    }
    bool decided = true;
    bool satisfied = false;
    bool cancelled = false;
    for (size_t e : index.incoming[n]) {
      const Edge& edge = graph.edges[e];
      const NodeResult& source = results[edge.from];
      if (source.state == NodeState::kCancelled) cancelled = true;
      if (!Ended(source.state)) decided = false;
      satisfied = satisfied || Satisfied(edge, source);
    }
    if (cancelled) {
      result.state = NodeState::kCancelled;
      settled.cancel.push_back(node.id);
    } else if (decided) {
      result.state = satisfied ? NodeState::kRunning : NodeState::kSkipped;
      (satisfied ? settled.run : settled.skip).push_back(node.id);
    }
  }
  return settled;
}

std::vector<std::string> SatisfiedPredecessors(const Graph& graph, const std::string& node,
                                               const std::map<std::string, NodeResult>& results) {
  std::vector<std::string> out;
  for (const Edge& edge : graph.edges) {
    if (edge.to == node && Satisfied(edge, ResultOf(results, edge.from))) out.push_back(edge.from);
  }
  return out;
}

bool Finished(const Graph& graph, const std::map<std::string, NodeResult>& results) {
  const Index index(graph);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const NodeState state = ResultOf(results, graph.nodes[n].id).state;
    if (state == NodeState::kRunning) return false;
    if (state != NodeState::kPending) continue;
    // A pending node behind a cancelled one never runs.
    bool blocked = false;
    for (size_t e : index.incoming[n]) {
      if (ResultOf(results, graph.edges[e].from).state == NodeState::kCancelled) blocked = true;
    }
    if (!blocked) return false;
  }
  return true;
}

std::vector<std::string> UnhandledFailures(const Graph& graph,
                                           const std::map<std::string, NodeResult>& results) {
  const Index index(graph);
  std::vector<std::string> unhandled;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (ResultOf(results, graph.nodes[n].id).state != NodeState::kFailed) continue;
    bool handled = false;
    for (size_t e : index.outgoing[n]) {
      const Edge& edge = graph.edges[e];
      if (edge.kind != EdgeKind::kOnFailure && edge.kind != EdgeKind::kAlways) continue;
      const NodeState target = ResultOf(results, edge.to).state;
      if (target == NodeState::kSucceeded || target == NodeState::kFailed ||
          target == NodeState::kRunning) {
        handled = true;
      }
    }
    if (!handled) unhandled.push_back(graph.nodes[n].id);
  }
  return unhandled;
}

bool Succeeded(const Graph& graph, const std::map<std::string, NodeResult>& results) {
  for (const Node& node : graph.nodes) {
    if (ResultOf(results, node.id).state == NodeState::kCancelled) return false;
  }
  return UnhandledFailures(graph, results).empty();
}

}  // namespace cronium::workflow

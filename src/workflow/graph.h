#pragma once

// The semantics of a workflow's graph (issue #8), as pure functions: validation on save, and
// the step that decides, from the state of every node, which nodes run next and which are
// skipped. No waiting loops: whoever records a node's end calls Advance and acts on the answer.
//
// An edge is satisfied when its source finished and: ALWAYS; ON_SUCCESS and the source
// succeeded; ON_FAILURE and it failed; ON_CONDITION and it set its condition to true. A node
// runs once every incoming edge is decided (its source finished or was skipped) and at least
// one is satisfied; if none is, it is skipped, and skipping propagates (a skipped source
// satisfies no edge). Start nodes (no incoming edge) run first.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace cronium::workflow {

enum class EdgeKind { kAlways, kOnSuccess, kOnFailure, kOnCondition };

std::string_view ToString(EdgeKind kind);
std::optional<EdgeKind> ParseEdgeKind(std::string_view text);

struct Node {
  std::string id;  // unique in its workflow
  std::string event_id;
};

struct Edge {
  std::string from;
  std::string to;
  EdgeKind kind = EdgeKind::kAlways;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
};

// kInvalidArgument naming the offending nodes: no nodes, an empty or repeated node id, a node
// without an event, an edge to or from an unknown node, a self-loop, two edges for one ordered
// pair, a cycle (its nodes in order). At most `max_nodes` nodes.
Status Validate(const Graph& graph, size_t max_nodes = 1000);

enum class NodeState {
  kPending,  // not started
  kRunning,  // its job is queued or running
  kSucceeded,
  kFailed,     // failed, timed out or was lost, after its retries
  kSkipped,    // no incoming edge was satisfied
  kCancelled,  // the workflow was cancelled
};

struct NodeResult {
  NodeState state = NodeState::kPending;
  std::optional<bool> condition;  // what the node's script set
};

struct Step {
  std::vector<std::string> run;   // now ready: every incoming edge decided, one satisfied
  std::vector<std::string> skip;  // decided with none satisfied (apply, then Advance again)
};

// The next step of a validated graph, given each node's result (missing = pending). Nodes are
// named in graph order. Skipped nodes are returned one level at a time, so that each skip is
// recorded before the nodes it decides are looked at.
Step Advance(const Graph& graph, const std::map<std::string, NodeResult>& results);

// What Settle decided.
struct Settled {
  std::vector<std::string> run;     // ready now (set to kRunning in `results`)
  std::vector<std::string> skip;    // no incoming edge satisfied (set to kSkipped)
  std::vector<std::string> cancel;  // behind a cancelled node (set to kCancelled)
};

// Everything Advance would decide, repeated until nothing changes, in one pass over the graph
// in topological order (O(nodes + edges)): skips and cancels propagate downstream at once.
// Updates `results` and returns the changes, each list in topological order. A node behind a
// cancelled one is cancelled, whatever its other predecessors did.
Settled Settle(const Graph& graph, std::map<std::string, NodeResult>& results);

// Whether `edge` is satisfied by its source's result.
bool Satisfied(const Edge& edge, const NodeResult& source);

// The predecessors of `node` whose edges to it are satisfied, in graph order: its input is the
// single one's output, or, with several, an object keyed by their node ids; a start node gets
// the workflow's input.
std::vector<std::string> SatisfiedPredecessors(const Graph& graph, const std::string& node,
                                               const std::map<std::string, NodeResult>& results);

// True once no node is pending or running.
bool Finished(const Graph& graph, const std::map<std::string, NodeResult>& results);

// A finished workflow succeeded when every node that ran succeeded, or its failure was handled:
// it has an outgoing ON_FAILURE or ALWAYS edge whose target ran.
bool Succeeded(const Graph& graph, const std::map<std::string, NodeResult>& results);

// The failed nodes whose failure no ON_FAILURE or ALWAYS edge handled, in graph order.
std::vector<std::string> UnhandledFailures(const Graph& graph,
                                           const std::map<std::string, NodeResult>& results);

}  // namespace cronium::workflow

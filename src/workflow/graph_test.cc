#include "workflow/graph.h"

#include <gtest/gtest.h>

namespace cronium::workflow {
namespace {

using Results = std::map<std::string, NodeResult>;

Graph Make(std::vector<std::string> nodes, std::vector<Edge> edges) {
  Graph graph;
  for (auto& id : nodes) graph.nodes.push_back({id, "evt_" + id});
  graph.edges = std::move(edges);
  return graph;
}

NodeResult Succeeded(std::optional<bool> condition = std::nullopt) {
  return {NodeState::kSucceeded, condition};
}
NodeResult Failed() { return {NodeState::kFailed, std::nullopt}; }

std::string ErrorOf(const Graph& graph) {
  auto status = Validate(graph);
  return status ? "" : status.error().message;
}

TEST(WorkflowGraphTest, ValidationNamesTheOffendingNodes) {
  EXPECT_EQ(ErrorOf(Make({"a", "b"}, {{"a", "b", EdgeKind::kAlways}})), "");
  EXPECT_NE(ErrorOf(Make({}, {})).find("at least one node"), std::string::npos);
  EXPECT_NE(ErrorOf(Make({"a", "a"}, {})).find("node a: the id is used twice"), std::string::npos);
  EXPECT_NE(ErrorOf(Make({"a"}, {{"a", "zz", EdgeKind::kAlways}})).find("node zz is not in"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Make({"a"}, {{"a", "a", EdgeKind::kAlways}})).find("cannot follow itself"),
            std::string::npos);
  EXPECT_NE(ErrorOf(Make({"a", "b"},
                         {{"a", "b", EdgeKind::kOnSuccess}, {"a", "b", EdgeKind::kOnFailure}}))
                .find("edge a -> b: at most one edge"),
            std::string::npos);
  // The cycle is named in order, whatever node the search started from.
  const std::string cycle =
      ErrorOf(Make({"start", "x", "y", "z"}, {{"start", "x"}, {"x", "y"}, {"y", "z"}, {"z", "x"}}));
  EXPECT_NE(cycle.find("a cycle: x -> y -> z -> x"), std::string::npos) << cycle;
  Graph no_event = Make({"a"}, {});
  no_event.nodes[0].event_id.clear();
  EXPECT_NE(ErrorOf(no_event).find("node a: eventId is required"), std::string::npos);
  Graph big;
  for (int n = 0; n < 1001; ++n) big.nodes.push_back({"n" + std::to_string(n), "evt"});
  EXPECT_NE(ErrorOf(big).find("the limit is 1000"), std::string::npos);
  // A long chain is fine (no recursion depth limit).
  Graph chain;
  for (int n = 0; n < 1000; ++n) {
    chain.nodes.push_back({"n" + std::to_string(n), "evt"});
    if (n > 0) chain.edges.push_back({"n" + std::to_string(n - 1), "n" + std::to_string(n)});
  }
  EXPECT_EQ(ErrorOf(chain), "");
}

TEST(WorkflowGraphTest, EdgesAreSatisfiedByTheirKindAndTheSourcesEnd) {
  const Edge always{"a", "b", EdgeKind::kAlways}, success{"a", "b", EdgeKind::kOnSuccess},
      failure{"a", "b", EdgeKind::kOnFailure}, condition{"a", "b", EdgeKind::kOnCondition};
  EXPECT_TRUE(Satisfied(always, Succeeded()));
  EXPECT_TRUE(Satisfied(always, Failed()));
  EXPECT_TRUE(Satisfied(success, Succeeded()));
  EXPECT_FALSE(Satisfied(success, Failed()));
  EXPECT_TRUE(Satisfied(failure, Failed()));
  EXPECT_FALSE(Satisfied(failure, Succeeded()));
  EXPECT_TRUE(Satisfied(condition, Succeeded(true)));
  EXPECT_FALSE(Satisfied(condition, Succeeded(false)));
  EXPECT_FALSE(Satisfied(condition, Succeeded()));
  for (NodeState state :
       {NodeState::kPending, NodeState::kRunning, NodeState::kSkipped, NodeState::kCancelled}) {
    EXPECT_FALSE(Satisfied(always, {state, true}));
  }
}

// a -> b (ON_SUCCESS), a -> c (ON_FAILURE), b and c -> d (ALWAYS): a diamond that joins.
TEST(WorkflowGraphTest, ADiamondRunsOneBranchSkipsTheOtherAndJoins) {
  const Graph graph = Make({"a", "b", "c", "d"}, {{"a", "b", EdgeKind::kOnSuccess},
                                                  {"a", "c", EdgeKind::kOnFailure},
                                                  {"b", "d", EdgeKind::kAlways},
                                                  {"c", "d", EdgeKind::kAlways}});
  ASSERT_EQ(ErrorOf(graph), "");
  Results results;
  EXPECT_EQ(Advance(graph, results).run, std::vector<std::string>{"a"});
  results["a"] = {NodeState::kRunning, std::nullopt};
  EXPECT_TRUE(Advance(graph, results).run.empty());  // nothing runs twice
  results["a"] = Succeeded();
  Step step = Advance(graph, results);
  EXPECT_EQ(step.run, std::vector<std::string>{"b"});
  EXPECT_EQ(step.skip, std::vector<std::string>{"c"});
  results["b"] = {NodeState::kRunning, std::nullopt};
  results["c"] = {NodeState::kSkipped, std::nullopt};
  EXPECT_TRUE(Advance(graph, results).run.empty());  // d waits for b
  results["b"] = Succeeded();
  EXPECT_EQ(Advance(graph, results).run, std::vector<std::string>{"d"});
  EXPECT_EQ(SatisfiedPredecessors(graph, "d", results), std::vector<std::string>{"b"});
  results["d"] = Succeeded();
  EXPECT_TRUE(Finished(graph, results));
  EXPECT_TRUE(Succeeded(graph, results));
}

TEST(WorkflowGraphTest, SkippingPropagatesOneLevelAtATime) {
  const Graph graph = Make({"a", "b", "c", "d"}, {{"a", "b", EdgeKind::kOnCondition},
                                                  {"b", "c", EdgeKind::kAlways},
                                                  {"c", "d", EdgeKind::kOnSuccess}});
  Results results{{"a", Succeeded(false)}};
  EXPECT_EQ(Advance(graph, results).skip, std::vector<std::string>{"b"});
  results["b"] = {NodeState::kSkipped, std::nullopt};
  EXPECT_EQ(Advance(graph, results).skip, std::vector<std::string>{"c"});
  results["c"] = {NodeState::kSkipped, std::nullopt};
  EXPECT_EQ(Advance(graph, results).skip, std::vector<std::string>{"d"});
  results["d"] = {NodeState::kSkipped, std::nullopt};
  EXPECT_TRUE(Finished(graph, results));
  EXPECT_TRUE(Succeeded(graph, results));
  // With the condition true, the chain runs.
  EXPECT_EQ(Advance(graph, {{"a", Succeeded(true)}}).run, std::vector<std::string>{"b"});
}

TEST(WorkflowGraphTest, AJoinWithSeveralSatisfiedEdgesGetsEveryPredecessor) {
  const Graph graph = Make({"x", "y", "join"},
                           {{"x", "join", EdgeKind::kAlways}, {"y", "join", EdgeKind::kAlways}});
  Results results;
  EXPECT_EQ(Advance(graph, results).run, (std::vector<std::string>{"x", "y"}));  // in parallel
  results["x"] = Succeeded();
  results["y"] = {NodeState::kRunning, std::nullopt};
  EXPECT_TRUE(Advance(graph, results).run.empty());
  results["y"] = Failed();
  EXPECT_EQ(Advance(graph, results).run, std::vector<std::string>{"join"});
  EXPECT_EQ(SatisfiedPredecessors(graph, "join", results), (std::vector<std::string>{"x", "y"}));
}

TEST(WorkflowGraphTest, AFailureIsHandledOnlyByAnEdgeThatRan) {
  const Graph graph = Make({"a", "cleanup", "next"}, {{"a", "cleanup", EdgeKind::kOnFailure},
                                                      {"a", "next", EdgeKind::kOnSuccess}});
  EXPECT_TRUE(Succeeded(
      graph,
      {{"a", Failed()}, {"cleanup", Succeeded()}, {"next", {NodeState::kSkipped, std::nullopt}}}));
  // a is handled, but the handler failing is a failure of its own, and nothing handles it.
  EXPECT_FALSE(Succeeded(
      graph,
      {{"a", Failed()}, {"cleanup", Failed()}, {"next", {NodeState::kSkipped, std::nullopt}}}));
  const Graph unhandled = Make({"a", "next"}, {{"a", "next", EdgeKind::kOnSuccess}});
  EXPECT_FALSE(
      Succeeded(unhandled, {{"a", Failed()}, {"next", {NodeState::kSkipped, std::nullopt}}}));
  EXPECT_FALSE(Succeeded(unhandled, {{"a", {NodeState::kCancelled, std::nullopt}}}));
}

TEST(WorkflowGraphTest, NothingRunsAfterACancel) {
  const Graph graph = Make({"a", "b"}, {{"a", "b", EdgeKind::kAlways}});
  Results results{{"a", {NodeState::kCancelled, std::nullopt}}};
  const Step step = Advance(graph, results);
  EXPECT_TRUE(step.run.empty());
  EXPECT_TRUE(step.skip.empty());
  EXPECT_TRUE(Finished(graph, results));
  EXPECT_FALSE(Succeeded(graph, results));
}

TEST(WorkflowGraphTest, EdgeKindsRoundTrip) {
  for (const char* text : {"ALWAYS", "ON_SUCCESS", "ON_FAILURE", "ON_CONDITION"}) {
    auto kind = ParseEdgeKind(text);
    ASSERT_TRUE(kind) << text;
    EXPECT_EQ(ToString(*kind), text);
  }
  EXPECT_FALSE(ParseEdgeKind("on_success"));
}

}  // namespace
TEST(WorkflowGraphTest, SettleDecidesEverythingInOnePass) {
  // a fails: b (ON_SUCCESS) is skipped, and so is everything that only b could satisfy; e
  // (ON_FAILURE from a) runs; f waits for e.
  const Graph graph = Make({"a", "b", "c", "d", "e", "f"}, {{"a", "b", EdgeKind::kOnSuccess},
                                                            {"b", "c", EdgeKind::kAlways},
                                                            {"c", "d", EdgeKind::kAlways},
                                                            {"a", "e", EdgeKind::kOnFailure},
                                                            {"e", "f", EdgeKind::kAlways},
                                                            {"d", "f", EdgeKind::kAlways}});
  Results results{{"a", Failed()}};
  const Settled settled = Settle(graph, results);
  EXPECT_EQ(settled.skip, (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(settled.run, std::vector<std::string>{"e"});
  EXPECT_TRUE(settled.cancel.empty());
  EXPECT_EQ(results["d"].state, NodeState::kSkipped);
  EXPECT_EQ(results["e"].state, NodeState::kRunning);
  EXPECT_EQ(results["f"].state, NodeState::kPending);
  // Settling again changes nothing; once e ends, f runs (d's skip satisfies nothing, e's end
  // does).
  EXPECT_TRUE(Settle(graph, results).run.empty());
  results["e"] = Succeeded();
  EXPECT_EQ(Settle(graph, results).run, std::vector<std::string>{"f"});
}

TEST(WorkflowGraphTest, SettleCancelsEverythingBehindACancelledNode) {
  const Graph graph = Make({"a", "b", "c", "d"}, {{"a", "b", EdgeKind::kAlways},
                                                  {"b", "c", EdgeKind::kAlways},
                                                  {"d", "c", EdgeKind::kAlways}});
  Results results{{"a", {NodeState::kCancelled, std::nullopt}}};
  const Settled settled = Settle(graph, results);
  EXPECT_EQ(settled.cancel, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(settled.run, std::vector<std::string>{"d"});
}

TEST(WorkflowGraphTest, SettleScalesToAThousandNodesAndTenThousandEdges) {
  // Each node feeds the next ten; the first fails, and one pass skips the other 999.
  std::vector<std::string> nodes;
  std::vector<Edge> edges;
  for (int n = 0; n < 1000; ++n) nodes.push_back("n" + std::to_string(n));
  for (int n = 0; n < 1000; ++n) {
    for (int k = n + 1; k <= n + 10 && k < 1000; ++k) {
      edges.push_back({nodes[n], nodes[k], EdgeKind::kOnSuccess});
    }
  }
  const Graph graph = Make(nodes, edges);
  ASSERT_TRUE(Validate(graph));
  Results results{{"n0", Failed()}};
  const Settled settled = Settle(graph, results);
  EXPECT_EQ(settled.skip.size(), 999u);
  EXPECT_TRUE(Finished(graph, results));
  EXPECT_EQ(UnhandledFailures(graph, results), std::vector<std::string>{"n0"});
}

}  // namespace cronium::workflow

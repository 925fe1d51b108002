#include "live/relay.h"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/utf8.h"
#include "live/follower.h"
#include "testutil/fake_clock.h"

namespace cronium::live {
namespace {

using nlohmann::json;

// The transport between nodes: every payload reaches every node, in the order published, once
// the test pumps (as NOTIFY does, later and on another thread, never inside publish).
class Bus {
 public:
  Relay::Publish publisher() {
    return [this](std::string payload) {
      std::lock_guard lock(mutex_);
      published_.push_back(payload);
      pending_.push_back(std::move(payload));
    };
  }
  void Join(Relay* relay) { relays_.push_back(relay); }
  // While deaf, a relay misses every payload pumped (a listener reconnecting).
  void Deaf(Relay* relay, bool deaf) {
    if (deaf)
      deaf_.insert(relay);
    else
      deaf_.erase(relay);
  }
  void Pump() {
    for (int round = 0; round < 10'000; ++round) {
      std::string payload;
      {
        std::lock_guard lock(mutex_);
        if (pending_.empty()) return;
        payload = std::move(pending_.front());
        pending_.pop_front();
      }
      for (Relay* relay : relays_) {
        if (!deaf_.contains(relay)) relay->Received(payload);
      }
    }
    FAIL() << "the relays keep publishing";
  }
  std::vector<std::string> published() {
    std::lock_guard lock(mutex_);
    return published_;
  }

 private:
  std::mutex mutex_;
  std::deque<std::string> pending_;
  std::vector<std::string> published_;
  std::vector<Relay*> relays_;
  std::set<Relay*> deaf_;
};

struct Collector {
  Sink sink() {
    return [this](const std::string& message) { messages.push_back(json::parse(message)); };
  }
  // The lines of the "lines" messages, in order.
  std::vector<json> entries() const {
    std::vector<json> out;
    for (const auto& message : messages) {
      if (message["type"] == "lines") {
        for (const auto& line : message["lines"]) out.push_back(line);
      }
    }
    return out;
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const auto& entry : entries()) out.push_back(entry["line"]);
    return out;
  }
  std::vector<uint64_t> sequences() const {
    std::vector<uint64_t> out;
    for (const auto& entry : entries()) out.push_back(entry["sequence"]);
    return out;
  }
  std::vector<json> messages;
};

// Most tests look at lines, not at batches: each line goes out at once.
constexpr HubOptions kLineByLine{.batch_delay = std::chrono::milliseconds(0)};

class RelayTest : public ::testing::Test {
 protected:
  testutil::FakeClock clock_;
  OutputHub hub_a_{kLineByLine, clock_};
  OutputHub hub_b_{kLineByLine, clock_};
  Bus bus_;
  Relay a_{"a", hub_a_, bus_.publisher()};
  Relay b_{"b", hub_b_, bus_.publisher()};
  void SetUp() override {
    bus_.Join(&a_);
    bus_.Join(&b_);
  }
};

TEST_F(RelayTest, ARunOnAnotherNodeReachesTheReaderBacklogFirstThenLive) {
  hub_a_.Begin("exe_1");
  hub_a_.Append("exe_1", Stream::kStdout, "one\n");
  hub_a_.Append("exe_1", Stream::kStderr, "oops\n");
  Collector reader;
  const uint64_t watch = b_.Watch("exe_1", reader.sink());
  ASSERT_NE(watch, 0u);
  bus_.Pump();
  EXPECT_EQ(a_.RelayedCount(), 1u);
  EXPECT_EQ(b_.RelayedCount(), 0u);  // b does not run it, and does not serve its own reader
  hub_a_.Append("exe_1", Stream::kStdout, "two\nthr");
  hub_a_.End("exe_1");
  bus_.Pump();
  EXPECT_EQ(reader.lines(), (std::vector<std::string>{"one\n", "oops\n", "two\n", "thr"}));
  EXPECT_EQ(reader.sequences(), (std::vector<uint64_t>{1, 2, 3, 4}));
  for (const auto& message : reader.messages) EXPECT_EQ(message["executionId"], "exe_1");
  EXPECT_EQ(reader.entries()[1]["stream"], "stderr");
}

TEST_F(RelayTest, AReaderOfARunNotYetStartedGetsItWhereverItStarts) {
  Collector reader;
  b_.Watch("exe_2", reader.sink());
  bus_.Pump();
  hub_a_.Begin("exe_2");
  hub_a_.Append("exe_2", Stream::kStdout, "late\n");
  bus_.Pump();
  EXPECT_EQ(reader.lines(), std::vector<std::string>{"late\n"});
}

TEST_F(RelayTest, LongLinesGoInPartsCutBetweenCharactersAndArriveWhole) {
  OutputHub wide_hub{HubOptions{.max_line_bytes = 20'000, .batch_delay = {}}, clock_};
  Relay wide{"c", wide_hub, bus_.publisher()};
  bus_.Join(&wide);
  std::string line;
  while (line.size() < 19'000) line += "é€x";  // 2-, 3- and 1-byte characters
  line += "\n";
  wide_hub.Begin("exe_3");
  Collector reader;
  b_.Watch("exe_3", reader.sink());
  bus_.Pump();
  wide_hub.Append("exe_3", Stream::kStdout, line);
  bus_.Pump();
  ASSERT_EQ(reader.lines(), std::vector<std::string>{line});
  int parts = 0;
  for (const auto& payload : bus_.published()) {
    EXPECT_LE(payload.size(), Relay::kMaxPayload);
    EXPECT_TRUE(IsValidUtf8(payload));
    parts += payload.starts_with("O\t");
  }
  EXPECT_GE(parts, 3);
}

TEST_F(RelayTest, ANodesOwnRunsAreLeftToItsHub) {
  hub_b_.Begin("exe_4");
  Collector reader;
  b_.Watch("exe_4", reader.sink());
  bus_.Pump();
  hub_b_.Append("exe_4", Stream::kStdout, "local\n");
  bus_.Pump();
  EXPECT_TRUE(reader.messages.empty());  // the reader has it from b's hub, not twice
}

TEST_F(RelayTest, UnwatchAndTheRunsEndStopTheRelay) {
  hub_a_.Begin("exe_5");
  Collector gone, ended;
  const uint64_t first = b_.Watch("exe_5", gone.sink());
  b_.Watch("exe_5", ended.sink());
  bus_.Pump();
  EXPECT_EQ(a_.RelayedCount(), 2u);
  b_.Unwatch(first);
  bus_.Pump();
  EXPECT_EQ(a_.RelayedCount(), 1u);
  hub_a_.Append("exe_5", Stream::kStdout, "after\n");
  bus_.Pump();
  EXPECT_TRUE(gone.messages.empty());
  EXPECT_EQ(ended.lines(), std::vector<std::string>{"after\n"});
  a_.Ended("exe_5");
  EXPECT_EQ(a_.RelayedCount(), 0u);
  hub_a_.Append("exe_5", Stream::kStdout, "never\n");
  bus_.Pump();
  EXPECT_EQ(ended.lines(), std::vector<std::string>{"after\n"});
}

TEST_F(RelayTest, AReaderWhoseNodeMissedLinesGetsEachOnceAfterResync) {
  hub_a_.Begin("exe_7");
  hub_a_.Append("exe_7", Stream::kStdout, "one\n");
  Collector reader;
  b_.Watch("exe_7", reader.sink());
  bus_.Pump();
  bus_.Deaf(&b_, true);
  hub_a_.Append("exe_7", Stream::kStdout, "two\n");
  bus_.Pump();
  bus_.Deaf(&b_, false);
  EXPECT_EQ(reader.lines(), std::vector<std::string>{"one\n"});
  b_.Resync();
  bus_.Pump();
  hub_a_.Append("exe_7", Stream::kStdout, "three\n");
  bus_.Pump();
  EXPECT_EQ(reader.lines(), (std::vector<std::string>{"one\n", "two\n", "three\n"}));
  EXPECT_EQ(reader.sequences(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(a_.RelayedCount(), 1u);  // served again, not twice
}

// Batches cross whole; after a resync the backlog comes again in batches, and one the reader
// had in part is cut to the lines it had not.
TEST_F(RelayTest, BatchesCrossNodesAndABatchHadInPartIsCutAfterResync) {
  OutputHub batching{HubOptions{.batch_delay = std::chrono::hours(1)}, clock_};
  Relay c{"c", batching, bus_.publisher()};
  bus_.Join(&c);
  batching.Begin("exe_9");
  Collector reader;
  b_.Watch("exe_9", reader.sink());
  bus_.Pump();
  batching.Append("exe_9", Stream::kStdout, "1\n2\n3\n");
  batching.Flush("exe_9");
  bus_.Pump();
  ASSERT_EQ(reader.messages.size(), 1u);
  EXPECT_EQ(reader.sequences(), (std::vector<uint64_t>{1, 2, 3}));
  bus_.Deaf(&b_, true);
  batching.Append("exe_9", Stream::kStdout, "4\n5\n6\n");
  batching.Flush("exe_9");
  bus_.Pump();
  bus_.Deaf(&b_, false);
  b_.Resync();
  bus_.Pump();  // c sends the backlog, 1..6 in one batch; b hands over 4..6
  batching.Append("exe_9", Stream::kStdout, "7\n");
  batching.Flush("exe_9");
  bus_.Pump();
  EXPECT_EQ(reader.sequences(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(reader.lines()[3], "4\n");
  ASSERT_EQ(reader.messages.size(), 3u);
  EXPECT_EQ(reader.messages[1]["lines"].size(), 3u);
  // Once more: everything was had, nothing is handed over twice.
  b_.Resync();
  bus_.Pump();
  EXPECT_EQ(reader.messages.size(), 3u);
}

// A line of 16 KiB of control characters is 96 KiB of JSON: still one message, in parts.
TEST_F(RelayTest, ALineThatJsonMakesLargerThanSixtyFourKiBArrivesWhole) {
  const std::string line = std::string(HubOptions{}.max_line_bytes - 1, '\x01') + "\n";
  hub_a_.Begin("exe_10");
  Collector reader;
  b_.Watch("exe_10", reader.sink());
  bus_.Pump();
  hub_a_.Append("exe_10", Stream::kStdout, line);
  bus_.Pump();
  EXPECT_EQ(reader.lines(), std::vector<std::string>{line});
}

// Lines lost between nodes (a payload dropped, no resync yet) reach a following reader as a
// skipped range, not as a silent hole; the backlog that comes again later adds nothing.
TEST_F(RelayTest, LinesLostBetweenNodesReachAFollowerAsASkippedRange) {
  std::vector<json> sent;
  Follower follower("exe_11", 0, [&](const std::string& message) {
    sent.push_back(json::parse(message));
    return true;
  });
  hub_a_.Begin("exe_11");
  b_.Watch("exe_11", [&](const std::string& message) { follower.Deliver(message); });
  bus_.Pump();
  hub_a_.Append("exe_11", Stream::kStdout, "one\n");
  bus_.Pump();
  bus_.Deaf(&b_, true);
  hub_a_.Append("exe_11", Stream::kStdout, "two\n");
  bus_.Pump();
  bus_.Deaf(&b_, false);
  hub_a_.Append("exe_11", Stream::kStdout, "three\n");
  bus_.Pump();
  b_.Resync();
  bus_.Pump();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0]["lines"][0]["sequence"], 1);
  EXPECT_EQ(sent[1], json::parse(SkippedMessage("exe_11", 2, 2)));
  EXPECT_EQ(sent[2]["lines"][0]["line"], "three\n");
}

TEST_F(RelayTest, ANodeThatMissedAWatchServesItAfterResyncAndOnlyOnce) {
  hub_a_.Begin("exe_8");
  hub_a_.Append("exe_8", Stream::kStdout, "before\n");
  bus_.Deaf(&a_, true);
  Collector reader;
  b_.Watch("exe_8", reader.sink());
  bus_.Pump();
  bus_.Deaf(&a_, false);
  hub_a_.Append("exe_8", Stream::kStdout, "meanwhile\n");
  bus_.Pump();
  EXPECT_TRUE(reader.messages.empty());  // a never heard of the watch
  a_.Resync();
  bus_.Pump();
  EXPECT_EQ(reader.lines(), (std::vector<std::string>{"before\n", "meanwhile\n"}));
  // Another resync of a: b announces its watch again, which a serves already; the backlog is
  // not sent again.
  auto outputs = [&] {
    int count = 0;
    for (const auto& payload : bus_.published()) count += payload.starts_with("O\t");
    return count;
  };
  const int sent = outputs();
  a_.Resync();
  bus_.Pump();
  EXPECT_EQ(outputs(), sent);
  hub_a_.Append("exe_8", Stream::kStdout, "after\n");
  bus_.Pump();
  EXPECT_EQ(reader.lines(), (std::vector<std::string>{"before\n", "meanwhile\n", "after\n"}));
}

TEST_F(RelayTest, WatchesAreBoundedOnBothSides) {
  Bus bus;
  Relay few{"f", hub_a_, bus.publisher(), RelayOptions{.max_watches = 2, .max_relays = 1}};
  Relay other{"g", hub_b_, bus.publisher()};
  bus.Join(&few);
  bus.Join(&other);
  Collector reader;
  EXPECT_NE(few.Watch("x", reader.sink()), 0u);
  EXPECT_NE(few.Watch("y", reader.sink()), 0u);
  EXPECT_EQ(few.Watch("z", reader.sink()), 0u);
  other.Watch("x", reader.sink());
  other.Watch("y", reader.sink());
  bus.Pump();
  EXPECT_EQ(few.RelayedCount(), 1u);
}

TEST_F(RelayTest, MalformedPayloadsAreIgnored) {
  Collector reader;
  const uint64_t watch = b_.Watch("exe_6", reader.sink());
  bus_.Pump();
  for (std::string payload :
       {std::string(""), std::string("W"), std::string("W\tx"), std::string("W\tx\tnotanumber\te"),
        std::string("W\tx\t99999999999999999999999\te"), std::string("U\t\t"),
        std::string("O\tb\t") + std::to_string(watch), std::string("O\tb\tzz\t1\t0\t{}"),
        std::string("Q\tb\t1"), std::string(100'000, '\t')}) {
    a_.Received(payload);
    b_.Received(payload);
  }
  EXPECT_EQ(a_.RelayedCount(), 1u);
  EXPECT_TRUE(reader.messages.empty());
  // A message larger than any a hub makes is dropped whole at the bound, not held.
  const std::string part(Relay::kMaxPayload - 100, 'p');
  const std::string head = "O\tb\t" + std::to_string(watch);
  const size_t parts = RelayOptions{}.max_message_bytes / part.size() + 1;
  for (size_t i = 0; i < parts; ++i) b_.Received(head + "\t7\t1\t" + part);
  b_.Received(head + "\t7\t0\t" + part);
  b_.Received(head + "\t8\t1\t\"do");
  b_.Received(head + "\t8\t0\tne\"");
  ASSERT_EQ(reader.messages.size(), 1u);
  EXPECT_EQ(reader.messages[0], json("done"));
}

}  // namespace
}  // namespace cronium::live

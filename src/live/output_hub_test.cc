#include "live/output_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "testutil/fake_clock.h"

namespace cronium::live {
namespace {

using nlohmann::json;

// Collects what a sink receives, parsed.
class Collector {
 public:
  Sink sink() {
    return [this](const std::string& message) {
      std::lock_guard lock(mutex_);
      messages_.push_back(json::parse(message));
    };
  }
  std::vector<json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    for (const auto& message : messages()) out.push_back(message["line"]);
    return out;
  }

 private:
  std::mutex mutex_;
  std::vector<json> messages_;
};

class OutputHubTest : public ::testing::Test {
 protected:
  testutil::FakeClock clock_;
  OutputHub hub_{HubOptions{}, clock_};
  Collector collector_;
};

TEST_F(OutputHubTest, RendersTheDocumentedMessage) {
  EXPECT_EQ(OutputMessage("exe_1", Stream::kStdout, "hello\n", 1, clock_.Now()),
            R"({"type":"output","executionId":"exe_1","stream":"stdout","line":"hello\n",)"
            R"("sequence":1,"timestamp":"2023-11-14T22:13:20.000Z"})");
  // Scripts print anything: invalid UTF-8 is replaced, control characters are escaped.
  const json bad = json::parse(OutputMessage("exe_1", Stream::kStderr, "a\xff\x01\"b", 7,
                                             clock_.Now() + std::chrono::milliseconds(5)));
  EXPECT_EQ(bad["line"], "a\xEF\xBF\xBD\x01\"b");
  EXPECT_EQ(bad["stream"], "stderr");
  EXPECT_EQ(bad["sequence"], 7);
  EXPECT_EQ(bad["timestamp"], "2023-11-14T22:13:20.005Z");
}

TEST_F(OutputHubTest, JoinsLinesSplitAcrossChunks) {
  hub_.Begin("exe_1");
  hub_.Subscribe("exe_1", collector_.sink());
  hub_.Append("exe_1", Stream::kStdout, "hel");
  EXPECT_TRUE(collector_.lines().empty());
  hub_.Append("exe_1", Stream::kStdout, "lo\nwor");
  hub_.Append("exe_1", Stream::kStdout, "ld\n\nlast\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"hello\n", "world\n", "\n", "last\n"}));
  const auto messages = collector_.messages();
  for (size_t n = 0; n < messages.size(); ++n) {
    EXPECT_EQ(messages[n]["sequence"], n + 1);
    EXPECT_EQ(messages[n]["executionId"], "exe_1");
    EXPECT_EQ(messages[n]["type"], "output");
  }
}

TEST_F(OutputHubTest, FlushesAPartialLineAtEnd) {
  hub_.Begin("exe_1");
  hub_.Subscribe("exe_1", collector_.sink());
  hub_.Append("exe_1", Stream::kStdout, "out, no newline");
  hub_.Append("exe_1", Stream::kStderr, "err, no newline");
  EXPECT_TRUE(collector_.lines().empty());
  hub_.End("exe_1");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"out, no newline", "err, no newline"}));
}

TEST_F(OutputHubTest, FlushSendsPartialLinesAndKeepsTheBacklogForLateReaders) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "done, no newline");
  hub_.Flush("exe_1");
  hub_.Flush("exe_1");  // nothing left: no empty line
  Collector late;
  hub_.Subscribe("exe_1", late.sink());
  EXPECT_EQ(late.lines(), (std::vector<std::string>{"done, no newline"}));
  hub_.End("exe_1");
  EXPECT_EQ(late.lines().size(), 1u);
}

TEST_F(OutputHubTest, SplitsLongLinesAtTheLimit) {
  OutputHub hub({.max_line_bytes = 8}, clock_);
  hub.Begin("exe_1");
  hub.Subscribe("exe_1", collector_.sink());
  hub.Append("exe_1", Stream::kStdout, "abcdefghijkl\n");
  hub.Append("exe_1", Stream::kStdout, "0123");
  hub.Append("exe_1", Stream::kStdout, "456789\n");
  // A multi-byte character is not cut in two.
  hub.Append("exe_1", Stream::kStdout, "abcdefg\xC3\xA9z\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"abcdefgh", "ijkl\n", "01234567", "89\n",
                                                          "abcdefg", "\xC3\xA9z\n"}));
}

TEST_F(OutputHubTest, DeliversTheBacklogFirstThenLiveLines) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "one\ntwo\n");
  hub_.Append("exe_1", Stream::kStderr, "three\n");
  hub_.Subscribe("exe_1", collector_.sink());
  // The backlog arrived before Subscribe returned.
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"one\n", "two\n", "three\n"}));
  hub_.Append("exe_1", Stream::kStdout, "four\n");
  const auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[3]["line"], "four\n");
  for (size_t n = 0; n < messages.size(); ++n) EXPECT_EQ(messages[n]["sequence"], n + 1);
  EXPECT_EQ(messages[2]["stream"], "stderr");
}

TEST_F(OutputHubTest, BacklogCapDropsTheOldestLines) {
  const size_t one = OutputMessage("exe_1", Stream::kStdout, "line 1\n", 1, clock_.Now()).size();
  OutputHub hub({.backlog_bytes = 2 * one + 1}, clock_);
  hub.Begin("exe_1");
  for (int n = 1; n <= 5; ++n)
    hub.Append("exe_1", Stream::kStdout, "line " + std::to_string(n) + "\n");
  hub.Subscribe("exe_1", collector_.sink());
  const auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["line"], "line 4\n");
  EXPECT_EQ(messages[0]["sequence"], 4);
  EXPECT_EQ(messages[1]["sequence"], 5);
}

TEST_F(OutputHubTest, SubscribingBeforeBeginGetsTheLinesLater) {
  hub_.Subscribe("exe_1", collector_.sink());
  EXPECT_EQ(hub_.TrackedCount(), 1u);
  hub_.Append("exe_1", Stream::kStdout, "before begin is dropped\n");
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "started\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"started\n"}));
  EXPECT_EQ(collector_.messages()[0]["sequence"], 1);
}

TEST_F(OutputHubTest, UnsubscribeStopsDelivery) {
  Collector other;
  hub_.Begin("exe_1");
  const uint64_t first = hub_.Subscribe("exe_1", collector_.sink());
  const uint64_t second = hub_.Subscribe("exe_1", other.sink());
  EXPECT_NE(first, second);
  hub_.Append("exe_1", Stream::kStdout, "both\n");
  hub_.Unsubscribe("exe_1", first);
  hub_.Append("exe_1", Stream::kStdout, "second only\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"both\n"}));
  EXPECT_EQ(other.lines(), (std::vector<std::string>{"both\n", "second only\n"}));
  hub_.Unsubscribe("exe_1", first);  // twice is harmless
  hub_.Unsubscribe("exe_unknown", 42);
}

TEST_F(OutputHubTest, ForgetsExecutionsNobodyNeeds) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "x\n");
  EXPECT_EQ(hub_.TrackedCount(), 1u);
  hub_.End("exe_1");
  EXPECT_EQ(hub_.TrackedCount(), 0u);
  hub_.Append("exe_1", Stream::kStdout, "late\n");  // after End: dropped, not tracked
  hub_.End("exe_1");
  EXPECT_EQ(hub_.TrackedCount(), 0u);

  const uint64_t subscription = hub_.Subscribe("exe_2", collector_.sink());
  hub_.Unsubscribe("exe_2", subscription);
  EXPECT_EQ(hub_.TrackedCount(), 0u);

  // A subscriber keeps the entry after End; its backlog is gone.
  hub_.Begin("exe_3");
  const uint64_t watcher = hub_.Subscribe("exe_3", collector_.sink());
  hub_.Append("exe_3", Stream::kStdout, "y\n");
  hub_.End("exe_3");
  EXPECT_EQ(hub_.TrackedCount(), 1u);
  Collector late;
  const uint64_t late_subscription = hub_.Subscribe("exe_3", late.sink());
  EXPECT_TRUE(late.lines().empty());
  hub_.Unsubscribe("exe_3", watcher);
  EXPECT_EQ(hub_.TrackedCount(), 1u);
  hub_.Unsubscribe("exe_3", late_subscription);
  EXPECT_EQ(hub_.TrackedCount(), 0u);
}

TEST_F(OutputHubTest, StdoutAndStderrShareOneSequence) {
  hub_.Begin("exe_1");
  hub_.Subscribe("exe_1", collector_.sink());
  hub_.Append("exe_1", Stream::kStdout, "a\nb");
  hub_.Append("exe_1", Stream::kStderr, "c\n");
  hub_.Append("exe_1", Stream::kStdout, "\n");
  hub_.Append("exe_1", Stream::kStderr, "d\n");
  const auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"stdout", "a\n"}, {"stderr", "c\n"}, {"stdout", "b\n"}, {"stderr", "d\n"}};
  for (size_t n = 0; n < messages.size(); ++n) {
    EXPECT_EQ(messages[n]["stream"], expected[n].first);
    EXPECT_EQ(messages[n]["line"], expected[n].second);
    EXPECT_EQ(messages[n]["sequence"], n + 1);
  }
}

TEST_F(OutputHubTest, BeginStartsAFreshBacklog) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "old\npartial");
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "new\n");
  hub_.Subscribe("exe_1", collector_.sink());
  const auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["line"], "new\n");
  EXPECT_EQ(messages[0]["sequence"], 1);
}

TEST_F(OutputHubTest, ConcurrentAppendsAndSubscriptions) {
  constexpr int kLines = 10'000;
  OutputHub hub({.backlog_bytes = 64 << 20}, clock_);
  hub.Begin("exe_1");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int n = 0; n < kLines; ++n) {
      hub.Append("exe_1", n % 3 == 0 ? Stream::kStderr : Stream::kStdout,
                 "line " + std::to_string(n) + "\n");
    }
    done = true;
  });
  // Each subscription must see a gap-free run of sequences (backlog, then live), and nothing
  // once Unsubscribe has returned.
  int subscriptions = 0;
  while (!done || subscriptions < 10) {
    struct State {
      std::atomic<bool> unsubscribed{false};
      std::atomic<bool> called_late{false};
      uint64_t last = 0;
      bool gap = false;
    };
    auto state = std::make_shared<State>();
    const uint64_t id = hub.Subscribe("exe_1", [state](const std::string& message) {
      if (state->unsubscribed) state->called_late = true;
      // Cheaper than parsing: the backlog is delivered to every new subscription.
      const size_t at = message.find("\"sequence\":");
      const uint64_t sequence = std::strtoull(message.c_str() + at + 11, nullptr, 10);
      if (state->last != 0 && sequence != state->last + 1) state->gap = true;
      state->last = sequence;
    });
    std::this_thread::yield();
    hub.Unsubscribe("exe_1", id);
    state->unsubscribed = true;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    EXPECT_FALSE(state->called_late);
    EXPECT_FALSE(state->gap);
    ++subscriptions;
  }
  writer.join();
  Collector all;
  const uint64_t id = hub.Subscribe("exe_1", all.sink());
  const auto messages = all.messages();
  ASSERT_EQ(messages.size(), static_cast<size_t>(kLines));
  EXPECT_EQ(messages.back()["sequence"], kLines);
  hub.End("exe_1");
  hub.Unsubscribe("exe_1", id);
  EXPECT_EQ(hub.TrackedCount(), 0u);
}

}  // namespace
}  // namespace cronium::live

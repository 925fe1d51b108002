#include "live/output_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "testutil/fake_clock.h"

namespace cronium::live {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Collects what a sink receives, parsed.
class Collector {
 public:
  Sink sink() {
    return [this](const std::string& message) {
      {
        std::lock_guard lock(mutex_);
        messages_.push_back(json::parse(message));
      }
      cv_.notify_all();
    };
  }
  std::vector<json> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // Every line of the "lines" messages, in order.
  std::vector<json> entries() {
    std::vector<json> out;
    for (const auto& message : messages()) {
      if (message["type"] == "lines") {
        for (const auto& line : message["lines"]) out.push_back(line);
      }
    }
    return out;
  }
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    for (const auto& entry : entries()) out.push_back(entry["line"]);
    return out;
  }
  std::vector<uint64_t> sequences() {
    std::vector<uint64_t> out;
    for (const auto& entry : entries()) out.push_back(entry["sequence"]);
    return out;
  }
  // Waits (at most 10 s) until `count` messages arrived.
  bool WaitFor(size_t count) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return messages_.size() >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<json> messages_;
};

// Most tests look at lines, not at batches: each line goes out at once (batch_delay 0).
class OutputHubTest : public ::testing::Test {
 protected:
  testutil::FakeClock clock_;
  OutputHub hub_{HubOptions{.batch_delay = milliseconds(0)}, clock_};
  Collector collector_;
};

TEST_F(OutputHubTest, RendersTheDocumentedMessages) {
  LinesBatch batch;
  batch.Add(1, LineEntry(Stream::kStdout, "hello\n", 1, clock_.Now()));
  batch.Add(2, LineEntry(Stream::kStderr, "oops", 2, clock_.Now() + milliseconds(5)));
  EXPECT_EQ(batch.count(), 2u);
  EXPECT_EQ(batch.first(), 1u);
  EXPECT_EQ(batch.last(), 2u);
  EXPECT_EQ(
      batch.Take("exe_1"),
      R"({"type":"lines","executionId":"exe_1","lines":[)"
      R"({"stream":"stdout","line":"hello\n","sequence":1,"timestamp":"2023-11-14T22:13:20.000Z"},)"
      R"({"stream":"stderr","line":"oops","sequence":2,"timestamp":"2023-11-14T22:13:20.005Z"}]})");
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(SkippedMessage("exe_1", 3, 40),
            R"({"type":"skipped","executionId":"exe_1","from":3,"to":40})");
  // Scripts print anything: invalid UTF-8 is replaced, control characters are escaped.
  const json bad = json::parse(LineEntry(Stream::kStderr, "a\xff\x01\"b", 7, clock_.Now()));
  EXPECT_EQ(bad["line"], "a\xEF\xBF\xBD\x01\"b");
  EXPECT_EQ(bad["stream"], "stderr");
  EXPECT_EQ(bad["sequence"], 7);
}

TEST_F(OutputHubTest, SpansAreReadFromTheTextAndLineTextCannotFakeThem) {
  LinesBatch batch;
  batch.Add(7, LineEntry(Stream::kStdout, R"(x","sequence":99,"y":")", 7, clock_.Now()));
  batch.Add(8, LineEntry(Stream::kStdout, R"("sequence":1)", 8, clock_.Now()));
  const std::string lines = batch.Take("exe_1");
  const Span span = SpanOf(lines);
  EXPECT_EQ(span.kind, Span::Kind::kLines);
  EXPECT_EQ(span.first, 7u);
  EXPECT_EQ(span.last, 8u);
  const Span skipped = SpanOf(SkippedMessage("exe_1", 3, 40));
  EXPECT_EQ(skipped.kind, Span::Kind::kSkipped);
  EXPECT_EQ(skipped.first, 3u);
  EXPECT_EQ(skipped.last, 40u);
  EXPECT_EQ(SpanOf(R"({"type":"end","status":"SUCCEEDED"})").kind, Span::Kind::kOther);
  EXPECT_EQ(SpanOf(R"({"type":"lines","executionId":"x","lines":[]})").kind, Span::Kind::kOther);

  // Cut to the lines after a sequence; none left is nullopt.
  const auto later = LinesAfter(lines, 7);
  ASSERT_TRUE(later.has_value());
  const json cut = json::parse(*later);
  ASSERT_EQ(cut["lines"].size(), 1u);
  EXPECT_EQ(cut["lines"][0]["sequence"], 8);
  EXPECT_EQ(cut["lines"][0]["line"], R"("sequence":1)");
  EXPECT_EQ(SpanOf(*later).first, 8u);
  EXPECT_EQ(LinesAfter(lines, 8), std::nullopt);
  EXPECT_EQ(LinesAfter("not json", 0), std::nullopt);
}

TEST_F(OutputHubTest, JoinsLinesSplitAcrossChunks) {
  hub_.Begin("exe_1");
  hub_.Subscribe("exe_1", collector_.sink());
  hub_.Append("exe_1", Stream::kStdout, "hel");
  EXPECT_TRUE(collector_.lines().empty());
  hub_.Append("exe_1", Stream::kStdout, "lo\nwor");
  hub_.Append("exe_1", Stream::kStdout, "ld\n\nlast\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"hello\n", "world\n", "\n", "last\n"}));
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{1, 2, 3, 4}));
  for (const auto& message : collector_.messages()) {
    EXPECT_EQ(message["type"], "lines");
    EXPECT_EQ(message["executionId"], "exe_1");
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
  OutputHub hub({.max_line_bytes = 8, .batch_delay = milliseconds(0)}, clock_);
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

// What a reader of a finished run gets from the store is numbered and cut as the live lines
// were (for a run that printed on one stream).
TEST_F(OutputHubTest, StoredOutputIsNumberedAndCutAsTheLiveLinesWere) {
  const std::string text = "short\n" + std::string(20, 'a') + "\n" + std::string(9, 'b') +
                           "\xC3\xA9" + std::string(10, 'c') + "\n\n" + std::string(12, 'd') +
                           "\nno newline at the end";
  OutputHub hub({.max_line_bytes = 12, .batch_delay = milliseconds(0)}, clock_);
  hub.Begin("exe_1");
  hub.Subscribe("exe_1", collector_.sink());
  for (size_t at = 0; at < text.size(); at += 5) {  // in chunks, as a pipe delivers it
    hub.Append("exe_1", Stream::kStdout, std::string_view(text).substr(at, 5));
  }
  hub.End("exe_1");
  const std::vector<json> live = collector_.entries();
  ASSERT_GE(live.size(), 8u);

  StoredOutput stored("exe_1", text, "", clock_.Now(), 0, 12, 1 << 20);
  auto message = stored.Next();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(stored.Next(), std::nullopt);
  const json batch = json::parse(*message);
  EXPECT_EQ(batch["type"], "lines");
  ASSERT_EQ(batch["lines"].size(), live.size());
  for (size_t n = 0; n < live.size(); ++n) {
    EXPECT_EQ(batch["lines"][n]["line"], live[n]["line"]) << n;
    EXPECT_EQ(batch["lines"][n]["sequence"], live[n]["sequence"]) << n;
  }
}

TEST_F(OutputHubTest, StoredOutputComesInBatchesAfterTheSequenceAsked) {
  std::string out, err;
  for (int n = 1; n <= 50; ++n) out += "out " + std::to_string(n) + "\n";
  for (int n = 1; n <= 10; ++n) err += "err " + std::to_string(n) + "\n";
  const size_t entry = LineEntry(Stream::kStdout, "out 10\n", 10, clock_.Now()).size();
  StoredOutput stored("exe_1", out, err, clock_.Now(), 45, 1024, 4 * entry);
  std::vector<uint64_t> sequences;
  std::vector<std::string> lines;
  while (auto message = stored.Next()) {
    const json batch = json::parse(*message);
    EXPECT_LE(batch["lines"].size(), 4u);
    for (const auto& line : batch["lines"]) {
      sequences.push_back(line["sequence"]);
      lines.push_back(line["line"]);
    }
  }
  ASSERT_EQ(sequences.size(), 15u);  // 46..60
  for (size_t n = 0; n < sequences.size(); ++n) EXPECT_EQ(sequences[n], 46 + n);
  EXPECT_EQ(lines.front(), "out 46\n");
  EXPECT_EQ(lines[5], "err 1\n");
  EXPECT_EQ(lines.back(), "err 10\n");
  StoredOutput none("exe_1", out, err, clock_.Now(), 60, 1024, 4 * entry);
  EXPECT_EQ(none.Next(), std::nullopt);
}

TEST_F(OutputHubTest, DeliversTheBacklogFirstThenLiveLines) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "one\ntwo\n");
  hub_.Append("exe_1", Stream::kStderr, "three\n");
  hub_.Subscribe("exe_1", collector_.sink());
  // The backlog arrived, in one batch, before Subscribe returned.
  EXPECT_EQ(collector_.messages().size(), 1u);
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"one\n", "two\n", "three\n"}));
  hub_.Append("exe_1", Stream::kStdout, "four\n");
  const auto entries = collector_.entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[3]["line"], "four\n");
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(entries[2]["stream"], "stderr");
}

TEST_F(OutputHubTest, BatchesLinesUntilTheBatchIsFull) {
  const size_t entry = LineEntry(Stream::kStdout, "line 1\n", 1, clock_.Now()).size();
  OutputHub hub({.batch_bytes = 3 * entry, .batch_delay = std::chrono::hours(1)}, clock_);
  hub.Begin("exe_1");
  hub.Subscribe("exe_1", collector_.sink());
  for (int n = 1; n <= 7; ++n) {
    hub.Append("exe_1", Stream::kStdout, "line " + std::to_string(n) + "\n");
  }
  auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["lines"].size(), 3u);
  EXPECT_EQ(messages[1]["lines"].size(), 3u);
  EXPECT_EQ(messages[1]["lines"][0]["sequence"], 4);
  // The seventh waits; Flush sends it (End would too).
  hub.Flush("exe_1");
  messages = collector_.messages();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[2]["lines"].size(), 1u);
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));

  // A line larger than a batch goes alone; the batch before it goes first.
  hub.Append("exe_1", Stream::kStdout, "small\n" + std::string(4 * entry, 'x') + "\nafter\n");
  messages = collector_.messages();
  ASSERT_EQ(messages.size(), 5u);
  EXPECT_EQ(messages[3]["lines"][0]["line"], "small\n");
  EXPECT_EQ(messages[4]["lines"].size(), 1u);
  EXPECT_EQ(messages[4]["lines"][0]["sequence"], 9);
}

TEST_F(OutputHubTest, SendsABatchOnceItsOldestLineHasWaited) {
  OutputHub hub({.batch_delay = milliseconds(25)}, clock_);
  hub.Begin("exe_1");
  hub.Subscribe("exe_1", collector_.sink());
  EXPECT_EQ(hub.FlushDue(), std::nullopt);  // nothing waits
  const auto started = clock_.SteadyNow();
  hub.Append("exe_1", Stream::kStdout, "one\n");
  clock_.Advance(milliseconds(10));
  hub.Append("exe_1", Stream::kStdout, "two\n");
  EXPECT_EQ(hub.FlushDue(), started + milliseconds(25));  // not yet; due then
  EXPECT_TRUE(collector_.messages().empty());
  clock_.Advance(milliseconds(15));
  EXPECT_EQ(hub.FlushDue(), std::nullopt);
  ASSERT_EQ(collector_.messages().size(), 1u);
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"one\n", "two\n"}));

  // A line that comes once the batch has waited long enough takes it along at once.
  hub.Append("exe_1", Stream::kStdout, "three\n");
  clock_.Advance(milliseconds(30));
  hub.Append("exe_1", Stream::kStdout, "four\n");
  ASSERT_EQ(collector_.messages().size(), 2u);
  EXPECT_EQ(collector_.messages()[1]["lines"].size(), 2u);
  EXPECT_EQ(hub.FlushDue(), std::nullopt);
}

// The server's hub runs the flusher on the real clock: a lone line does not wait for another.
TEST(OutputHubFlusherTest, StartSendsALoneLineWithoutAnotherAppend) {
  SystemClock clock;
  OutputHub hub({.batch_delay = milliseconds(5)}, clock);
  hub.Start();
  hub.Start();  // once is enough; again is harmless
  Collector collector;
  hub.Begin("exe_1");
  hub.Subscribe("exe_1", collector.sink());
  hub.Append("exe_1", Stream::kStdout, "alone\n");
  ASSERT_TRUE(collector.WaitFor(1));
  EXPECT_EQ(collector.lines(), std::vector<std::string>{"alone\n"});
  hub.Append("exe_1", Stream::kStderr, "again\n");
  ASSERT_TRUE(collector.WaitFor(2));
  EXPECT_EQ(collector.lines(), (std::vector<std::string>{"alone\n", "again\n"}));
}

TEST_F(OutputHubTest, AReaderAfterASequenceGetsOnlyTheLaterLines) {
  hub_.Begin("exe_1");
  for (int n = 1; n <= 5; ++n) {
    hub_.Append("exe_1", Stream::kStdout, "line " + std::to_string(n) + "\n");
  }
  hub_.Subscribe("exe_1", collector_.sink(), 3);
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{4, 5}));
  hub_.Append("exe_1", Stream::kStdout, "line 6\n");
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{4, 5, 6}));
  // A reader that has them all gets nothing from the backlog, and nothing is skipped.
  Collector current;
  hub_.Subscribe("exe_1", current.sink(), 6);
  EXPECT_TRUE(current.messages().empty());
  hub_.Append("exe_1", Stream::kStdout, "line 7\n");
  EXPECT_EQ(current.sequences(), std::vector<uint64_t>{7});
}

TEST_F(OutputHubTest, BacklogCapDropsTheOldestLinesAndReadersGetTheGapAsSkipped) {
  const size_t one = LineEntry(Stream::kStdout, "line 1\n", 1, clock_.Now()).size();
  OutputHub hub({.backlog_bytes = 2 * one + 1, .batch_delay = milliseconds(0)}, clock_);
  hub.Begin("exe_1");
  for (int n = 1; n <= 5; ++n) {
    hub.Append("exe_1", Stream::kStdout, "line " + std::to_string(n) + "\n");
  }
  hub.Subscribe("exe_1", collector_.sink());
  auto messages = collector_.messages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], json::parse(SkippedMessage("exe_1", 1, 3)));
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"line 4\n", "line 5\n"}));
  EXPECT_EQ(collector_.sequences(), (std::vector<uint64_t>{4, 5}));

  // After a sequence the backlog still holds the next of: no gap. Before it: the gap only.
  Collector recent, older;
  hub.Subscribe("exe_1", recent.sink(), 3);
  EXPECT_EQ(recent.messages().size(), 1u);
  EXPECT_EQ(recent.sequences(), (std::vector<uint64_t>{4, 5}));
  hub.Subscribe("exe_1", older.sink(), 1);
  ASSERT_EQ(older.messages().size(), 2u);
  EXPECT_EQ(older.messages()[0], json::parse(SkippedMessage("exe_1", 2, 3)));
}

TEST_F(OutputHubTest, SubscribingBeforeBeginGetsTheLinesLater) {
  hub_.Subscribe("exe_1", collector_.sink());
  EXPECT_EQ(hub_.TrackedCount(), 1u);
  hub_.Append("exe_1", Stream::kStdout, "before begin is dropped\n");
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "started\n");
  EXPECT_EQ(collector_.lines(), (std::vector<std::string>{"started\n"}));
  EXPECT_EQ(collector_.sequences(), std::vector<uint64_t>{1});
  EXPECT_EQ(collector_.messages().size(), 1u);  // no skipped range before the first line
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
  EXPECT_TRUE(late.messages().empty());
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
  const auto entries = collector_.entries();
  ASSERT_EQ(entries.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"stdout", "a\n"}, {"stderr", "c\n"}, {"stdout", "b\n"}, {"stderr", "d\n"}};
  for (size_t n = 0; n < entries.size(); ++n) {
    EXPECT_EQ(entries[n]["stream"], expected[n].first);
    EXPECT_EQ(entries[n]["line"], expected[n].second);
    EXPECT_EQ(entries[n]["sequence"], n + 1);
  }
}

TEST_F(OutputHubTest, BeginStartsAFreshBacklog) {
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "old\npartial");
  hub_.Begin("exe_1");
  hub_.Append("exe_1", Stream::kStdout, "new\n");
  hub_.Subscribe("exe_1", collector_.sink());
  const auto entries = collector_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["line"], "new\n");
  EXPECT_EQ(entries[0]["sequence"], 1);
}

TEST_F(OutputHubTest, ConcurrentAppendsAndSubscriptions) {
  constexpr int kLines = 10'000;
  OutputHub hub({.backlog_bytes = 64 << 20, .batch_bytes = 4 << 10}, clock_);
  hub.Begin("exe_1");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int n = 0; n < kLines; ++n) {
      hub.Append("exe_1", n % 3 == 0 ? Stream::kStderr : Stream::kStdout,
                 "line " + std::to_string(n) + "\n");
    }
    done = true;
  });
  // Each subscription must see a gap-free run of sequences (backlog, then live batches), and
  // nothing once Unsubscribe has returned.
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
      const Span span = SpanOf(message);
      if (span.kind != Span::Kind::kLines) state->gap = true;
      if (state->last != 0 && span.first != state->last + 1) state->gap = true;
      state->last = span.last;
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
  hub.Flush("exe_1");  // the last batch, not full yet
  Collector all;
  const uint64_t id = hub.Subscribe("exe_1", all.sink());
  const auto sequences = all.sequences();
  ASSERT_EQ(sequences.size(), static_cast<size_t>(kLines));
  EXPECT_EQ(sequences.back(), static_cast<uint64_t>(kLines));
  for (const auto& message : all.messages()) EXPECT_LE(message.dump().size(), 5u << 10);
  hub.End("exe_1");
  hub.Unsubscribe("exe_1", id);
  EXPECT_EQ(hub.TrackedCount(), 0u);
}

}  // namespace
}  // namespace cronium::live

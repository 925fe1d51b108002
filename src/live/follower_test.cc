#include "live/follower.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "live/messages.h"
#include "testutil/fake_clock.h"

namespace cronium::live {
namespace {

using nlohmann::json;

// A reader's socket that takes messages while it has room.
struct Reader {
  Follower::TrySend try_send() {
    return [this](const std::string& message) {
      if (!room) return false;
      received.push_back(json::parse(message));
      return true;
    };
  }
  // The sequences received, a skipped range as [-from, -to].
  std::vector<int64_t> Seen() const {
    std::vector<int64_t> out;
    for (const auto& message : received) {
      if (message["type"] == "lines") {
        for (const auto& line : message["lines"]) out.push_back(line["sequence"]);
      } else if (message["type"] == "skipped") {
        out.push_back(-message["from"].get<int64_t>());
        out.push_back(-message["to"].get<int64_t>());
      }
    }
    return out;
  }
  bool room = true;
  std::vector<json> received;
};

class FollowerTest : public ::testing::Test {
 protected:
  // A "lines" message of sequences from..to.
  std::string Lines(uint64_t from, uint64_t to) {
    LinesBatch batch;
    for (uint64_t n = from; n <= to; ++n) {
      batch.Add(n, LineEntry(Stream::kStdout, "line " + std::to_string(n) + "\n", n, clock_.Now()));
    }
    return batch.Take("exe_1");
  }

  testutil::FakeClock clock_;
  Reader reader_;
};

TEST_F(FollowerTest, SendsOnlyTheLinesAfterWhatTheReaderHas) {
  Follower follower("exe_1", 2, reader_.try_send());
  EXPECT_FALSE(follower.received());
  EXPECT_EQ(follower.position(), 2u);
  follower.Deliver(Lines(1, 4));  // cut to 3..4
  follower.Deliver(Lines(3, 5));  // cut to 5
  follower.Deliver(Lines(5, 5));  // had it
  follower.Deliver(Lines(6, 7));
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{3, 4, 5, 6, 7}));
  EXPECT_EQ(reader_.received.size(), 3u);
  EXPECT_EQ(reader_.received[0]["lines"][0]["line"], "line 3\n");
  EXPECT_TRUE(follower.received());
  EXPECT_EQ(follower.position(), 7u);
  EXPECT_EQ(follower.Finish(), std::nullopt);
}

TEST_F(FollowerTest, AReaderWithoutRoomGetsWhatItMissedAsOneSkippedRangeFirst) {
  Follower follower("exe_1", 0, reader_.try_send());
  follower.Deliver(Lines(1, 2));
  reader_.room = false;
  follower.Deliver(Lines(3, 5));
  follower.Deliver(Lines(6, 9));
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{1, 2}));
  reader_.room = true;
  follower.Deliver(Lines(10, 11));
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{1, 2, -3, -9, 10, 11}));
  EXPECT_EQ(reader_.received[1], json::parse(SkippedMessage("exe_1", 3, 9)));
  EXPECT_EQ(follower.Finish(), std::nullopt);
}

TEST_F(FollowerTest, ResumeSendsTheSkippedRangeWithoutWaitingForMoreLines) {
  Follower follower("exe_1", 0, reader_.try_send());
  reader_.room = false;
  follower.Deliver(Lines(1, 4));
  follower.Resume();  // still no room: still owed
  EXPECT_TRUE(reader_.received.empty());
  reader_.room = true;
  follower.Resume();
  follower.Resume();  // sent once
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{-1, -4}));
  follower.Deliver(Lines(5, 5));
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{-1, -4, 5}));
}

TEST_F(FollowerTest, FinishHandsOverWhatIsStillOwedAndStops) {
  Follower follower("exe_1", 0, reader_.try_send());
  follower.Deliver(Lines(1, 1));
  reader_.room = false;
  follower.Deliver(Lines(2, 3));
  EXPECT_EQ(follower.Finish(), SkippedMessage("exe_1", 2, 3));
  reader_.room = true;
  follower.Deliver(Lines(4, 4));
  follower.Resume();
  EXPECT_EQ(reader_.Seen(), std::vector<int64_t>{1});  // nothing after Finish
  EXPECT_EQ(follower.Finish(), std::nullopt);
}

TEST_F(FollowerTest, RoomForTheSkippedRangeButNotTheBatchOwesTheBatch) {
  int room_for = 0;  // messages
  Follower follower("exe_1", 0, [&](const std::string& message) {
    if (room_for == 0) return false;
    --room_for;
    return reader_.try_send()(message);
  });
  follower.Deliver(Lines(1, 2));
  room_for = 1;
  follower.Deliver(Lines(3, 4));  // the range goes, the batch does not
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{-1, -2}));
  EXPECT_EQ(follower.Finish(), SkippedMessage("exe_1", 3, 4));
}

TEST_F(FollowerTest, RangesTheFeedSkippedAndJumpsInSequencesAreSkippedRanges) {
  Follower follower("exe_1", 0, reader_.try_send());
  follower.Deliver(SkippedMessage("exe_1", 1, 3));  // the backlog lost them
  follower.Deliver(Lines(4, 5));
  follower.Deliver(Lines(8, 9));                     // 6..7 never came
  follower.Deliver(SkippedMessage("exe_1", 5, 12));  // partly had: 10..12
  follower.Deliver(SkippedMessage("exe_1", 2, 11));  // had
  follower.Deliver(Lines(13, 13));
  EXPECT_EQ(reader_.Seen(), (std::vector<int64_t>{-1, -3, 4, 5, -6, -7, 8, 9, -10, -12, 13}));
  EXPECT_EQ(follower.position(), 13u);
}

TEST_F(FollowerTest, OtherMessagesPassThrough) {
  Follower follower("exe_1", 0, reader_.try_send());
  follower.Deliver(R"({"type":"something","x":1})");
  ASSERT_EQ(reader_.received.size(), 1u);
  EXPECT_EQ(reader_.received[0]["type"], "something");
}

}  // namespace
}  // namespace cronium::live

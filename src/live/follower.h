#pragma once

// One reader of a run's output stream, between what feeds it (OutputHub, Relay: "lines" and
// "skipped" messages, live/messages.h) and its socket. It drops the lines the reader has
// already (sequences up to its position, which starts at the reader's `after`; a batch partly
// had is cut) and sends the rest while the reader can take them. When the reader cannot
// (`try_send` returns false), those lines are dropped and the reader is owed
// {"type":"skipped","from":A,"to":B} for them: sent before anything else once it can take
// messages again (the next message, or Resume when its socket has drained), and at the latest
// by the caller before its end message (Finish). Ranges the feed skipped itself, and lines that
// never came (a jump in sequences), are owed the same way, so the reader gets every sequence
// once, as a line or within a skipped range, in order. Thread-safe; `try_send` runs with the
// follower's lock held and must neither block nor call back into it.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace cronium::live {

class Follower {
 public:
  // Queues `message` for the reader and returns true, or returns false (and drops it) when the
  // reader has no room for it now. Must not block.
  using TrySend = std::function<bool(const std::string& message)>;

  Follower(std::string execution_id, uint64_t after, TrySend try_send);

  // A message of the feed. Others than "lines" and "skipped" are passed on as they are.
  void Deliver(const std::string& message);
  // The reader has room again: sends what it is owed, if it takes it.
  void Resume();
  // Stops: nothing is sent any more. Returns the skipped message still owed, if any, for the
  // caller to send (whatever the room) before its end message.
  std::optional<std::string> Finish();

  // Whether the feed delivered anything (the reader then has the run's lines from it).
  bool received() const;
  // The last sequence the reader has had, as a line or within a skipped range.
  uint64_t position() const;

 private:
  // With mutex_ held.
  void Owe(uint64_t from, uint64_t to);
  bool SendOwed();

  // Immutable after construction.
  const std::string execution_id_;
  const TrySend try_send_;

  mutable std::mutex mutex_;
  uint64_t position_;       // Guarded by mutex_.
  uint64_t owed_from_ = 0;  // Guarded by mutex_; 0: nothing owed
  uint64_t owed_to_ = 0;    // Guarded by mutex_.
  bool received_ = false;   // Guarded by mutex_.
  bool finished_ = false;   // Guarded by mutex_.
};

}  // namespace cronium::live

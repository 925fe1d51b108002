#pragma once

// Live output of running executions, for WebSocket subscribers. The worker that runs an
// execution feeds its output in (Begin, Append, Flush, End); readers subscribe by execution id
// and get the backlog of the run so far, then every new line, in order, in "lines" messages
// (live/messages.h):
//
//   {"type":"lines","executionId":"exe_...","lines":[
//     {"stream":"stdout","line":"hello\n","sequence":1,"timestamp":"2026-11-26T22:00:00.123Z"}]}
//
// A line is complete when its newline arrives; a partial line is sent at Flush or End, or once
// it reaches max_line_bytes. Complete lines wait in a batch shared by the execution's
// subscribers, which goes out when the next line would take it past batch_bytes, when its
// oldest line has waited batch_delay (noticed at the next Append, or by the flusher thread that
// Start runs, or by FlushDue), and at Flush and End. A subscriber that asks for the lines after
// a sequence (`after`) whose successors the backlog no longer holds (it keeps the newest
// backlog_bytes) first gets {"type":"skipped","from":after+1,"to":...} for the gap.
//
// Sinks run on the feeding thread (or the flusher's) and must never block: a slow reader drops
// messages on its own side (live::Follower), it never slows a run down. Subscribing to an
// execution that has not begun (still queued) is allowed: the subscriber gets its lines once it
// begins. The final status is not the hub's business; whoever serves the stream sends it once
// the run has ended (JobQueue::WhenFinished). Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "live/messages.h"

namespace cronium::live {

struct HubOptions {
  size_t backlog_bytes = 1 << 20;  // per execution; the oldest lines are dropped beyond it
  size_t max_line_bytes = 16 << 10;
  size_t batch_bytes = 32 << 10;  // a batch goes out before growing past this (or one line)
  std::chrono::milliseconds batch_delay{25};  // a line waits at most this long (0: not at all)
};

// Receives one message (a JSON text). Must not block.
using Sink = std::function<void(const std::string& message)>;

class OutputHub {
 public:
  OutputHub(HubOptions options, const Clock& clock);
  // Stops the flusher thread, if it runs.
  ~OutputHub();
  OutputHub(const OutputHub&) = delete;
  OutputHub& operator=(const OutputHub&) = delete;

  // Starts the thread that sends batches once their oldest line has waited batch_delay (the
  // server's; without it a batch waits for the next line, Flush or End). It waits on the real
  // clock: with a real Clock only. Once.
  void Start();

  // Worker side. Begin starts a fresh backlog; Append splits `data` into lines and delivers
  // them; End sends the partial lines and the batch and forgets the backlog (subscribers stay
  // registered until they unsubscribe).
  void Begin(const std::string& execution_id);
  void Append(const std::string& execution_id, Stream stream, std::string_view data);
  void End(const std::string& execution_id);
  // Sends partial lines and the batch now (the run's output is complete, its final status not
  // yet stored).
  void Flush(const std::string& execution_id);

  // Sends the batches whose oldest line has waited batch_delay by the clock. Returns when the
  // next batch still waiting will be due (by clock.SteadyNow()), if one waits.
  std::optional<std::chrono::steady_clock::time_point> FlushDue();

  // Reader side. Delivers the backlog after sequence `after` to `sink` before returning (the
  // gap first, if the backlog lost lines after `after`), then live lines. Returns an id for
  // Unsubscribe. After Unsubscribe returns, `sink` is never called again.
  uint64_t Subscribe(const std::string& execution_id, Sink sink, uint64_t after = 0);
  void Unsubscribe(const std::string& execution_id, uint64_t subscription);

  const HubOptions& options() const;

  // How many executions have a backlog or subscribers (for tests and metrics).
  size_t TrackedCount();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cronium::live

#pragma once

// Live output of running executions, for WebSocket subscribers. The worker that runs an
// execution feeds its output in (Begin, Append, End); readers subscribe by execution id and get
// the backlog of the run so far, then every new line, in order. Messages are JSON texts:
//
//   {"type":"output","executionId":"exe_...","stream":"stdout","line":"hello\n",
//    "sequence":1,"timestamp":"2026-11-26T22:00:00.123Z"}
//
// (the field names of the original's log stream, plus "type" and "executionId"). A line is
// sent when its newline arrives; a partial line is sent at End or once it reaches
// max_line_bytes. Sinks run on the feeding thread and must never block: a slow reader drops
// messages on its own side (see http::WebSocket), it never slows a run down.
//
// Subscribing to an execution that has not begun (still queued) is allowed: the subscriber
// gets its lines once it begins. The final status is not the hub's business; whoever serves
// the stream sends it once the run has ended (JobQueue::WhenFinished). Thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cronium::live {

enum class Stream { kStdout, kStderr };

struct HubOptions {
  size_t backlog_bytes = 1 << 20;  // per execution; the oldest lines are dropped beyond it
  size_t max_line_bytes = 16 << 10;
};

// Receives one message (a JSON text). Must not block.
using Sink = std::function<void(const std::string& message)>;

class OutputHub {
 public:
  OutputHub(HubOptions options, const Clock& clock);
  ~OutputHub();
  OutputHub(const OutputHub&) = delete;
  OutputHub& operator=(const OutputHub&) = delete;

  // Worker side. Begin starts a fresh backlog; Append splits `data` into lines and delivers
  // them; End flushes partial lines and forgets the backlog (subscribers stay registered
  // until they unsubscribe).
  void Begin(const std::string& execution_id);
  void Append(const std::string& execution_id, Stream stream, std::string_view data);
  void End(const std::string& execution_id);
  // Sends partial lines now (the run's output is complete, its final status not yet stored).
  void Flush(const std::string& execution_id);

  // Reader side. Delivers the backlog to `sink` before returning, then live lines. Returns an
  // id for Unsubscribe. After Unsubscribe returns, `sink` is never called again.
  uint64_t Subscribe(const std::string& execution_id, Sink sink);
  void Unsubscribe(const std::string& execution_id, uint64_t subscription);

  // How many executions have a backlog or subscribers (for tests and metrics).
  size_t TrackedCount();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Renders one output message (used by the hub, and for stored output of a finished run).
std::string OutputMessage(std::string_view execution_id, Stream stream, std::string_view line,
                          uint64_t sequence, TimePoint at);

}  // namespace cronium::live

#pragma once

// The messages of a run's output stream (GET /api/v1/executions/{id}/stream) that carry lines,
// rendered and read back. Lines go in batches; each line keeps the fields of the original's
// log stream, `line` as printed, its "\n" included (a line cut at the limit, or the last one
// of a run, has none):
//
//   {"type":"lines","executionId":"exe_...","lines":[
//     {"stream":"stdout","line":"hello\n","sequence":1,"timestamp":"2026-11-26T22:00:00.123Z"},
//     ...]}
//
// and a range of lines (sequences, inclusive) that a reader will not get from the stream (it
// fell behind, or they were dropped from the backlog before it came):
//
//   {"type":"skipped","executionId":"exe_...","from":2,"to":40}
//
// Sequences count the lines of one run from 1, stdout and stderr together. Free functions and
// thread-compatible values.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace cronium::live {

enum class Stream { kStdout, kStderr };

// One line of a "lines" message, a JSON object. Scripts print anything: invalid UTF-8 becomes
// U+FFFD, control characters are escaped.
std::string LineEntry(Stream stream, std::string_view line, uint64_t sequence, TimePoint at);

// Line entries gathered into one "lines" message.
class LinesBatch {
 public:
  // `entry` is a LineEntry of line `sequence`; sequences come in increasing order.
  void Add(uint64_t sequence, std::string_view entry);
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  size_t bytes() const { return entry_bytes_; }  // of the entries, not counting the envelope
  uint64_t first() const { return first_; }
  uint64_t last() const { return last_; }
  // The message; the batch is empty again.
  std::string Take(std::string_view execution_id);

 private:
  std::string body_;  // the entries, comma-separated
  size_t count_ = 0;
  size_t entry_bytes_ = 0;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
};

std::string SkippedMessage(std::string_view execution_id, uint64_t from, uint64_t to);

// What a stream message covers, read from its text without parsing it all (a line's text
// cannot fake a key: its quotes are escaped). kOther for any other message (status, end).
struct Span {
  enum class Kind { kOther, kLines, kSkipped };
  Kind kind = Kind::kOther;
  uint64_t first = 0;  // the first sequence, or "from"
  uint64_t last = 0;   // the last sequence, or "to"
};
Span SpanOf(std::string_view message);

// `message` (a "lines" message) with only its lines after sequence `after`; nullopt when none
// is (or the message cannot be read).
std::optional<std::string> LinesAfter(std::string_view message, uint64_t after);

// Where to cut a piece of a line that reached the length limit: before a UTF-8 sequence that
// the limit splits, so both parts stay readable. Returns a length in 1..piece.size().
size_t LineCut(std::string_view piece);

// A finished run's stored output as "lines" messages, one batch at a time (so that a caller
// can send them as fast as its reader takes them; a batch's entries stay within batch_bytes
// unless it holds one line): stdout's lines, then stderr's, numbered from
// 1 and cut at `max_line_bytes` as OutputHub cuts live lines, only those after `after`. For a
// run that printed on one stream only, the sequences are those its live lines had (the store
// does not keep how the two streams interleaved).
class StoredOutput {
 public:
  StoredOutput(std::string execution_id, std::string stdout_text, std::string stderr_text,
               TimePoint at, uint64_t after, size_t max_line_bytes, size_t batch_bytes);
  // The next message; nullopt once every line is out.
  std::optional<std::string> Next();

 private:
  const std::string execution_id_;
  const std::string text_[2];
  const TimePoint at_;
  const uint64_t after_;
  const size_t max_line_bytes_;
  const size_t batch_bytes_;
  size_t stream_ = 0;  // the one being read: 0 stdout, 1 stderr, 2 done
  size_t offset_ = 0;  // in text_[stream_]
  uint64_t sequence_ = 0;
};

}  // namespace cronium::live

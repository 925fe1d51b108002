#include "live/output_hub.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "base/time_format.h"
#include "base/utf8.h"

namespace cronium::live {
namespace {

std::string_view StreamName(Stream stream) {
  return stream == Stream::kStdout ? "stdout" : "stderr";
}

// Where to cut a line that reached the limit: before a UTF-8 sequence that the limit splits,
// so that both pieces stay readable.
size_t CutPoint(std::string_view line) {
  for (size_t back = 0; back < 4 && back < line.size(); ++back) {
    const size_t at = line.size() - 1 - back;
    const auto c = static_cast<unsigned char>(line[at]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte; look further back
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return back + 1 < length && at > 0 ? at : line.size();
  }
  return line.size();
}

}  // namespace

std::string OutputMessage(std::string_view execution_id, Stream stream, std::string_view line,
                          uint64_t sequence, TimePoint at) {
  // ordered_json keeps the documented field order; scripts print anything, so invalid UTF-8
  // becomes U+FFFD instead of an exception.
  nlohmann::ordered_json message;
  message["type"] = "output";
  message["executionId"] = std::string(execution_id);
  message["stream"] = std::string(StreamName(stream));
  message["line"] = IsValidUtf8(line) ? std::string(line) : SanitizeUtf8(line);
  message["sequence"] = sequence;
  message["timestamp"] = FormatRfc3339(at);
  return message.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// One execution's state. `mutex` is held while its sinks run, which keeps each subscriber's
// messages in order and makes "never called after Unsubscribe returns" hold; sinks must not
// block and must not call back into the hub. Lock order: the hub's mutex, then this one.
struct Execution {
  std::mutex mutex;
  bool removed = false;  // erased from the map; whoever locked it late looks it up again
  bool running = false;  // between Begin and End
  std::deque<std::string> backlog;
  size_t backlog_bytes = 0;
  std::string partial[2];  // per stream, the start of a line whose newline has not arrived
  uint64_t next_sequence = 1;
  std::map<uint64_t, Sink> subscribers;

  bool Idle() const { return !running && subscribers.empty(); }
};

struct OutputHub::Impl {
  Impl(HubOptions opts, const Clock& c) : options(opts), clock(c) {
    options.max_line_bytes = std::max<size_t>(options.max_line_bytes, 4);
  }

  // The execution's entry, locked; created when `create`, else null if there is none. The
  // hub's mutex is not held while waiting for the entry's, so a long delivery on one execution
  // (a backlog) does not stall the others.
  std::pair<std::shared_ptr<Execution>, std::unique_lock<std::mutex>> Lock(const std::string& id,
                                                                           bool create) {
    for (;;) {
      std::shared_ptr<Execution> entry;
      {
        std::lock_guard lock(mutex);
        auto it = executions.find(id);
        if (it == executions.end()) {
          if (!create) return {};
          it = executions.emplace(id, std::make_shared<Execution>()).first;
        }
        entry = it->second;
      }
      std::unique_lock entry_lock(entry->mutex);
      if (!entry->removed) return {std::move(entry), std::move(entry_lock)};
    }
  }

  // Forgets the entry if nothing needs it any more (no run in progress, no subscriber).
  void ForgetIfIdle(const std::string& id, const std::shared_ptr<Execution>& entry) {
    std::lock_guard lock(mutex);
    std::lock_guard entry_lock(entry->mutex);
    if (entry->removed || !entry->Idle()) return;
    entry->removed = true;
    auto it = executions.find(id);
    if (it != executions.end() && it->second == entry) executions.erase(it);
  }

  // With entry->mutex held.
  void Emit(const std::string& id, Execution& entry, Stream stream, std::string_view line) {
    std::string message = OutputMessage(id, stream, line, entry.next_sequence++, clock.Now());
    for (auto& [subscription, sink] : entry.subscribers) sink(message);
    entry.backlog_bytes += message.size();
    entry.backlog.push_back(std::move(message));
    while (entry.backlog_bytes > options.backlog_bytes && !entry.backlog.empty()) {
      entry.backlog_bytes -= entry.backlog.front().size();
      entry.backlog.pop_front();
    }
  }

  // With entry.mutex held: sends the lines whose newline has not arrived.
  void EmitPartialLines(const std::string& id, Execution& entry) {
    for (Stream stream : {Stream::kStdout, Stream::kStderr}) {
      std::string& partial = entry.partial[stream == Stream::kStdout ? 0 : 1];
      if (!partial.empty()) Emit(id, entry, stream, partial);
      partial.clear();
    }
  }

  HubOptions options;
  const Clock& clock;
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<Execution>> executions;  // Guarded by mutex.
  uint64_t next_subscription = 1;                                          // Guarded by mutex.
};

OutputHub::OutputHub(HubOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(options, clock)) {}

OutputHub::~OutputHub() = default;

void OutputHub::Begin(const std::string& execution_id) {
  auto [entry, lock] = impl_->Lock(execution_id, true);
  entry->running = true;
  entry->backlog.clear();
  entry->backlog_bytes = 0;
  entry->partial[0].clear();
  entry->partial[1].clear();
  entry->next_sequence = 1;
}

void OutputHub::Append(const std::string& execution_id, Stream stream, std::string_view data) {
  auto [entry, lock] = impl_->Lock(execution_id, false);
  // Output outside Begin..End (a late chunk after End) is dropped rather than starting a
  // backlog that nothing would ever end.
  if (!entry || !entry->running) return;
  std::string& partial = entry->partial[stream == Stream::kStdout ? 0 : 1];
  const size_t limit = impl_->options.max_line_bytes;
  while (!data.empty()) {
    const size_t newline = data.find('\n');
    const size_t take = newline == std::string_view::npos ? data.size() : newline + 1;
    if (partial.size() + take <= limit) {
      partial.append(data.substr(0, take));
      data.remove_prefix(take);
      if (newline == std::string_view::npos) break;
      impl_->Emit(execution_id, *entry, stream, partial);
      partial.clear();
      continue;
    }
    // The line would grow past the limit: send what fits as a line of its own.
    const size_t room = limit - partial.size();
    partial.append(data.substr(0, room));
    data.remove_prefix(room);
    const size_t cut = CutPoint(partial);
    impl_->Emit(execution_id, *entry, stream, std::string_view(partial).substr(0, cut));
    partial.erase(0, cut);
  }
}

void OutputHub::Flush(const std::string& execution_id) {
  auto [entry, lock] = impl_->Lock(execution_id, false);
  if (entry && entry->running) impl_->EmitPartialLines(execution_id, *entry);
}

void OutputHub::End(const std::string& execution_id) {
  std::shared_ptr<Execution> forget;
  {
    auto [entry, lock] = impl_->Lock(execution_id, false);
    if (!entry || !entry->running) return;
    impl_->EmitPartialLines(execution_id, *entry);
    entry->running = false;
    entry->backlog.clear();
    entry->backlog_bytes = 0;
    if (entry->subscribers.empty()) forget = entry;
  }
  if (forget) impl_->ForgetIfIdle(execution_id, forget);
}

uint64_t OutputHub::Subscribe(const std::string& execution_id, Sink sink) {
  uint64_t subscription = 0;
  {
    std::lock_guard lock(impl_->mutex);
    subscription = impl_->next_subscription++;
  }
  auto [entry, lock] = impl_->Lock(execution_id, true);
  for (const auto& message : entry->backlog) sink(message);
  entry->subscribers.emplace(subscription, std::move(sink));
  return subscription;
}

void OutputHub::Unsubscribe(const std::string& execution_id, uint64_t subscription) {
  std::shared_ptr<Execution> forget;
  {
    auto [entry, lock] = impl_->Lock(execution_id, false);
    if (!entry) return;
    entry->subscribers.erase(subscription);
    if (entry->Idle()) forget = entry;
  }
  if (forget) impl_->ForgetIfIdle(execution_id, forget);
}

size_t OutputHub::TrackedCount() {
  std::lock_guard lock(impl_->mutex);
  return impl_->executions.size();
}

}  // namespace cronium::live

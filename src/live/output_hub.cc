#include "live/output_hub.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cronium::live {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

}  // namespace

// One execution's state. `mutex` is held while its sinks run, which keeps each subscriber's
// messages in order and makes "never called after Unsubscribe returns" hold; sinks must not
// block and must not call back into the hub. Lock order: the hub's mutex, then this one, then
// the flusher's.
struct Execution {
  // A line, rendered as an entry of a "lines" message.
  struct Line {
    uint64_t sequence = 0;
    std::string entry;
  };

  std::mutex mutex;
  bool removed = false;      // erased from the map; whoever locked it late looks it up again
  bool running = false;      // between Begin and End
  std::deque<Line> backlog;  // lines sent, the newest backlog_bytes of them
  size_t backlog_bytes = 0;
  std::vector<Line> batch;  // lines not sent yet
  size_t batch_bytes = 0;
  SteadyTime batch_since;  // when the batch's first line came
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

  // With entry.mutex held: a new line joins the batch, which goes out when it is full or old.
  void Emit(const std::string& id, Execution& entry, Stream stream, std::string_view text) {
    const uint64_t sequence = entry.next_sequence++;
    Execution::Line line{sequence, LineEntry(stream, text, sequence, clock.Now())};
    if (!entry.batch.empty() && entry.batch_bytes + line.entry.size() > options.batch_bytes) {
      SendBatch(id, entry);
    }
    const SteadyTime now = clock.SteadyNow();
    const bool first = entry.batch.empty();
    if (first) entry.batch_since = now;
    entry.batch_bytes += line.entry.size();
    entry.batch.push_back(std::move(line));
    if (entry.batch_bytes >= options.batch_bytes ||
        now - entry.batch_since >= options.batch_delay) {
      SendBatch(id, entry);
    } else if (first) {
      WakeFlusher();
    }
  }

  // With entry.mutex held: delivers the batch and moves its lines to the backlog.
  void SendBatch(const std::string& id, Execution& entry) {
    if (entry.batch.empty()) return;
    LinesBatch batch;
    for (const Execution::Line& line : entry.batch) batch.Add(line.sequence, line.entry);
    const std::string message = batch.Take(id);
    for (auto& [subscription, sink] : entry.subscribers) sink(message);
    for (Execution::Line& line : entry.batch) {
      entry.backlog_bytes += line.entry.size();
      entry.backlog.push_back(std::move(line));
    }
    entry.batch.clear();
    entry.batch_bytes = 0;
    while (entry.backlog_bytes > options.backlog_bytes && !entry.backlog.empty()) {
      entry.backlog_bytes -= entry.backlog.front().entry.size();
      entry.backlog.pop_front();
    }
  }

  // With entry.mutex held: sends the lines whose newline has not arrived, then the batch.
  void SendEverything(const std::string& id, Execution& entry) {
    for (Stream stream : {Stream::kStdout, Stream::kStderr}) {
      std::string& partial = entry.partial[stream == Stream::kStdout ? 0 : 1];
      if (!partial.empty()) Emit(id, entry, stream, partial);
      partial.clear();
    }
    SendBatch(id, entry);
  }

  // With entry.mutex held: delivers the backlog after `after` to a new subscriber.
  void SendBacklog(const std::string& id, const Execution& entry, const Sink& sink,
                   uint64_t after) {
    if (!entry.running) return;
    const uint64_t oldest = !entry.backlog.empty() ? entry.backlog.front().sequence
                            : !entry.batch.empty() ? entry.batch.front().sequence
                                                   : entry.next_sequence;
    if (oldest > after + 1) sink(SkippedMessage(id, after + 1, oldest - 1));
    LinesBatch batch;
    for (const Execution::Line& line : entry.backlog) {
      if (line.sequence <= after) continue;
      if (!batch.empty() && batch.bytes() + line.entry.size() > options.batch_bytes) {
        sink(batch.Take(id));
      }
      batch.Add(line.sequence, line.entry);
    }
    if (!batch.empty()) sink(batch.Take(id));
  }

  void WakeFlusher() {
    {
      std::lock_guard lock(flush_mutex);
      flush_wanted = true;
    }
    flush_cv.notify_one();
  }

  void FlusherLoop() {
    std::unique_lock lock(flush_mutex);
    auto woken = [this] { return stopping || flush_wanted; };
    while (!stopping) {
      flush_wanted = false;
      lock.unlock();
      const std::optional<SteadyTime> next = FlushDue();
      lock.lock();
      if (woken()) continue;  // a batch began meanwhile: its time is computed next round
      if (next) {
        const auto wait = std::max<std::chrono::steady_clock::duration>(
            *next - clock.SteadyNow(), std::chrono::milliseconds(1));
        flush_cv.wait_for(lock, wait, woken);
      } else {
        flush_cv.wait(lock, woken);
      }
    }
  }

  std::optional<SteadyTime> FlushDue() {
    std::vector<std::pair<std::string, std::shared_ptr<Execution>>> entries;
    {
      std::lock_guard lock(mutex);
      entries.assign(executions.begin(), executions.end());
    }
    std::optional<SteadyTime> next;
    for (auto& [id, entry] : entries) {
      std::lock_guard entry_lock(entry->mutex);
      if (entry->removed || entry->batch.empty()) continue;
      const SteadyTime due = entry->batch_since + options.batch_delay;
      if (due <= clock.SteadyNow()) {
        SendBatch(id, *entry);
      } else if (!next || due < *next) {
        next = due;
      }
    }
    return next;
  }

  void StopFlusher() {
    {
      std::lock_guard lock(flush_mutex);
      stopping = true;
    }
    flush_cv.notify_one();
    if (flusher.joinable()) flusher.join();
  }

  // Immutable after construction.
  HubOptions options;
  const Clock& clock;

  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<Execution>> executions;  // Guarded by mutex.
  uint64_t next_subscription = 1;                                          // Guarded by mutex.

  std::mutex flush_mutex;
  std::condition_variable flush_cv;
  bool flush_wanted = false;  // Guarded by flush_mutex: a batch began
  bool stopping = false;      // Guarded by flush_mutex.
  std::thread flusher;        // Started once under flush_mutex; joined by the destructor.
};

OutputHub::OutputHub(HubOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(options, clock)) {}

OutputHub::~OutputHub() { impl_->StopFlusher(); }

void OutputHub::Start() {
  std::lock_guard lock(impl_->flush_mutex);
  if (impl_->flusher.joinable() || impl_->stopping) return;
  impl_->flusher = std::thread([impl = impl_.get()] { impl->FlusherLoop(); });
}

void OutputHub::Begin(const std::string& execution_id) {
  auto [entry, lock] = impl_->Lock(execution_id, true);
  entry->running = true;
  entry->backlog.clear();
  entry->backlog_bytes = 0;
  entry->batch.clear();
  entry->batch_bytes = 0;
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
    const size_t cut = LineCut(partial);
    impl_->Emit(execution_id, *entry, stream, std::string_view(partial).substr(0, cut));
    partial.erase(0, cut);
  }
}

void OutputHub::Flush(const std::string& execution_id) {
  auto [entry, lock] = impl_->Lock(execution_id, false);
  if (entry && entry->running) impl_->SendEverything(execution_id, *entry);
}

void OutputHub::End(const std::string& execution_id) {
  std::shared_ptr<Execution> forget;
  {
    auto [entry, lock] = impl_->Lock(execution_id, false);
    if (!entry || !entry->running) return;
    impl_->SendEverything(execution_id, *entry);
    entry->running = false;
    entry->backlog.clear();
    entry->backlog_bytes = 0;
    if (entry->subscribers.empty()) forget = entry;
  }
  if (forget) impl_->ForgetIfIdle(execution_id, forget);
}

std::optional<std::chrono::steady_clock::time_point> OutputHub::FlushDue() {
  return impl_->FlushDue();
}

uint64_t OutputHub::Subscribe(const std::string& execution_id, Sink sink, uint64_t after) {
  uint64_t subscription = 0;
  {
    std::lock_guard lock(impl_->mutex);
    subscription = impl_->next_subscription++;
  }
  auto [entry, lock] = impl_->Lock(execution_id, true);
  impl_->SendBacklog(execution_id, *entry, sink, after);
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

const HubOptions& OutputHub::options() const { return impl_->options; }

size_t OutputHub::TrackedCount() {
  std::lock_guard lock(impl_->mutex);
  return impl_->executions.size();
}

}  // namespace cronium::live

#include "live/relay.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "live/messages.h"

namespace cronium::live {
namespace {

// Splits `text` at tabs into at most `max` fields (the last keeps any further tabs).
std::vector<std::string_view> Fields(std::string_view text, size_t max) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < max) {
    const size_t tab = text.find('\t');
    if (tab == std::string_view::npos) break;
    fields.push_back(text.substr(0, tab));
    text.remove_prefix(tab + 1);
  }
  fields.push_back(text);
  return fields;
}

uint64_t ParseId(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 19) return 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

struct Relay::Impl {
  // A reader here of a run elsewhere.
  struct Watch {
    std::string execution_id;
    Sink sink;
    std::string partial;  // parts of message `serial` received so far
    uint64_t serial = 0;
    bool discarding = false;  // message `serial` outgrew the bound; its parts are dropped
    uint64_t delivered = 0;   // the last sequence handed to `sink`, as a line or skipped
  };
  // A reader elsewhere of a run here.
  struct Relayed {
    std::string execution_id;
    uint64_t subscription = 0;
  };

  Impl(std::string node_id, OutputHub& output, Publish publisher, RelayOptions limits)
      : node(std::move(node_id)), hub(output), publish(std::move(publisher)), options(limits) {
    // Watch ids of an earlier life of this node must not match today's: a node that died
    // without saying Unwatch may still be sent lines of its old watches for a while.
    next_watch = (std::random_device{}() & 0xffffffffULL) << 16 | 1;
  }

  // Publishes `message` for `watcher`'s watch, in parts when it is long.
  void PublishMessage(const std::string& watcher, uint64_t watch, std::string_view message) {
    const uint64_t id = serial.fetch_add(1) + 1;
    do {
      const std::string head = fmt::format("O\t{}\t{}\t{}\t", watcher, watch, id);
      size_t room = kMaxPayload - head.size() - 2;
      size_t cut = std::min(room, message.size());
      // Between characters: never before a UTF-8 continuation byte.
      while (cut > 0 && cut < message.size() &&
             (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      const bool more = cut < message.size();
      publish(head + (more ? "1\t" : "0\t") + std::string(message.substr(0, cut)));
      message.remove_prefix(cut);
    } while (!message.empty());
  }

  // With `again`, a watch relayed already is served from the backlog once more.
  void OnWatch(std::string_view watcher, uint64_t watch, std::string_view execution_id,
               bool again) {
    if (watcher == node || watch == 0 || execution_id.empty()) return;  // our own reader
    std::lock_guard lock(mutex);
    auto key = std::make_pair(std::string(watcher), watch);
    if (auto it = relayed.find(key); it != relayed.end()) {
      if (!again || it->second.execution_id != execution_id) return;
      hub.Unsubscribe(it->second.execution_id, it->second.subscription);
      relayed.erase(it);
    }
    if (relayed.size() >= options.max_relays) return;
    Relayed& entry = relayed[key];
    entry.execution_id = std::string(execution_id);
    // The backlog is delivered before Subscribe returns, then every line as it comes.
    entry.subscription = hub.Subscribe(
        entry.execution_id, [this, watcher = key.first, watch](const std::string& message) {
          PublishMessage(watcher, watch, message);
        });
  }

  void OnUnwatch(std::string_view watcher, uint64_t watch) {
    std::lock_guard lock(mutex);
    auto it = relayed.find(std::make_pair(std::string(watcher), watch));
    if (it == relayed.end()) return;
    hub.Unsubscribe(it->second.execution_id, it->second.subscription);
    relayed.erase(it);
  }

  void OnOutput(std::string_view watcher, uint64_t watch, uint64_t message, std::string_view more,
                std::string_view part) {
    if (watcher != node) return;
    std::lock_guard lock(mutex);
    auto it = watches.find(watch);
    if (it == watches.end()) return;
    Watch& w = it->second;
    if (message != w.serial) {  // a new message (the parts of one come in a row)
      w.partial.clear();
      w.serial = message;
      w.discarding = false;
    }
    if (w.discarding) return;
    if (w.partial.size() + part.size() > options.max_message_bytes) {
      w.partial.clear();  // larger than any message a hub makes: not ours to hold
      w.discarding = true;
      return;
    }
    w.partial.append(part);
    if (more == "1") return;
    std::string whole = std::move(w.partial);
    w.partial.clear();
    // After a Resync the backlog comes again: what the reader had is not sent twice, and a
    // batch it had in part is cut to the lines it has not.
    if (const Span span = SpanOf(whole); span.kind != Span::Kind::kOther) {
      if (span.last <= w.delivered) return;
      if (span.first <= w.delivered) {
        if (span.kind == Span::Kind::kSkipped) {
          whole = SkippedMessage(w.execution_id, w.delivered + 1, span.last);
        } else if (auto later = LinesAfter(whole, w.delivered)) {
          whole = std::move(*later);
        } else {
          return;
        }
      }
      w.delivered = span.last;
    }
    w.sink(whole);
  }

  // Announces every watch of this node, as `kind` (W or R).
  void Announce(char kind) {
    std::vector<std::string> payloads;
    {
      std::lock_guard lock(mutex);
      for (const auto& [id, w] : watches) {
        payloads.push_back(fmt::format("{}\t{}\t{}\t{}", kind, node, id, w.execution_id));
      }
    }
    for (auto& payload : payloads) publish(std::move(payload));
  }

  const std::string node;
  OutputHub& hub;
  const Publish publish;
  const RelayOptions options;
  std::atomic<uint64_t> serial{0};
  std::mutex mutex;
  uint64_t next_watch;                                          // Guarded by mutex.
  std::map<uint64_t, Watch> watches;                            // Guarded by mutex.
  std::map<std::pair<std::string, uint64_t>, Relayed> relayed;  // Guarded by mutex.
};

Relay::Relay(std::string node_id, OutputHub& hub, Publish publish, RelayOptions options)
    : impl_(std::make_unique<Impl>(std::move(node_id), hub, std::move(publish), options)) {}

Relay::~Relay() {
  std::lock_guard lock(impl_->mutex);
  for (auto& [key, entry] : impl_->relayed) {
    impl_->hub.Unsubscribe(entry.execution_id, entry.subscription);
  }
  impl_->relayed.clear();
}

uint64_t Relay::Watch(const std::string& execution_id, Sink sink) {
  uint64_t id = 0;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->watches.size() >= impl_->options.max_watches) return 0;
    id = impl_->next_watch++;
    impl_->watches[id] = Impl::Watch{execution_id, std::move(sink), {}};
  }
  impl_->publish(fmt::format("W\t{}\t{}\t{}", impl_->node, id, execution_id));
  return id;
}

void Relay::Unwatch(uint64_t watch) {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->watches.erase(watch) == 0) return;
  }
  impl_->publish(fmt::format("U\t{}\t{}", impl_->node, watch));
}

void Relay::Received(std::string_view payload) {
  if (payload.starts_with("W\t") || payload.starts_with("R\t")) {
    auto f = Fields(payload.substr(2), 3);
    if (f.size() == 3) impl_->OnWatch(f[0], ParseId(f[1]), f[2], payload[0] == 'R');
  } else if (payload.starts_with("S\t")) {
    if (payload.substr(2) != impl_->node) impl_->Announce('W');
  } else if (payload.starts_with("U\t")) {
    auto f = Fields(payload.substr(2), 2);
    if (f.size() == 2) impl_->OnUnwatch(f[0], ParseId(f[1]));
  } else if (payload.starts_with("O\t")) {
    auto f = Fields(payload.substr(2), 5);
    if (f.size() == 5) impl_->OnOutput(f[0], ParseId(f[1]), ParseId(f[2]), f[3], f[4]);
  }
}

void Relay::Resync() {
  impl_->publish(fmt::format("S\t{}", impl_->node));
  impl_->Announce('R');
}

void Relay::Ended(const std::string& execution_id) {
  std::lock_guard lock(impl_->mutex);
  for (auto it = impl_->relayed.begin(); it != impl_->relayed.end();) {
    if (it->second.execution_id != execution_id) {
      ++it;
      continue;
    }
    impl_->hub.Unsubscribe(execution_id, it->second.subscription);
    it = impl_->relayed.erase(it);
  }
}

size_t Relay::RelayedCount() {
  std::lock_guard lock(impl_->mutex);
  return impl_->relayed.size();
}

}  // namespace cronium::live

#include "live/follower.h"

#include <algorithm>
#include <utility>

#include "live/messages.h"

namespace cronium::live {

Follower::Follower(std::string execution_id, uint64_t after, TrySend try_send)
    : execution_id_(std::move(execution_id)), try_send_(std::move(try_send)), position_(after) {}

void Follower::Deliver(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  received_ = true;
  const Span span = SpanOf(message);
  if (span.kind == Span::Kind::kOther) {
    try_send_(message);
    return;
  }
  if (span.last <= position_) return;  // had already
  if (span.kind == Span::Kind::kSkipped) {
    Owe(position_ + 1, span.last);
    position_ = span.last;
    SendOwed();
    return;
  }
  if (span.first > position_ + 1) Owe(position_ + 1, span.first - 1);  // never came
  std::optional<std::string> later;
  if (span.first <= position_) {
    later = LinesAfter(message, position_);
    if (!later) return;
  }
  const uint64_t from = std::max(span.first, position_ + 1);
  position_ = span.last;
  if (!SendOwed() || !try_send_(later ? *later : message)) Owe(from, span.last);
}

void Follower::Resume() {
  std::lock_guard lock(mutex_);
  if (!finished_) SendOwed();
}

std::optional<std::string> Follower::Finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  if (owed_from_ == 0) return std::nullopt;
  std::string message = SkippedMessage(execution_id_, owed_from_, owed_to_);
  owed_from_ = owed_to_ = 0;
  return message;
}

bool Follower::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

uint64_t Follower::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

// Owed ranges only grow at their end: a new one starts only once the last was sent.
void Follower::Owe(uint64_t from, uint64_t to) {
  if (owed_from_ == 0) owed_from_ = from;
  owed_to_ = to;
}

bool Follower::SendOwed() {
  if (owed_from_ == 0) return true;
  if (!try_send_(SkippedMessage(execution_id_, owed_from_, owed_to_))) return false;
  owed_from_ = owed_to_ = 0;
  return true;
}

}  // namespace cronium::live

#include "live/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/time_format.h"
#include "base/utf8.h"

namespace cronium::live {
namespace {

// A JSON string; invalid UTF-8 becomes U+FFFD instead of an exception.
std::string Quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The number after the first `key` at or after `from` (0 if none).
uint64_t NumberAfter(std::string_view message, std::string_view key, size_t at) {
  if (at == std::string_view::npos) return 0;
  uint64_t value = 0;
  int digits = 0;
  for (size_t n = at + key.size(); n < message.size() && digits < 20; ++n, ++digits) {
    const char c = message[n];
    if (c < '0' || c > '9') break;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return digits == 0 || digits > 19 ? 0 : value;
}

}  // namespace

std::string LineEntry(Stream stream, std::string_view line, uint64_t sequence, TimePoint at) {
  return fmt::format(R"({{"stream":"{}","line":{},"sequence":{},"timestamp":"{}"}})",
                     stream == Stream::kStdout ? "stdout" : "stderr",
                     Quoted(IsValidUtf8(line) ? line : SanitizeUtf8(line)), sequence,
                     FormatRfc3339(at));
}

void LinesBatch::Add(uint64_t sequence, std::string_view entry) {
  if (count_++ == 0) {
    first_ = sequence;
  } else {
    body_ += ',';
  }
  last_ = sequence;
  entry_bytes_ += entry.size();
  body_.append(entry);
}

std::string LinesBatch::Take(std::string_view execution_id) {
  std::string message = fmt::format(R"({{"type":"lines","executionId":{},"lines":[{}]}})",
                                    Quoted(execution_id), body_);
  body_.clear();
  count_ = 0;
  entry_bytes_ = 0;
  first_ = last_ = 0;
  return message;
}

std::string SkippedMessage(std::string_view execution_id, uint64_t from, uint64_t to) {
  return fmt::format(R"({{"type":"skipped","executionId":{},"from":{},"to":{}}})",
                     Quoted(execution_id), from, to);
}

Span SpanOf(std::string_view message) {
  if (message.starts_with(R"({"type":"lines",)")) {
    constexpr std::string_view kKey = R"("sequence":)";
    const uint64_t first = NumberAfter(message, kKey, message.find(kKey));
    const uint64_t last = NumberAfter(message, kKey, message.rfind(kKey));
    if (first == 0 || last < first) return {};
    return {Span::Kind::kLines, first, last};
  }
  if (message.starts_with(R"({"type":"skipped",)")) {
    constexpr std::string_view kFrom = R"("from":)";
    constexpr std::string_view kTo = R"("to":)";
    const uint64_t from = NumberAfter(message, kFrom, message.find(kFrom));
    const uint64_t to = NumberAfter(message, kTo, message.find(kTo));
    if (from == 0 || to < from) return {};
    return {Span::Kind::kSkipped, from, to};
  }
  return {};
}

std::optional<std::string> LinesAfter(std::string_view message, uint64_t after) {
  auto doc = nlohmann::ordered_json::parse(message, nullptr, false);
  if (doc.is_discarded() || !doc.contains("lines") || !doc["lines"].is_array()) {
    return std::nullopt;
  }
  auto& lines = doc["lines"];
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (auto& line : lines) {
    if (line.value("sequence", uint64_t{0}) > after) kept.push_back(std::move(line));
  }
  if (kept.empty()) return std::nullopt;
  lines = std::move(kept);
  return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

size_t LineCut(std::string_view piece) {
  for (size_t back = 0; back < 4 && back < piece.size(); ++back) {
    const size_t at = piece.size() - 1 - back;
    const auto c = static_cast<unsigned char>(piece[at]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte; look further back
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return back + 1 < length && at > 0 ? at : piece.size();
  }
  return piece.size();
}

StoredOutput::StoredOutput(std::string execution_id, std::string stdout_text,
                           std::string stderr_text, TimePoint at, uint64_t after,
                           size_t max_line_bytes, size_t batch_bytes)
    : execution_id_(std::move(execution_id)),
      text_{std::move(stdout_text), std::move(stderr_text)},
      at_(at),
      after_(after),
      max_line_bytes_(std::max<size_t>(max_line_bytes, 4)),
      batch_bytes_(batch_bytes) {}

std::optional<std::string> StoredOutput::Next() {
  LinesBatch batch;
  while (stream_ < 2) {
    const std::string_view text = text_[stream_];
    if (offset_ >= text.size()) {
      ++stream_;
      offset_ = 0;
      continue;
    }
    // The line up to its "\n", or the first max_line_bytes of a longer one (as the hub cuts).
    std::string_view line = text.substr(offset_, max_line_bytes_ + 1);
    if (const size_t newline = line.find('\n'); newline != std::string_view::npos) {
      line = line.substr(0, newline + 1);
    }
    if (line.size() > max_line_bytes_) {
      line = line.substr(0, LineCut(line.substr(0, max_line_bytes_)));
    }
    const uint64_t sequence = sequence_ + 1;
    if (sequence > after_) {
      std::string entry =
          LineEntry(stream_ == 0 ? Stream::kStdout : Stream::kStderr, line, sequence, at_);
      if (!batch.empty() && batch.bytes() + entry.size() > batch_bytes_) break;  // the next's
      batch.Add(sequence, entry);
    }
    offset_ += line.size();
    sequence_ = sequence;
  }
  if (batch.empty()) return std::nullopt;
  return batch.Take(execution_id_);
}

}  // namespace cronium::live

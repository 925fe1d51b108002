#pragma once

// A reader of GET /api/v1/executions/{id}/stream as a client sees it: the lines out of the
// "lines" batches, the skipped ranges, the status and the end; and whether every sequence came
// once, in order, as a line or within a skipped range.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "testutil/websocket_client.h"

namespace cronium::e2e {

class StreamReader {
 public:
  explicit StreamReader(testutil::WebSocketClient& client) : client_(client) {}

  // The status message (the first), or null if none came in time.
  nlohmann::json Status(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    while (status_.is_null() && ReadOne(timeout)) {
    }
    return status_;
  }
  // The next line (an entry of a "lines" message), or null at the end or after `timeout`.
  nlohmann::json NextLine(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    while (unread_.empty()) {
      if (!end_.is_null() || !ReadOne(timeout)) return nullptr;
    }
    nlohmann::json line = std::move(unread_.front());
    unread_.pop_front();
    return line;
  }
  // Reads everything up to the end message and the close; returns the end message (or null).
  nlohmann::json ReadToEnd(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    while (ReadOne(timeout)) {
    }
    return end_;
  }

  // Every line received, in order.
  const std::vector<nlohmann::json>& lines() const { return lines_; }
  std::vector<uint64_t> sequences() const {
    std::vector<uint64_t> out;
    for (const auto& line : lines_) out.push_back(line["sequence"]);
    return out;
  }
  const std::vector<std::pair<uint64_t, uint64_t>>& skipped() const { return skipped_; }
  const nlohmann::json& end() const { return end_; }
  // Messages after the end (there must be none).
  int after_end() const { return after_end_; }

  // "" when sequences from..to came each once and in order, as lines or in skipped ranges, and
  // nothing else did; else what went wrong.
  std::string CheckCovers(uint64_t from, uint64_t to) const {
    uint64_t next = from;
    for (const auto& [first, last] : spans_) {
      if (first != next || last < first) {
        return "after " + std::to_string(next - 1) + " came " + std::to_string(first) + ".." +
               std::to_string(last);
      }
      next = last + 1;
    }
    if (next != to + 1) return "the last sequence was " + std::to_string(next - 1);
    return "";
  }

 private:
  // Reads one message; false once the connection has closed (or after `timeout`).
  bool ReadOne(std::chrono::milliseconds timeout) {
    auto text = client_.ReadText(timeout);
    if (!text) return false;
    nlohmann::json message = nlohmann::json::parse(*text, nullptr, false);
    EXPECT_FALSE(message.is_discarded()) << text->substr(0, 200);
    if (!end_.is_null()) ++after_end_;
    const std::string type = message.value("type", "");
    if (type == "status") {
      EXPECT_TRUE(status_.is_null()) << "a second status: " << *text;
      status_ = message;
    } else if (type == "lines") {
      EXPECT_FALSE(message["lines"].empty());
      for (auto& line : message["lines"]) {
        const uint64_t sequence = line["sequence"];
        spans_.emplace_back(sequence, sequence);
        lines_.push_back(line);
        unread_.push_back(std::move(line));
      }
    } else if (type == "skipped") {
      skipped_.emplace_back(message["from"], message["to"]);
      spans_.push_back(skipped_.back());
    } else if (type == "end") {
      end_ = message;
    } else {
      ADD_FAILURE() << "unexpected message: " << text->substr(0, 200);
    }
    return true;
  }

  testutil::WebSocketClient& client_;
  nlohmann::json status_;
  nlohmann::json end_;
  std::vector<nlohmann::json> lines_;
  std::deque<nlohmann::json> unread_;
  std::vector<std::pair<uint64_t, uint64_t>> skipped_;
  std::vector<std::pair<uint64_t, uint64_t>> spans_;  // lines and skipped ranges, in order
  int after_end_ = 0;
};

}  // namespace cronium::e2e

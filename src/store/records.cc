#include "store/records.h"

#include <array>
#include <utility>

namespace cronium::store {
namespace {

template <class E, size_t N>
std::optional<E> Find(const std::array<std::pair<E, std::string_view>, N>& table,
                      std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class E, size_t N>
std::string_view Name(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "UNKNOWN";
}

constexpr std::array<std::pair<EventType, std::string_view>, 5> kEventTypes{{
    {EventType::kBash, "BASH"},
    {EventType::kPython, "PYTHON"},
    {EventType::kNodejs, "NODEJS"},
    {EventType::kHttpRequest, "HTTP_REQUEST"},
    {EventType::kToolAction, "TOOL_ACTION"},
}};
constexpr std::array<std::pair<EventStatus, std::string_view>, 4> kEventStatuses{{
    {EventStatus::kDraft, "DRAFT"},
    {EventStatus::kActive, "ACTIVE"},
    {EventStatus::kPaused, "PAUSED"},
    {EventStatus::kArchived, "ARCHIVED"},
}};
constexpr std::array<std::pair<RunStatus, std::string_view>, 7> kRunStatuses{{
    {RunStatus::kQueued, "QUEUED"},
    {RunStatus::kRunning, "RUNNING"},
    {RunStatus::kSucceeded, "SUCCEEDED"},
    {RunStatus::kFailed, "FAILED"},
    {RunStatus::kTimedOut, "TIMED_OUT"},
    {RunStatus::kCancelled, "CANCELLED"},
    {RunStatus::kLost, "LOST"},
}};

}  // namespace

std::string_view ToString(EventType type) { return Name(kEventTypes, type); }
std::string_view ToString(EventStatus status) { return Name(kEventStatuses, status); }
std::string_view ToString(RunStatus status) { return Name(kRunStatuses, status); }
std::optional<EventType> ParseEventType(std::string_view text) { return Find(kEventTypes, text); }
std::optional<EventStatus> ParseEventStatus(std::string_view text) {
  return Find(kEventStatuses, text);
}
std::optional<RunStatus> ParseRunStatus(std::string_view text) { return Find(kRunStatuses, text); }

bool IsTerminal(RunStatus status) {
  return status != RunStatus::kQueued && status != RunStatus::kRunning;
}

bool IsScript(EventType type) {
  return type == EventType::kBash || type == EventType::kPython || type == EventType::kNodejs;
}

}  // namespace cronium::store

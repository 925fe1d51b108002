#include "store/records.h"

#include <array>
#include <utility>

#include "base/ids.h"

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
constexpr std::array<std::pair<RunStatus, std::string_view>, 8> kRunStatuses{{
    {RunStatus::kQueued, "QUEUED"},
    {RunStatus::kLeased, "LEASED"},
    {RunStatus::kRunning, "RUNNING"},
    {RunStatus::kSucceeded, "SUCCEEDED"},
    {RunStatus::kFailed, "FAILED"},
    {RunStatus::kTimedOut, "TIMED_OUT"},
    {RunStatus::kCancelled, "CANCELLED"},
    {RunStatus::kLost, "LOST"},
}};

constexpr std::array<std::pair<JobKind, std::string_view>, 4> kJobKinds{{
    {JobKind::kScript, "SCRIPT"},
    {JobKind::kHttpRequest, "HTTP_REQUEST"},
    {JobKind::kToolAction, "TOOL_ACTION"},
    {JobKind::kWorkflowNode, "WORKFLOW_NODE"},
}};
constexpr std::array<std::pair<Priority, std::string_view>, 4> kPriorities{{
    {Priority::kLow, "LOW"},
    {Priority::kNormal, "NORMAL"},
    {Priority::kHigh, "HIGH"},
    {Priority::kCritical, "CRITICAL"},
}};

constexpr std::array<std::pair<UserRole, std::string_view>, 3> kUserRoles{{
    {UserRole::kAdmin, "ADMIN"},
    {UserRole::kUser, "USER"},
    {UserRole::kViewer, "VIEWER"},
}};
constexpr std::array<std::pair<UserStatus, std::string_view>, 3> kUserStatuses{{
    {UserStatus::kActive, "ACTIVE"},
    {UserStatus::kInvited, "INVITED"},
    {UserStatus::kDisabled, "DISABLED"},
}};

constexpr std::array<std::pair<NodeRunState, std::string_view>, 6> kNodeRunStates{{
    {NodeRunState::kPending, "PENDING"},
    {NodeRunState::kRunning, "RUNNING"},
    {NodeRunState::kSucceeded, "SUCCEEDED"},
    {NodeRunState::kFailed, "FAILED"},
    {NodeRunState::kSkipped, "SKIPPED"},
    {NodeRunState::kCancelled, "CANCELLED"},
}};

}  // namespace

std::string_view ToString(NodeRunState state) { return Name(kNodeRunStates, state); }
std::optional<NodeRunState> ParseNodeRunState(std::string_view text) {
  return Find(kNodeRunStates, text);
}

std::string_view ToString(UserRole role) { return Name(kUserRoles, role); }
std::string_view ToString(UserStatus status) { return Name(kUserStatuses, status); }
std::optional<UserRole> ParseUserRole(std::string_view text) { return Find(kUserRoles, text); }
std::optional<UserStatus> ParseUserStatus(std::string_view text) {
  return Find(kUserStatuses, text);
}

std::string_view ToString(EventType type) { return Name(kEventTypes, type); }
std::string_view ToString(EventStatus status) { return Name(kEventStatuses, status); }
std::string_view ToString(RunStatus status) { return Name(kRunStatuses, status); }
std::optional<EventType> ParseEventType(std::string_view text) { return Find(kEventTypes, text); }
std::optional<EventStatus> ParseEventStatus(std::string_view text) {
  return Find(kEventStatuses, text);
}
std::optional<RunStatus> ParseRunStatus(std::string_view text) { return Find(kRunStatuses, text); }
std::string_view ToString(JobKind kind) { return Name(kJobKinds, kind); }
std::optional<JobKind> ParseJobKind(std::string_view text) { return Find(kJobKinds, text); }
std::string_view ToString(Priority priority) { return Name(kPriorities, priority); }
std::optional<Priority> ParsePriority(std::string_view text) { return Find(kPriorities, text); }

AuditEntry MakeAudit(const Actor& actor, TimePoint at, std::string action, std::string target_type,
                     std::string target_id, std::string details_json) {
  AuditEntry entry;
  entry.id = NewId("aud", at);
  entry.at = at;
  entry.actor = actor;
  entry.action = std::move(action);
  entry.target_type = std::move(target_type);
  entry.target_id = std::move(target_id);
  entry.details_json = std::move(details_json);
  return entry;
}

bool IsTerminal(RunStatus status) { return status != RunStatus::kQueued && !IsHeld(status); }

bool IsHeld(RunStatus status) {
  return status == RunStatus::kLeased || status == RunStatus::kRunning;
}

bool IsScript(EventType type) {
  return type == EventType::kBash || type == EventType::kPython || type == EventType::kNodejs;
}

JobKind JobKindOf(EventType type) {
  switch (type) {
    case EventType::kHttpRequest:
      return JobKind::kHttpRequest;
    case EventType::kToolAction:
      return JobKind::kToolAction;
    case EventType::kBash:
    case EventType::kPython:
    case EventType::kNodejs:
      break;
  }
  return JobKind::kScript;
}

}  // namespace cronium::store

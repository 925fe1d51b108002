// GET /api/v1/stats?window=24h: what the dashboard shows at a glance, in one request: events
// by status, the runs of the window by status and the newest of them (for its chart), what
// runs and waits now, and the nodes. A user who is not an admin counts only the events and
// runs they can see; the queue and the nodes are the system's.

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/internal/handlers.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The chart shows at most this many runs (the newest of the window).
constexpr int kMaxPoints = 2'000;

// "24h", "90m", "7d": from 5 minutes to 30 days.
Result<std::chrono::minutes> ParseWindow(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  std::chrono::minutes window{0};
  if (error == std::errc() && value > 0 && value <= 100'000) {
    if (unit == "m") window = std::chrono::minutes(value);
    if (unit == "h") window = std::chrono::hours(value);
    if (unit == "d") window = std::chrono::hours(24 * value);
  }
  if (window < std::chrono::minutes(5) || window > std::chrono::hours(24 * 30)) {
    return InvalidArgument("window: a duration such as 90m, 24h or 7d, from 5 minutes to 30 days");
  }
  return window;
}

}  // namespace

Result<Response> Handlers::Stats(Request& request, const auth::Principal& principal) {
  const std::string window_text = request.QueryParam("window").value_or("24h");
  CRONIUM_ASSIGN_OR_RETURN(const auto window, ParseWindow(window_text));
  const TimePoint now = ctx_.clock.Now();
  const TimePoint since = now - window;
  const bool admin = principal.role == store::UserRole::kAdmin;
  const std::string visible_to = admin ? "" : principal.user_id;

  CRONIUM_ASSIGN_OR_RETURN(auto events, ctx_.store.CountEvents(visible_to));
  json event_counts = {{"total", 0}, {"DRAFT", 0}, {"ACTIVE", 0}, {"PAUSED", 0}, {"ARCHIVED", 0}};
  for (const auto& [status, count] : events) {
    event_counts[std::string(store::ToString(status))] = count;
    event_counts["total"] = event_counts["total"].get<int64_t>() + count;
  }

  // Executions are created with time-ordered ids: the window is a range of their key.
  CRONIUM_ASSIGN_OR_RETURN(
      auto runs, ctx_.store.GetExecutionStats(IdTimePrefix("exe", since), visible_to, kMaxPoints));
  json run_counts = {{"total", 0}};
  for (auto status :
       {store::RunStatus::kQueued, store::RunStatus::kRunning, store::RunStatus::kSucceeded,
        store::RunStatus::kFailed, store::RunStatus::kTimedOut, store::RunStatus::kCancelled,
        store::RunStatus::kLost}) {
    run_counts[std::string(store::ToString(status))] = 0;
  }
  int64_t total = 0;
  for (const auto& [status, count] : runs.by_status) {
    const std::string name(store::ToString(status));
    run_counts[name] = run_counts.value(name, int64_t{0}) + count;
    total += count;
  }
  run_counts["total"] = total;
  json points = json::array();
  for (const store::ExecutionPoint& point : runs.newest) {
    points.push_back({{"id", point.id},
                      {"eventId", point.event_id},
                      {"status", store::ToString(point.status)},
                      {"trigger", point.trigger_kind},
                      {"startedAt", TimeOrNull(point.started_at)},
                      {"durationMs", point.duration_ms ? json(*point.duration_ms) : json()}});
  }

  // The queue, system-wide: jobs waiting and running now.
  CRONIUM_ASSIGN_OR_RETURN(auto jobs, ctx_.store.CountJobs());
  int64_t queued = 0, running = 0;
  for (const auto& [status, count] : jobs) {
    if (status == store::RunStatus::kQueued) queued += count;
    if (status == store::RunStatus::kLeased || status == store::RunStatus::kRunning) {
      running += count;
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto nodes, ctx_.store.ListNodes());
  int64_t alive = 0;
  for (const store::NodeRecord& node : nodes) {
    if (!node.stopped_at && now - node.heartbeat_at <= 3 * ctx_.node_heartbeat) ++alive;
  }
  return JsonResponse(
      200, {{"window", window_text},
            {"since", FormatRfc3339(since)},
            {"generatedAt", FormatRfc3339(now)},
            {"events", event_counts},
            {"runs", run_counts},
            {"recentRuns", points},
            {"recentRunsTruncated",
             static_cast<int64_t>(runs.newest.size()) == kMaxPoints && total > kMaxPoints},
            {"queue", {{"queued", queued}, {"running", running}}},
            {"nodes", {{"total", static_cast<int64_t>(nodes.size())}, {"alive", alive}}}});
}

}  // namespace cronium::api::internal

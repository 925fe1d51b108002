// /healthz, /readyz, /api/v1/system and /api/v1/admin: whether the node serves, what it runs,
// the nodes of the cluster, and drains.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "base/time_format.h"
#include "store/store.h"
#include "worker/worker_pool.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Response;

}  // namespace

Result<Response> Handlers::Healthz(Request&) { return JsonResponse(200, {{"status", "ok"}}); }

Result<Response> Handlers::Readyz(Request&) {
  auto ping = ctx_.store.Ping();
  if (!ping) {
    return JsonResponse(503, {{"status", "unavailable"}, {"message", ping.error().message}});
  }
  return JsonResponse(200, {{"status", "ready"}});
}

static json RenderDrain(const worker::DrainState& state) {
  json deadline = nullptr;
  if (state.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *state.deadline - std::chrono::steady_clock::now());
    deadline = std::max<int64_t>(0, left.count()) / 1000.0;
  }
  return {{"draining", state.draining}, {"running", state.running}, {"graceLeftSeconds", deadline}};
}

Result<Response> Handlers::SystemInfo(Request&, const auth::Principal&) {
  CRONIUM_ASSIGN_OR_RETURN(auto counts, ctx_.store.CountJobs());
  json jobs = json::object();
  for (const auto& [status, count] : counts) jobs[std::string(ToString(status))] = count;
  return JsonResponse(
      200, {{"version", ctx_.version},
            {"isolation", ctx_.isolation},
            {"isolationWarning",
             ctx_.isolation_warning.empty() ? json(nullptr) : json(ctx_.isolation_warning)},
            {"workers", ctx_.worker_count},
            {"drain", RenderDrain(ctx_.workers.Drainage())},
            {"jobs", jobs}});
}

// The nodes serving this database: a node is alive while its heartbeats keep coming (it
// writes one every heartbeat period; three missed, it is not).
Result<Response> Handlers::ListNodes(Request&, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto nodes, ctx_.store.ListNodes());
  const TimePoint now = ctx_.clock.Now();
  json items = json::array();
  for (const store::NodeRecord& n : nodes) {
    const bool alive = !n.stopped_at && now - n.heartbeat_at <= 3 * ctx_.node_heartbeat;
    items.push_back({{"id", n.id},
                     {"role", n.role},
                     {"address", n.address},
                     {"version", n.version},
                     {"workers", n.workers},
                     {"running", n.running},
                     {"leader", alive && n.leader},
                     {"alive", alive},
                     {"startedAt", FormatRfc3339(n.started_at)},
                     {"heartbeatAt", FormatRfc3339(n.heartbeat_at)},
                     {"stoppedAt", n.stopped_at ? json(FormatRfc3339(*n.stopped_at)) : json()}});
  }
  return JsonResponse(200, {{"items", items}, {"self", ctx_.node_id}});
}

Result<Response> Handlers::DrainStatus(Request&, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  return JsonResponse(200, RenderDrain(ctx_.workers.Drainage()));
}

// POST /api/v1/admin/drain {"graceSeconds": N}: stop claiming; runs still going after the
// grace are stopped and queued again.
Result<Response> Handlers::Drain(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request, /*allow_empty=*/true));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"graceSeconds"}));
  CRONIUM_ASSIGN_OR_RETURN(auto grace, body.Int("graceSeconds"));
  const int64_t seconds = grace.value_or(ctx_.default_drain_grace_seconds);
  if (seconds < 0 || seconds > 86'400) {
    return InvalidArgument("graceSeconds: whole seconds from 0 to 86400");
  }
  ctx_.workers.Drain(std::chrono::seconds(seconds));
  CRONIUM_RETURN_IF_ERROR(ctx_.store.AppendAudit(
      store::MakeAudit(principal.ToActor(), ctx_.clock.Now(), "node.drain", "node", ctx_.node_id,
                       fmt::format(R"({{"graceSeconds":{}}})", seconds))));
  return JsonResponse(202, RenderDrain(ctx_.workers.Drainage()));
}

Result<Response> Handlers::Resume(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireAdmin(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request, /*allow_empty=*/true));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({}));
  ctx_.workers.Resume();
  CRONIUM_RETURN_IF_ERROR(ctx_.store.AppendAudit(store::MakeAudit(
      principal.ToActor(), ctx_.clock.Now(), "node.resume", "node", ctx_.node_id)));
  return JsonResponse(200, RenderDrain(ctx_.workers.Drainage()));
}

}  // namespace cronium::api::internal

#include <date/tz.h>
#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/errors.h"
#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "auth/auth_service.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "crypto/secrets.h"
#include "events/event_service.h"
#include "queue/job_queue.h"
#include "scheduler/cron_expression.h"
#include "scheduler/schedule_spec.h"
#include "scheduler/scheduler.h"
#include "store/store.h"
#include "worker/worker_pool.h"

namespace cronium::api {
namespace internal {
namespace {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;
using nlohmann::json;

json RunStatusNames(const std::vector<store::RunStatus>& statuses) {
  json names = json::array();
  for (store::RunStatus status : statuses) names.push_back(ToString(status));
  return names;
}

json RenderActions(const std::vector<store::EventAction>& actions) {
  json out = json::array();
  for (const auto& action : actions) {
    out.push_back({{"trigger", action.trigger},
                   {"type", action.type},
                   {"targetEventId", action.target_event_id}});
  }
  return out;
}

json RenderEvent(const events::Event& e, bool reveal) {
  json env = json::object();
  for (const auto& [key, value] : e.env_vars) {
    env[key] = reveal ? value : std::string(events::kMaskedValue);
  }
  json http_request = nullptr;
  if (e.http_request) {
    json headers = json::object();
    for (const auto& [name, value] : e.http_request->headers) headers[name] = value;
    http_request = {{"method", e.http_request->method},
                    {"url", e.http_request->url},
                    {"headers", headers},
                    {"body", e.http_request->body}};
  }
  return {{"id", e.id},
          {"name", e.name},
          {"description", e.description},
          {"type", ToString(e.type)},
          {"content", e.content},
          {"status", ToString(e.status)},
          {"runLocation", e.run_location},
          {"timeoutSeconds", e.timeout_seconds},
          {"retries", e.retries},
          {"envVars", env},
          {"tags", e.tags},
          {"shared", e.shared},
          {"httpRequest", http_request},
          {"priority", ToString(e.priority)},
          {"maxConcurrent", e.max_concurrent},
          {"retryDelaySeconds", e.retry_delay_seconds},
          {"retryMaxDelaySeconds", e.retry_max_delay_seconds},
          {"retryOn", RunStatusNames(e.retry_on)},
          {"limits",
           {{"memoryMb", e.limits.memory_mb},
            {"pids", e.limits.pids},
            {"cpuSeconds", e.limits.cpu_seconds},
            {"cpus", static_cast<double>(e.limits.cpu_millis) / 1000.0},
            {"diskMb", e.limits.disk_mb},
            {"outputKb", e.limits.output_kb}}},
          {"network", e.limits.network.empty() ? "none" : e.limits.network},
          {"actions", RenderActions(e.actions)},
          {"lastRunAt", TimeOrNull(e.last_run_at)},
          {"successCount", e.success_count},
          {"failureCount", e.failure_count},
          {"createdAt", FormatRfc3339(e.created_at)},
          {"updatedAt", FormatRfc3339(e.updated_at)}};
}

json RenderExecution(const store::ExecutionRecord& x) {
  json output = nullptr;
  if (x.output_json) output = json::parse(*x.output_json, nullptr, false);
  json signal = nullptr;
  if (x.signal) {
    const char* abbrev = sigabbrev_np(*x.signal);
    signal = abbrev ? json(fmt::format("SIG{}", abbrev)) : json(*x.signal);
  }
  return {{"id", x.id},
          {"eventId", x.event_id},
          {"jobId", x.job_id},
          {"attempt", x.attempt},
          {"status", ToString(x.status)},
          {"trigger", x.trigger},
          {"exitCode", x.exit_code ? json(*x.exit_code) : json(nullptr)},
          {"signal", signal},
          {"stdout", x.stdout_text},
          {"stderr", x.stderr_text},
          {"stdoutTruncated", x.stdout_truncated},
          {"stderrTruncated", x.stderr_truncated},
          {"output", output.is_discarded() ? json(nullptr) : output},
          {"condition", x.condition ? json(*x.condition) : json(nullptr)},
          {"endReason", x.end_reason},
          {"isolation", x.isolation},
          {"workerId", x.worker_id},
          {"cpuTimeMs", x.cpu_time_ms ? json(*x.cpu_time_ms) : json(nullptr)},
          {"maxRssKb", x.max_rss_kb ? json(*x.max_rss_kb) : json(nullptr)},
          {"createdAt", FormatRfc3339(x.created_at)},
          {"startedAt", TimeOrNull(x.started_at)},
          {"finishedAt", TimeOrNull(x.finished_at)},
          {"durationMs", x.duration_ms ? json(*x.duration_ms) : json(nullptr)}};
}

// The "limits" object of an event: every key optional (0 = the server's default), no others.
Result<store::RunLimits> ParseLimits(const json& limits) {
  if (!limits.is_object()) return InvalidArgument("limits: must be an object");
  store::RunLimits parsed;
  for (const auto& [key, value] : limits.items()) {
    if (key == "cpus") {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1e6) {
        return InvalidArgument("limits.cpus: must be a number of cores, e.g. 0.5 or 2");
      }
      parsed.cpu_millis = static_cast<int64_t>(value.get<double>() * 1000.0 + 0.5);
      continue;
    }
    int64_t* field = key == "memoryMb"     ? &parsed.memory_mb
                     : key == "pids"       ? &parsed.pids
                     : key == "cpuSeconds" ? &parsed.cpu_seconds
                     : key == "diskMb"     ? &parsed.disk_mb
                     : key == "outputKb"   ? &parsed.output_kb
                                           : nullptr;
    if (field == nullptr) {
      return InvalidArgument(fmt::format(
          "limits: unknown key '{}' (known: memoryMb, pids, cpuSeconds, cpus, diskMb, outputKb)",
          key.substr(0, 32)));
    }
    if (!value.is_number_integer() || value.get<int64_t>() < 0) {
      return InvalidArgument(fmt::format("limits.{}: must be a whole number >= 0", key));
    }
    *field = value.get<int64_t>();
  }
  return parsed;
}

// A "schedule" value, validated now so that a bad schedule never leaves a half-made event or
// workflow behind.
Result<scheduler::ScheduleSpec> ParseSchedule(const json& schedule, TimePoint now) {
  CRONIUM_ASSIGN_OR_RETURN(
      auto spec, scheduler::ScheduleSpecFromJson(schedule, scheduler::SpecSource::kRequest));
  CRONIUM_RETURN_IF_ERROR(scheduler::CompiledSchedule::Compile(spec, now));
  return spec;
}

// An event's fields plus its schedule: absent (unchanged), null (none) or a spec.
struct EventInput {
  events::EventFields fields;
  std::optional<std::optional<scheduler::ScheduleSpec>> schedule;
};

// "actions": [{"trigger": "ON_SUCCESS", "type": "RUN_EVENT", "targetEventId": "evt_..."}]
// (type defaults to RUN_EVENT). The event service checks the values.
Result<std::vector<store::EventAction>> ParseActions(const json& actions) {
  if (!actions.is_array()) return InvalidArgument("actions: must be an array");
  std::vector<store::EventAction> parsed;
  for (size_t i = 0; i < actions.size(); ++i) {
    const json& item = actions[i];
    if (!item.is_object()) return InvalidArgument(fmt::format("actions[{}]: must be an object", i));
    store::EventAction action;
    action.trigger.clear();
    for (const auto& [key, value] : item.items()) {
      if (key != "trigger" && key != "type" && key != "targetEventId") {
        return InvalidArgument(
            fmt::format("actions[{}]: unknown field '{}' (known: trigger, type, targetEventId)", i,
                        key.substr(0, 64)));
      }
      if (!value.is_string()) {
        return InvalidArgument(fmt::format("actions[{}].{}: must be a string", i, key));
      }
      (key == "trigger" ? action.trigger
       : key == "type"  ? action.type
                        : action.target_event_id) = value.get<std::string>();
    }
    if (action.target_event_id.empty()) {
      return InvalidArgument(fmt::format("actions[{}].targetEventId: required", i));
    }
    parsed.push_back(std::move(action));
  }
  return parsed;
}

Result<EventInput> ParseEventInput(const Request& request, TimePoint now) {
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"name",
                                              "description",
                                              "type",
                                              "content",
                                              "status",
                                              "timeoutSeconds",
                                              "retries",
                                              "envVars",
                                              "tags",
                                              "shared",
                                              "httpRequest",
                                              "schedule",
                                              "priority",
                                              "maxConcurrent",
                                              "retryDelaySeconds",
                                              "retryMaxDelaySeconds",
                                              "retryOn",
                                              "limits",
                                              "network",
                                              "actions"}));
  EventInput input;
  if (const json* schedule = body.Get("schedule")) {
    if (schedule->is_null()) {
      input.schedule = std::optional<scheduler::ScheduleSpec>();
    } else {
      CRONIUM_ASSIGN_OR_RETURN(auto spec, ParseSchedule(*schedule, now));
      input.schedule = std::optional<scheduler::ScheduleSpec>(std::move(spec));
    }
  }
  events::EventFields& f = input.fields;
  CRONIUM_ASSIGN_OR_RETURN(f.name, body.String("name"));
  CRONIUM_ASSIGN_OR_RETURN(f.description, body.String("description"));
  CRONIUM_ASSIGN_OR_RETURN(f.content, body.String("content"));
  CRONIUM_ASSIGN_OR_RETURN(auto type, body.String("type"));
  if (type) {
    f.type = store::ParseEventType(*type);
    if (!f.type) {
      return InvalidArgument(
          fmt::format("type: '{}' is not one of BASH, PYTHON, NODEJS, HTTP_REQUEST, TOOL_ACTION",
                      type->substr(0, 32)));
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto status, body.String("status"));
  if (status) {
    f.status = store::ParseEventStatus(*status);
    if (!f.status) {
      return InvalidArgument(fmt::format(
          "status: '{}' is not one of DRAFT, ACTIVE, PAUSED, ARCHIVED", status->substr(0, 32)));
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(f.timeout_seconds, body.Int("timeoutSeconds"));
  CRONIUM_ASSIGN_OR_RETURN(auto retries, body.Int("retries"));
  if (retries) {
    if (*retries < -1'000'000 || *retries > 1'000'000)
      return InvalidArgument("retries: out of range");
    f.retries = static_cast<int>(*retries);
  }
  CRONIUM_ASSIGN_OR_RETURN(auto priority, body.String("priority"));
  if (priority) {
    f.priority = store::ParsePriority(*priority);
    if (!f.priority) {
      return InvalidArgument(fmt::format("priority: '{}' is not one of LOW, NORMAL, HIGH, CRITICAL",
                                         priority->substr(0, 32)));
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto max_concurrent, body.Int("maxConcurrent"));
  if (max_concurrent) {
    if (*max_concurrent < -1'000'000 || *max_concurrent > 1'000'000)
      return InvalidArgument("maxConcurrent: out of range");
    f.max_concurrent = static_cast<int>(*max_concurrent);
  }
  CRONIUM_ASSIGN_OR_RETURN(f.retry_delay_seconds, body.Int("retryDelaySeconds"));
  CRONIUM_ASSIGN_OR_RETURN(f.retry_max_delay_seconds, body.Int("retryMaxDelaySeconds"));
  CRONIUM_ASSIGN_OR_RETURN(auto retry_on, body.StringArray("retryOn"));
  if (retry_on) {
    std::vector<store::RunStatus> statuses;
    for (const std::string& name : *retry_on) {
      auto parsed = store::ParseRunStatus(name);
      if (!parsed ||
          (*parsed != store::RunStatus::kFailed && *parsed != store::RunStatus::kTimedOut &&
           *parsed != store::RunStatus::kLost)) {
        return InvalidArgument(
            fmt::format("retryOn: '{}' is not one of FAILED, TIMED_OUT, LOST", name.substr(0, 32)));
      }
      if (std::find(statuses.begin(), statuses.end(), *parsed) == statuses.end())
        statuses.push_back(*parsed);
    }
    f.retry_on = std::move(statuses);
  }
  if (const json* limits = body.Get("limits")) {
    CRONIUM_ASSIGN_OR_RETURN(f.limits, ParseLimits(*limits));
  }
  CRONIUM_ASSIGN_OR_RETURN(f.network, body.String("network"));
  if (const json* actions = body.Get("actions")) {
    CRONIUM_ASSIGN_OR_RETURN(f.actions, ParseActions(*actions));
  }
  CRONIUM_ASSIGN_OR_RETURN(f.env_vars, body.StringMap("envVars"));
  CRONIUM_ASSIGN_OR_RETURN(f.tags, body.StringArray("tags"));
  CRONIUM_ASSIGN_OR_RETURN(f.shared, body.Bool("shared"));
  if (const json* spec = body.Get("httpRequest")) {
    if (spec->is_null()) {
      f.http_request = std::optional<events::HttpRequestSpec>();
    } else {
      if (!spec->is_object()) return InvalidArgument("httpRequest: must be an object or null");
      events::HttpRequestSpec parsed;
      for (const auto& [key, value] : spec->items()) {
        if (key == "method" || key == "url" || key == "body") {
          if (!value.is_string())
            return InvalidArgument(fmt::format("httpRequest.{}: must be a string", key));
          (key == "method" ? parsed.method
           : key == "url"  ? parsed.url
                           : parsed.body) = value.get<std::string>();
        } else if (key == "headers") {
          if (!value.is_object()) return InvalidArgument("httpRequest.headers: must be an object");
          for (const auto& [name, header] : value.items()) {
            if (!header.is_string()) {
              return InvalidArgument("httpRequest.headers: values must be strings");
            }
            parsed.headers.emplace_back(name, header.get<std::string>());
          }
        } else {
          return InvalidArgument(
              fmt::format("httpRequest: unknown field '{}' (known: method, url, headers, body)",
                          key.substr(0, 64)));
        }
      }
      f.http_request = std::optional<events::HttpRequestSpec>(std::move(parsed));
    }
  }
  return input;
}

}  // namespace

std::string DumpJson(const json& doc) {
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

http::Response JsonResponse(int status, const json& body) {
  return Response::Json(status, DumpJson(body));
}

Response AuthErrorResponse(const Error& error) {
  Response response = ErrorResponse(error);
  if (error.code == ErrorCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"cronium\"");
  }
  return response;
}

json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
}

Status ReadLimit(const http::Request& request, int& limit) {
  limit = 50;
  if (auto text = request.QueryParam("limit")) {
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 1 || value > 200) {
      return InvalidArgument("limit: an integer from 1 to 200");
    }
    limit = static_cast<int>(value);
  }
  return OkStatus();
}

Status ReadPaging(const http::Request& request, int& limit, std::string& cursor) {
  CRONIUM_RETURN_IF_ERROR(ReadLimit(request, limit));
  if (auto text = request.QueryParam("cursor")) {
    if (!IsWellFormedId(*text)) return InvalidArgument("cursor: not a cursor this API returned");
    cursor = *text;
  }
  return OkStatus();
}

namespace {

std::optional<std::string> CookieValue(const Request& request, std::string_view name) {
  auto header = request.Header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

bool IsChange(Method method) {
  return method != Method::kGet && method != Method::kHead && method != Method::kOptions;
}

}  // namespace

Status ReadWait(const Request& request, int max_seconds, int& seconds) {
  seconds = 0;
  auto text = request.QueryParam("wait");
  if (!text) return OkStatus();
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 0 || value > max_seconds) {
    return InvalidArgument(fmt::format("wait: whole seconds from 0 to {}", max_seconds));
  }
  seconds = static_cast<int>(value);
  return OkStatus();
}

void Handlers::BindPublic(http::Router& router, Method method, std::string pattern,
                          Public handler) {
  router.Add(method, std::move(pattern),
             [self = *this, handler](Request& request, Responder respond) mutable {
               Result<Response> response = (self.*handler)(request);
               respond(response ? std::move(*response) : ErrorResponse(response.error()));
             });
}

void Handlers::Bind(http::Router& router, Method method, std::string pattern, Private handler) {
  router.Add(method, std::move(pattern),
             [self = *this, handler](Request& request, Responder respond) mutable {
               auto principal = self.Authenticate(request);
               if (!principal) return respond(AuthErrorResponse(principal.error()));
               Result<Response> response = (self.*handler)(request, *principal);
               respond(response ? std::move(*response) : ErrorResponse(response.error()));
             });
}

Result<auth::Principal> Handlers::Authenticate(const Request& request) {
  if (auto header = request.Header("authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (header->substr(0, kBearer.size()) != kBearer) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "the Authorization header must be 'Bearer <API token>'");
    }
    return ctx_.auth_service.AuthenticateToken(std::string(header->substr(kBearer.size())),
                                               request.remote_address);
  }
  if (auto cookie = CookieValue(request, "cronium_session")) {
    CRONIUM_ASSIGN_OR_RETURN(auth::Principal principal, ctx_.auth_service.AuthenticateSession(
                                                            *cookie, request.remote_address));
    if (IsChange(request.method)) {
      const auto sent = request.Header("x-csrf-token");
      if (!sent || !crypto::ConstantTimeEquals(*sent, principal.csrf_token)) {
        return MakeError(ErrorCode::kPermissionDenied,
                         "missing or wrong X-CSRF-Token header (send the csrfToken from login)");
      }
    }
    return principal;
  }
  return MakeError(ErrorCode::kUnauthenticated,
                   "authentication required: log in, or send 'Authorization: Bearer <API token>'");
}

void Handlers::Register(http::Router& router) {
  BindPublic(router, Method::kGet, "/healthz", &Handlers::Healthz);
  BindPublic(router, Method::kGet, "/readyz", &Handlers::Readyz);
  Bind(router, Method::kGet, "/api/v1/system", &Handlers::SystemInfo);
  Bind(router, Method::kGet, "/api/v1/system/info", &Handlers::SystemInfo);
  Bind(router, Method::kGet, "/api/v1/system/nodes", &Handlers::ListNodes);
  Bind(router, Method::kGet, "/api/v1/admin/drain", &Handlers::DrainStatus);
  Bind(router, Method::kPost, "/api/v1/admin/drain", &Handlers::Drain);
  Bind(router, Method::kPost, "/api/v1/admin/resume", &Handlers::Resume);
  Bind(router, Method::kGet, "/api/v1/events", &Handlers::ListEvents);
  Bind(router, Method::kPost, "/api/v1/events", &Handlers::CreateEvent);
  Bind(router, Method::kGet, "/api/v1/events/{id}", &Handlers::GetEvent);
  Bind(router, Method::kPatch, "/api/v1/events/{id}", &Handlers::UpdateEvent);
  Bind(router, Method::kDelete, "/api/v1/events/{id}", &Handlers::DeleteEvent);
  Bind(router, Method::kPost, "/api/v1/events/{id}/run", &Handlers::RunEvent);
  Bind(router, Method::kGet, "/api/v1/events/{id}/executions", &Handlers::ListEventExecutions);
  Bind(router, Method::kGet, "/api/v1/events/{id}/ledger", &Handlers::Ledger);
  Bind(router, Method::kGet, "/api/v1/events/{id}/schedule/preview",
       &Handlers::PreviewEventSchedule);
  Bind(router, Method::kGet, "/api/v1/executions", &Handlers::ListExecutions);
  router.Add(Method::kGet, "/api/v1/executions/{id}",
             [self = *this](Request& request, Responder respond) mutable {
               self.GetExecution(request, std::move(respond));
             });
  Bind(router, Method::kPost, "/api/v1/executions/{id}/cancel", &Handlers::CancelExecution);
  router.Add(Method::kGet, "/api/v1/executions/{id}/stream",
             [self = *this](Request& request, Responder respond) mutable {
               self.StreamExecution(request, std::move(respond));
             });
  Bind(router, Method::kGet, "/api/v1/schedules/preview", &Handlers::PreviewSchedule);
  if (ctx_.variables != nullptr) {
    Bind(router, Method::kGet, "/api/v1/variables", &Handlers::ListVariables);
    Bind(router, Method::kGet, "/api/v1/variables/{key}", &Handlers::GetVariable);
    Bind(router, Method::kPut, "/api/v1/variables/{key}", &Handlers::PutVariable);
    Bind(router, Method::kDelete, "/api/v1/variables/{key}", &Handlers::DeleteVariable);
  }
  if (ctx_.workflows != nullptr) RegisterWorkflowRoutes(router);
  RegisterAuthRoutes(router);
}

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

Result<store::EventRecord> Handlers::VisibleEvent(const std::string& id,
                                                  const auth::Principal& principal) {
  auto event = ctx_.events.GetRecord(id);
  // Someone else's private event does not exist as far as this caller knows.
  if (!event || !auth::CanSee(principal, *event)) {
    if (event || event.error().code == ErrorCode::kNotFound) {
      return NotFound(fmt::format("event {} not found", id.substr(0, 64)));
    }
    return tl::unexpected(event.error());
  }
  return event;
}

Result<Response> Handlers::ListEvents(Request& request, const auth::Principal& principal) {
  store::EventQuery query;
  if (principal.role != store::UserRole::kAdmin) query.visible_to = principal.user_id;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  if (auto status = request.QueryParam("status")) {
    query.status = store::ParseEventStatus(*status);
    if (!query.status) return InvalidArgument("status: one of DRAFT, ACTIVE, PAUSED, ARCHIVED");
  }
  if (auto type = request.QueryParam("type")) {
    query.type = store::ParseEventType(*type);
    if (!query.type) {
      return InvalidArgument("type: one of BASH, PYTHON, NODEJS, HTTP_REQUEST, TOOL_ACTION");
    }
  }
  query.search = request.QueryParam("search").value_or("").substr(0, 200);
  query.tag = request.QueryParam("tag").value_or("").substr(0, 200);
  CRONIUM_ASSIGN_OR_RETURN(auto events, ctx_.events.List(query));
  json items = json::array();
  for (const auto& event : events) {
    json item = RenderEvent(event, false);
    item["schedule"] = RenderSchedule(event.id);
    items.push_back(std::move(item));
  }
  const bool full = static_cast<int>(events.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(events.back().id) : json(nullptr)}});
}

Result<IdempotentRequest> Handlers::IdempotencyOf(const Request& request,
                                                  const auth::Principal& principal) {
  return IdempotentRequest::FromHeader(request, "user:" + principal.user_id);
}

void Handlers::WrittenForTest(const IdempotentRequest& request) const {
  if (ctx_.kill_after_idempotent_write_for_test && request.active()) ::raise(SIGKILL);
}

Result<Response> Handlers::CreateEvent(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(IdempotentRequest idempotent, IdempotencyOf(request, principal));
  const TimePoint now = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto replay, idempotent.Replay(ctx_.store, now));
  if (replay) return std::move(*replay);
  CRONIUM_ASSIGN_OR_RETURN(auto input, ParseEventInput(request, now));
  // The event and its schedule are one write: a failure leaves neither, so a retry cannot
  // make a second event, nor a crash an event without the schedule it was created with.
  events::EventService::PlanSchedule plan;
  std::optional<store::ScheduleRecord> schedule;
  if (input.schedule && *input.schedule) {
    plan = [&](const std::string& id, TimePoint created_at) -> Result<store::NewSchedule> {
      CRONIUM_ASSIGN_OR_RETURN(auto planned,
                               ctx_.scheduler.PlanNew(store::ScheduleTarget::kEvent, id, created_at,
                                                      **input.schedule, principal.ToActor()));
      schedule = planned.record;
      return planned;
    };
  }
  // The answer is rendered from what is written, before the write, so that its record (written
  // with the event) holds exactly what this request answers.
  Response answer;
  auto record = [&](const events::Event& event) {
    answer = EventResponse(201, event, false, schedule);
    return idempotent.Records(answer, now);
  };
  auto event = ctx_.events.Create(std::move(input.fields), principal.ToActor(), plan, record);
  if (!event) return idempotent.AfterFailure(ctx_.store, now, std::move(event.error()));
  if (plan) ctx_.scheduler.Adopt(event->id);
  WrittenForTest(idempotent);
  return answer;
}

Result<Response> Handlers::GetEvent(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto record, VisibleEvent(request.PathParam("id"), principal));
  const bool reveal = request.QueryParam("revealSecrets").value_or("") == "true";
  if (reveal && !auth::CanChange(principal, record)) {
    return MakeError(ErrorCode::kPermissionDenied, "only the owner can reveal env var values");
  }
  CRONIUM_ASSIGN_OR_RETURN(auto event, ctx_.events.Decode(record));
  if (reveal) {
    // Reading secrets in clear is worth a trace, even though it changes nothing.
    CRONIUM_RETURN_IF_ERROR(ctx_.store.AppendAudit(store::MakeAudit(
        principal.ToActor(), ctx_.clock.Now(), "event.reveal_secrets", "event", event.id)));
  }
  return EventResponse(200, event, reveal);
}

json ScheduleWarnings(const json& schedule) {
  json warnings = json::array();
  if (!schedule.is_object()) return warnings;
  auto spec = scheduler::ScheduleSpecFromJson(schedule, scheduler::SpecSource::kStored);
  if (!spec) return warnings;
  auto compiled = scheduler::CompiledSchedule::Compile(*spec, TimePoint{});
  if (!compiled) return warnings;
  for (auto& warning : compiled->Warnings()) warnings.push_back(std::move(warning));
  return warnings;
}

Response Handlers::EventResponse(int status, const events::Event& event, bool reveal) {
  auto schedule = ctx_.store.GetSchedule(event.id);
  return EventResponse(
      status, event, reveal,
      schedule ? std::optional<store::ScheduleRecord>(std::move(*schedule)) : std::nullopt);
}

Response Handlers::EventResponse(int status, const events::Event& event, bool reveal,
                                 const std::optional<store::ScheduleRecord>& schedule) {
  json body = RenderEvent(event, reveal);
  body["schedule"] = schedule ? RenderSchedule(*schedule) : json(nullptr);
  body["warnings"] = ScheduleWarnings(body["schedule"]);
  Response response = JsonResponse(status, body);
  if (status == 201) response.headers.emplace_back("Location", "/api/v1/events/" + event.id);
  return response;
}

Result<Response> Handlers::UpdateEvent(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto record, VisibleEvent(request.PathParam("id"), principal));
  if (!auth::CanChange(principal, record)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this event is shared with you to read and run; only its owner changes it");
  }
  CRONIUM_ASSIGN_OR_RETURN(auto input, ParseEventInput(request, ctx_.clock.Now()));
  CRONIUM_ASSIGN_OR_RETURN(
      auto event, ctx_.events.Update(record.id, std::move(input.fields), principal.ToActor()));
  if (input.schedule) {
    if (*input.schedule) {
      CRONIUM_RETURN_IF_ERROR(
          ctx_.scheduler.SetSchedule(event.id, **input.schedule, principal.ToActor()));
    } else if (ctx_.store.GetSchedule(event.id)) {
      CRONIUM_RETURN_IF_ERROR(ctx_.scheduler.RemoveSchedule(event.id, principal.ToActor()));
    }
  }
  ctx_.scheduler.Refresh(event.id);  // a status change starts or stops the schedule
  return EventResponse(200, event, false);
}

Result<Response> Handlers::DeleteEvent(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto record, VisibleEvent(request.PathParam("id"), principal));
  if (!auth::CanChange(principal, record)) {
    return MakeError(ErrorCode::kPermissionDenied, "only the event's owner can delete it");
  }
  CRONIUM_RETURN_IF_ERROR(ctx_.events.Delete(record.id, principal.ToActor()));
  ctx_.scheduler.Refresh(record.id);
  return Response{.status = 204, .content_type = "application/json"};
}

// GET /api/v1/events/{id}/ledger: what happened to each planned occurrence, newest first.
Result<Response> Handlers::Ledger(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  return LedgerOf(request, event.id);
}

Result<Response> Handlers::LedgerOf(Request& request, const std::string& target_id) {
  int limit = 50;
  std::string cursor;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, limit, cursor));
  CRONIUM_ASSIGN_OR_RETURN(auto rows, ctx_.store.ListLedger(target_id, cursor, limit));
  // A workflow's occurrences start runs (workflow executions), an event's start jobs.
  const bool workflow = target_id.starts_with("wfl_");
  json items = json::array();
  for (const auto& row : rows) {
    json item{{"id", row.id},
              {"plannedAt", FormatRfc3339(row.planned_at)},
              {"enqueuedAt", TimeOrNull(row.enqueued_at)},
              {"latenessMs", row.lateness_ms ? json(*row.lateness_ms) : json(nullptr)},
              {"fate", row.fate},
              {"detail", row.detail},
              // A pause's rows: RESUMED says how many occurrences it covered, to which one.
              {"occurrences", row.occurrences ? json(*row.occurrences) : json(nullptr)},
              {"lastPlannedAt", TimeOrNull(row.last_planned_at)}};
    const json execution = row.execution_id.empty() ? json(nullptr) : json(row.execution_id);
    if (workflow) {
      item["workflowExecutionId"] = execution;
    } else {
      item["jobId"] = row.job_id.empty() ? json(nullptr) : json(row.job_id);
      item["executionId"] = execution;
    }
    items.push_back(std::move(item));
  }
  const bool full = static_cast<int>(rows.size()) == limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(rows.back().id) : json(nullptr)}});
}

Status Handlers::CheckSchedule(const json& schedule) {
  return ParseSchedule(schedule, ctx_.clock.Now()).map([](auto&&) {});
}

Result<store::NewSchedule> Handlers::PlanWorkflowSchedule(const store::WorkflowRecord& workflow,
                                                          const json& schedule,
                                                          const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ParseSchedule(schedule, ctx_.clock.Now()));
  return ctx_.scheduler.PlanNew(store::ScheduleTarget::kWorkflow, workflow.id, workflow.created_at,
                                spec, principal.ToActor());
}

Status Handlers::SetSchedule(const std::string& target_id, bool workflow, const json& schedule,
                             const auth::Principal& principal) {
  if (schedule.is_null()) {
    if (!ctx_.store.GetSchedule(target_id)) return OkStatus();
    return ctx_.scheduler.RemoveSchedule(target_id, principal.ToActor());
  }
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ParseSchedule(schedule, ctx_.clock.Now()));
  if (workflow) {
    CRONIUM_RETURN_IF_ERROR(
        ctx_.scheduler.SetWorkflowSchedule(target_id, spec, principal.ToActor()));
  } else {
    CRONIUM_RETURN_IF_ERROR(ctx_.scheduler.SetSchedule(target_id, spec, principal.ToActor()));
  }
  return OkStatus();
}

void Handlers::RefreshSchedule(const std::string& target_id) { ctx_.scheduler.Refresh(target_id); }

json Handlers::RenderSchedule(const std::string& target_id) {
  auto record = ctx_.store.GetSchedule(target_id);
  if (!record) return nullptr;
  return RenderSchedule(*record);
}

json Handlers::RenderSchedule(const store::ScheduleRecord& record) {
  json doc = json::parse(record.spec_json, nullptr, false);
  if (!doc.is_object()) return nullptr;
  // Every field with the value in force: a spec stored before a field existed shows what it
  // means (a missing dayMatch is VIXIE).
  if (auto spec = scheduler::ScheduleSpecFromJson(doc, scheduler::SpecSource::kStored)) {
    doc = scheduler::ScheduleSpecToJson(*spec);
  }
  doc["nextRunAt"] = TimeOrNull(record.next_due_at);
  doc["runCount"] = record.run_count;
  return doc;
}

Result<Response> Handlers::RunEvent(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(IdempotentRequest idempotent, IdempotencyOf(request, principal));
  const TimePoint now = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto replay, idempotent.Replay(ctx_.store, now));
  if (replay) return std::move(*replay);
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request, /*allow_empty=*/true));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"input"}));
  queue::EnqueueOptions options;
  options.actor = principal.ToActor();
  options.trigger = "MANUAL";
  if (const json* input = body.Get("input")) {
    options.input_json = DumpJson(*input);
    if (options.input_json.size() > kMaxInputBytes) {
      return InvalidArgument(fmt::format("input: at most {} bytes of JSON", kMaxInputBytes));
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  if (!auth::CanRun(principal, event)) {
    return MakeError(ErrorCode::kPermissionDenied, "you may not run this event");
  }
  Response answer;
  options.idempotency = [&](const queue::EnqueuedRun& run) {
    answer = JsonResponse(202, {{"executionId", run.execution_id}, {"jobId", run.job_id}});
    answer.headers.emplace_back("Location", "/api/v1/executions/" + run.execution_id);
    return idempotent.Records(answer, now);
  };
  auto run = ctx_.queue.Enqueue(event, options);
  if (!run) return idempotent.AfterFailure(ctx_.store, now, std::move(run.error()));
  WrittenForTest(idempotent);
  return answer;
}

Result<Response> Handlers::ListExecutionsMatching(Request& request,
                                                  const auth::Principal& principal,
                                                  std::string event_id) {
  store::ExecutionQuery query;
  query.event_id = std::move(event_id);
  if (principal.role != store::UserRole::kAdmin) query.visible_to = principal.user_id;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  if (auto status = request.QueryParam("status")) {
    query.status = store::ParseRunStatus(*status);
    if (!query.status) {
      return InvalidArgument(
          "status: one of QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST "
          "(executions are never LEASED; their jobs are)");
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto executions, ctx_.store.ListExecutions(query));
  json items = json::array();
  for (const auto& execution : executions) items.push_back(RenderExecution(execution));
  const bool full = static_cast<int>(executions.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(executions.back().id) : json(nullptr)}});
}

Result<Response> Handlers::ListEventExecutions(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  return ListExecutionsMatching(request, principal, event.id);
}

Result<Response> Handlers::ListExecutions(Request& request, const auth::Principal& principal) {
  std::string event_id = request.QueryParam("eventId").value_or("");
  if (!event_id.empty() && !IsWellFormedId(event_id)) {
    return InvalidArgument("eventId: not an event id");
  }
  return ListExecutionsMatching(request, principal, std::move(event_id));
}

Result<store::ExecutionRecord> Handlers::LoadExecution(const std::string& id) {
  if (!IsWellFormedId(id)) {
    return NotFound(fmt::format("execution {} not found", id.substr(0, 64)));
  }
  return ctx_.store.GetExecution(id);
}

Result<store::ExecutionRecord> Handlers::VisibleExecution(const std::string& id,
                                                          const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto execution, LoadExecution(id));
  auto event = VisibleEvent(execution.event_id, principal);
  if (!event) return NotFound(fmt::format("execution {} not found", id.substr(0, 64)));
  return execution;
}

Response Handlers::ExecutionResponse(int status, const store::ExecutionRecord& execution) {
  json body = RenderExecution(execution);
  if (auto job = ctx_.store.GetJob(execution.job_id)) {
    body["job"] = {{"id", job->id},
                   {"kind", ToString(job->kind)},
                   {"status", ToString(job->status)},
                   {"priority", ToString(job->priority)},
                   {"attempts", job->attempts},
                   {"maxAttempts", job->max_attempts},
                   {"timeoutSeconds", job->timeout.count() / 1000.0},
                   {"currentExecutionId", job->current_execution_id},
                   {"runAfter", FormatRfc3339(job->run_after)},
                   {"lastError", job->last_error},
                   {"workflowExecutionId",
                    job->workflow_run_id.empty() ? json(nullptr) : json(job->workflow_run_id)},
                   {"workflowNodeId",
                    job->workflow_node_id.empty() ? json(nullptr) : json(job->workflow_node_id)},
                   {"causedBy", job->caused_by.empty() ? json(nullptr) : json(job->caused_by)},
                   {"chainDepth", job->chain_depth}};
    const json input = json::parse(job->input_json, nullptr, /*allow_exceptions=*/false);
    body["input"] = input.is_discarded() ? json(nullptr) : input;
  }
  return JsonResponse(status, body);
}

// GET /api/v1/executions/{id}[?wait=SECONDS]: with wait, answers once the execution has ended
// or the wait is over, whichever comes first (a long poll; no thread is held).
void Handlers::GetExecution(Request& request, Responder respond) {
  auto principal = Authenticate(request);
  if (!principal) return respond(AuthErrorResponse(principal.error()));
  const std::string id = request.PathParam("id");
  auto execution = VisibleExecution(id, *principal);
  if (!execution) return respond(ErrorResponse(execution.error()));
  int wait_seconds = 0;
  if (Status read = ReadWait(request, ctx_.max_wait_seconds, wait_seconds); !read) {
    return respond(ErrorResponse(read.error()));
  }
  if (wait_seconds == 0 || store::IsTerminal(execution->status)) {
    return respond(ExecutionResponse(200, *execution));
  }
  ctx_.queue.WhenFinished(
      id, std::chrono::seconds(wait_seconds), [self = *this, id, respond](bool) mutable {
        auto latest = self.LoadExecution(id);
        respond(latest ? self.ExecutionResponse(200, *latest) : ErrorResponse(latest.error()));
      });
  // It may have ended between the first read and the subscription.
  auto again = LoadExecution(id);
  if (again && store::IsTerminal(again->status)) respond(ExecutionResponse(200, *again));
}

Result<Response> Handlers::CancelExecution(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  const std::string id = request.PathParam("id");
  CRONIUM_RETURN_IF_ERROR(VisibleExecution(id, principal));
  CRONIUM_RETURN_IF_ERROR(ctx_.workers.Cancel(
      id, fmt::format("cancelled by {}", principal.username), principal.ToActor()));
  CRONIUM_ASSIGN_OR_RETURN(auto execution, LoadExecution(id));
  return ExecutionResponse(202, execution);
}

// ?count= for previews: 1 to 100, default 10.
Result<int> ReadCount(const Request& request) {
  auto text = request.QueryParam("count");
  if (!text) return 10;
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 1 || value > 100) {
    return InvalidArgument("count: an integer from 1 to 100");
  }
  return static_cast<int>(value);
}

// One previewed run, preceded by the wall-clock times a DST gap removed (SKIP policy).
void AppendPreview(json& instants, const scheduler::Occurrence& next, const date::time_zone& zone) {
  if (next.skipped > 0) {
    instants.push_back(
        {{"utc", FormatRfc3339(next.skipped_at)},
         {"local",
          FormatRfc3339(TimePoint(std::chrono::seconds(next.skipped_first.count()))).substr(0, 19)},
         {"dst", "SKIPPED"},
         {"skipped", next.skipped}});
  }
  instants.push_back({{"utc", FormatRfc3339(next.instant)},
                      {"local", scheduler::FormatLocal(next.instant, zone)},
                      {"dst", next.dst == scheduler::DstMark::kShifted    ? json("SHIFTED")
                              : next.dst == scheduler::DstMark::kRepeated ? json("REPEATED")
                                                                          : json(nullptr)}});
}

// ?dayMatch=, ?dstGapPolicy= and ?dstOverlapPolicy= over `spec`'s own values: a preview tries
// a rule without changing anything.
Result<scheduler::ScheduleSpec> WithPolicyParams(const Request& request,
                                                 scheduler::ScheduleSpec spec) {
  if (auto text = request.QueryParam("dayMatch")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.day_match, scheduler::ParseDayMatch(*text, "dayMatch"));
  }
  if (auto text = request.QueryParam("dstGapPolicy")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.dst_gap, scheduler::ParseDstGapPolicy(*text, "dstGapPolicy"));
  }
  if (auto text = request.QueryParam("dstOverlapPolicy")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.dst_overlap,
                             scheduler::ParseDstOverlapPolicy(*text, "dstOverlapPolicy"));
  }
  return spec;
}

// The next `count` runs of `compiled` after `from`, after `head`'s fields, with the rules they
// follow: dayMatch and the DST policies as set, what AUTO chose (cron only), and the warnings.
json PreviewBody(const scheduler::CompiledSchedule& compiled, TimePoint from, int count,
                 json head) {
  json instants = json::array();
  TimePoint cursor = from;
  for (int n = 0; n < count; ++n) {
    auto next = compiled.NextAfter(cursor);
    if (!next) break;
    AppendPreview(instants, *next, compiled.zone());
    cursor = next->instant;
  }
  const scheduler::ScheduleSpec& spec = compiled.spec();
  const bool cron = spec.kind == scheduler::ScheduleKind::kCron;
  head["timezone"] = compiled.zone().name();
  head["dayMatch"] = scheduler::ToString(spec.day_match);
  head["dstGapPolicy"] = scheduler::ToString(spec.dst_gap);
  head["dstOverlapPolicy"] = scheduler::ToString(spec.dst_overlap);
  head["appliedDstGapPolicy"] =
      cron ? json(scheduler::ToString(compiled.applied_dst_gap())) : json(nullptr);
  head["appliedDstOverlapPolicy"] =
      cron ? json(scheduler::ToString(compiled.applied_dst_overlap())) : json(nullptr);
  head["instants"] = instants;
  head["never"] = instants.empty();
  head["warnings"] = compiled.Warnings();
  return head;
}

// GET /api/v1/schedules/preview?cron=&tz=&count=&from=&dayMatch=&dstGapPolicy=&dstOverlapPolicy=
// A new schedule's defaults apply (dayMatch OR, DST policies AUTO).
Result<Response> Handlers::PreviewSchedule(Request& request, const auth::Principal&) {
  const auto cron_text = request.QueryParam("cron");
  if (!cron_text || cron_text->empty()) return InvalidArgument("cron: required");
  if (cron_text->size() > 256) return InvalidArgument("cron: at most 256 characters");
  CRONIUM_RETURN_IF_ERROR(scheduler::CronExpression::Parse(*cron_text));  // errors name the field
  scheduler::ScheduleSpec spec;
  spec.kind = scheduler::ScheduleKind::kCron;
  spec.cron = *cron_text;
  spec.timezone = request.QueryParam("tz").value_or("");
  CRONIUM_ASSIGN_OR_RETURN(spec, WithPolicyParams(request, std::move(spec)));
  CRONIUM_ASSIGN_OR_RETURN(const int count, ReadCount(request));
  TimePoint from = ctx_.clock.Now();
  if (auto text = request.QueryParam("from")) {
    CRONIUM_ASSIGN_OR_RETURN(from, ParseRfc3339(*text));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, scheduler::CompiledSchedule::Compile(spec, from));
  return JsonResponse(200, PreviewBody(compiled, from, count, {{"cron", *cron_text}}));
}

// GET /api/v1/events/{id}/schedule/preview?count=N: the next runs of the event's schedule.
Result<Response> Handlers::PreviewEventSchedule(Request& request,
                                                const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  return PreviewOf(request, event.id, event.created_at,
                   {{"eventId", event.id}, {"status", ToString(event.status)}});
}

Result<Response> Handlers::PreviewOf(Request& request, const std::string& target_id,
                                     TimePoint created_at, json head) {
  CRONIUM_ASSIGN_OR_RETURN(auto record, ctx_.store.GetSchedule(target_id));
  CRONIUM_ASSIGN_OR_RETURN(
      auto spec, scheduler::ScheduleSpecFromJson(json::parse(record.spec_json, nullptr, false),
                                                 scheduler::SpecSource::kStored));
  CRONIUM_ASSIGN_OR_RETURN(spec, WithPolicyParams(request, std::move(spec)));
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, scheduler::CompiledSchedule::Compile(spec, created_at));
  CRONIUM_ASSIGN_OR_RETURN(const int count, ReadCount(request));
  return JsonResponse(200, PreviewBody(compiled, ctx_.clock.Now(), count, std::move(head)));
}

}  // namespace internal

void RegisterRoutes(http::Router& router, ApiContext& context) {
  internal::Handlers(context).Register(router);
}

}  // namespace cronium::api

// /api/v1/events: events, their runs, the executions, ledger and schedule preview of one.

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "base/time_format.h"
#include "events/event_service.h"
#include "queue/job_queue.h"
#include "scheduler/schedule_spec.h"
#include "scheduler/scheduler.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Response;

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
          {"ownerId", e.owner_id},
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

Result<Response> Handlers::ListEventExecutions(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  return ListExecutionsMatching(request, principal, event.id);
}

// GET /api/v1/events/{id}/schedule/preview?count=N: the next runs of the event's schedule.
Result<Response> Handlers::PreviewEventSchedule(Request& request,
                                                const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(request.PathParam("id"), principal));
  return PreviewOf(request, event.id, event.created_at,
                   {{"eventId", event.id}, {"status", ToString(event.status)}});
}

}  // namespace cronium::api::internal

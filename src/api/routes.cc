#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/errors.h"
#include "api/json_body.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "events/event_service.h"
#include "queue/job_queue.h"
#include "store/store.h"
#include "worker/worker_pool.h"

namespace cronium::api {
namespace {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;
using nlohmann::json;

constexpr size_t kMaxInputBytes = 1 << 20;

// Script output may hold anything; invalid UTF-8 becomes U+FFFD instead of failing the dump.
Response JsonResponse(int status, const json& body) {
  return Response::Json(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json TimeOrNull(const std::optional<TimePoint>& t) {
  return t ? json(FormatRfc3339(*t)) : json(nullptr);
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
          {"createdAt", FormatRfc3339(x.created_at)},
          {"startedAt", TimeOrNull(x.started_at)},
          {"finishedAt", TimeOrNull(x.finished_at)},
          {"durationMs", x.duration_ms ? json(*x.duration_ms) : json(nullptr)}};
}

// Reads ?limit= (1..200, default 50) and ?cursor=.
Status ReadPaging(const Request& request, int& limit, std::string& cursor) {
  limit = 50;
  if (auto text = request.QueryParam("limit")) {
    char* end = nullptr;
    const long value = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || value < 1 || value > 200) {
      return InvalidArgument("limit: an integer from 1 to 200");
    }
    limit = static_cast<int>(value);
  }
  if (auto text = request.QueryParam("cursor")) {
    if (!IsWellFormedId(*text)) return InvalidArgument("cursor: not a cursor this API returned");
    cursor = *text;
  }
  return OkStatus();
}

Result<events::EventFields> ParseEventFields(const Request& request) {
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(
      body.RejectUnknown({"name", "description", "type", "content", "status", "timeoutSeconds",
                          "retries", "envVars", "tags", "shared", "httpRequest"}));
  events::EventFields f;
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
  return f;
}

class Handlers {
 public:
  explicit Handlers(ApiContext& ctx) : ctx_(ctx) {}

  void Register(http::Router& router) {
    Bind(router, Method::kGet, "/healthz", &Handlers::Healthz);
    Bind(router, Method::kGet, "/readyz", &Handlers::Readyz);
    Bind(router, Method::kGet, "/api/v1/system/info", &Handlers::SystemInfo);
    Bind(router, Method::kGet, "/api/v1/events", &Handlers::ListEvents);
    Bind(router, Method::kPost, "/api/v1/events", &Handlers::CreateEvent);
    Bind(router, Method::kGet, "/api/v1/events/{id}", &Handlers::GetEvent);
    Bind(router, Method::kPatch, "/api/v1/events/{id}", &Handlers::UpdateEvent);
    Bind(router, Method::kDelete, "/api/v1/events/{id}", &Handlers::DeleteEvent);
    Bind(router, Method::kPost, "/api/v1/events/{id}/run", &Handlers::RunEvent);
    Bind(router, Method::kGet, "/api/v1/events/{id}/executions", &Handlers::ListEventExecutions);
    Bind(router, Method::kGet, "/api/v1/executions", &Handlers::ListExecutions);
    router.Add(Method::kGet, "/api/v1/executions/{id}",
               [self = *this](Request& request, Responder respond) mutable {
                 self.GetExecution(request, std::move(respond));
               });
    Bind(router, Method::kPost, "/api/v1/executions/{id}/cancel", &Handlers::CancelExecution);
  }

 private:
  using Sync = Result<Response> (Handlers::*)(Request&);

  // Handlers is one reference wide, so each route keeps its own copy.
  void Bind(http::Router& router, Method method, std::string pattern, Sync handler) {
    router.Add(method, std::move(pattern),
               [self = *this, handler](Request& request, Responder respond) mutable {
                 Result<Response> response = (self.*handler)(request);
                 respond(response ? std::move(*response) : ErrorResponse(response.error()));
               });
  }

  Result<Response> Healthz(Request&) { return JsonResponse(200, {{"status", "ok"}}); }

  Result<Response> Readyz(Request&) {
    auto ping = ctx_.store.Ping();
    if (!ping) {
      return JsonResponse(503, {{"status", "unavailable"}, {"message", ping.error().message}});
    }
    return JsonResponse(200, {{"status", "ready"}});
  }

  Result<Response> SystemInfo(Request&) {
    return JsonResponse(200, {{"version", ctx_.version}, {"isolation", ctx_.isolation}});
  }

  Result<Response> ListEvents(Request& request) {
    store::EventQuery query;
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
    for (const auto& event : events) items.push_back(RenderEvent(event, false));
    const bool full = static_cast<int>(events.size()) == query.limit;
    return JsonResponse(
        200, {{"items", items}, {"nextCursor", full ? json(events.back().id) : json(nullptr)}});
  }

  Result<Response> CreateEvent(Request& request) {
    CRONIUM_ASSIGN_OR_RETURN(auto fields, ParseEventFields(request));
    CRONIUM_ASSIGN_OR_RETURN(auto event, ctx_.events.Create(std::move(fields), ""));
    Response response = JsonResponse(201, RenderEvent(event, false));
    response.headers.emplace_back("Location", "/api/v1/events/" + event.id);
    return response;
  }

  Result<Response> GetEvent(Request& request) {
    CRONIUM_ASSIGN_OR_RETURN(auto event, ctx_.events.Get(request.PathParam("id")));
    const bool reveal = request.QueryParam("revealSecrets").value_or("") == "true";
    return JsonResponse(200, RenderEvent(event, reveal));
  }

  Result<Response> UpdateEvent(Request& request) {
    CRONIUM_ASSIGN_OR_RETURN(auto fields, ParseEventFields(request));
    CRONIUM_ASSIGN_OR_RETURN(auto event,
                             ctx_.events.Update(request.PathParam("id"), std::move(fields)));
    return JsonResponse(200, RenderEvent(event, false));
  }

  Result<Response> DeleteEvent(Request& request) {
    CRONIUM_RETURN_IF_ERROR(ctx_.events.Delete(request.PathParam("id")));
    return Response{.status = 204, .content_type = "application/json"};
  }

  Result<Response> RunEvent(Request& request) {
    CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request, /*allow_empty=*/true));
    CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"input"}));
    queue::EnqueueOptions options;
    options.trigger = "MANUAL";
    if (const json* input = body.Get("input")) {
      options.input_json = input->dump(-1, ' ', false, json::error_handler_t::replace);
      if (options.input_json.size() > kMaxInputBytes) {
        return InvalidArgument(fmt::format("input: at most {} bytes of JSON", kMaxInputBytes));
      }
    }
    CRONIUM_ASSIGN_OR_RETURN(auto event, ctx_.events.GetRecord(request.PathParam("id")));
    CRONIUM_ASSIGN_OR_RETURN(auto run, ctx_.queue.Enqueue(event, options));
    Response response =
        JsonResponse(202, {{"executionId", run.execution_id}, {"jobId", run.job_id}});
    response.headers.emplace_back("Location", "/api/v1/executions/" + run.execution_id);
    return response;
  }

  Result<Response> ListExecutionsMatching(Request& request, std::string event_id) {
    store::ExecutionQuery query;
    query.event_id = std::move(event_id);
    CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
    if (auto status = request.QueryParam("status")) {
      query.status = store::ParseRunStatus(*status);
      if (!query.status) {
        return InvalidArgument(
            "status: one of QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, CANCELLED, LOST");
      }
    }
    CRONIUM_ASSIGN_OR_RETURN(auto executions, ctx_.store.ListExecutions(query));
    json items = json::array();
    for (const auto& execution : executions) items.push_back(RenderExecution(execution));
    const bool full = static_cast<int>(executions.size()) == query.limit;
    return JsonResponse(
        200, {{"items", items}, {"nextCursor", full ? json(executions.back().id) : json(nullptr)}});
  }

  Result<Response> ListEventExecutions(Request& request) {
    // 404 for an unknown event rather than an empty list.
    CRONIUM_RETURN_IF_ERROR(ctx_.events.GetRecord(request.PathParam("id")));
    return ListExecutionsMatching(request, request.PathParam("id"));
  }

  Result<Response> ListExecutions(Request& request) {
    std::string event_id = request.QueryParam("eventId").value_or("");
    if (!event_id.empty() && !IsWellFormedId(event_id)) {
      return InvalidArgument("eventId: not an event id");
    }
    return ListExecutionsMatching(request, std::move(event_id));
  }

  Result<store::ExecutionRecord> LoadExecution(const std::string& id) {
    if (!IsWellFormedId(id))
      return NotFound(fmt::format("execution {} not found", id.substr(0, 64)));
    return ctx_.store.GetExecution(id);
  }

  // GET /api/v1/executions/{id}[?wait=SECONDS]: with wait, answers once the execution has
  // ended or the wait is over, whichever comes first (a long poll; no thread is held).
  void GetExecution(Request& request, Responder respond) {
    const std::string id = request.PathParam("id");
    auto execution = LoadExecution(id);
    if (!execution) return respond(ErrorResponse(execution.error()));
    int wait_seconds = 0;
    if (auto text = request.QueryParam("wait")) {
      char* end = nullptr;
      const long value = std::strtol(text->c_str(), &end, 10);
      if (text->empty() || *end != '\0' || value < 0 || value > ctx_.max_wait_seconds) {
        return respond(ErrorResponse(
            Error{ErrorCode::kInvalidArgument,
                  fmt::format("wait: whole seconds from 0 to {}", ctx_.max_wait_seconds)}));
      }
      wait_seconds = static_cast<int>(value);
    }
    if (wait_seconds == 0 || store::IsTerminal(execution->status)) {
      return respond(JsonResponse(200, RenderExecution(*execution)));
    }
    ctx_.queue.WhenFinished(id, std::chrono::seconds(wait_seconds),
                            [self = *this, id, respond](bool) mutable {
                              auto latest = self.LoadExecution(id);
                              respond(latest ? JsonResponse(200, RenderExecution(*latest))
                                             : ErrorResponse(latest.error()));
                            });
    // It may have ended between the first read and the subscription.
    auto again = LoadExecution(id);
    if (again && store::IsTerminal(again->status)) {
      respond(JsonResponse(200, RenderExecution(*again)));
    }
  }

  Result<Response> CancelExecution(Request& request) {
    const std::string id = request.PathParam("id");
    CRONIUM_RETURN_IF_ERROR(LoadExecution(id));
    CRONIUM_RETURN_IF_ERROR(ctx_.workers.Cancel(id, "cancelled by user"));
    CRONIUM_ASSIGN_OR_RETURN(auto execution, LoadExecution(id));
    return JsonResponse(202, RenderExecution(execution));
  }

  ApiContext& ctx_;
};

}  // namespace

void RegisterRoutes(http::Router& router, ApiContext& context) {
  Handlers(context).Register(router);
}

}  // namespace cronium::api

// The runtime API (contract §2.5/2.6) over HTTP: what scripts call while they run, at the
// origin root. Envelopes are {"success": true, "data": ...}; errors
// {"success": false, "error": <status text>, "message": <text>}.

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "api/api.h"
#include "api/internal/handlers.h"
#include "base/time_format.h"
#include "runtime/runtime_service.h"

namespace cronium::api {
namespace {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;
using internal::DumpJson;
using nlohmann::json;
using runtime::RuntimeService;

Response Envelope(int status, const json& body) { return Response::Json(status, DumpJson(body)); }

Response Success() { return Envelope(200, {{"success", true}}); }

// `data_json` is JSON text already.
Response SuccessWith(const std::string& data_json) {
  return Response::Json(200, R"({"success":true,"data":)" + data_json + "}");
}

Response Failure(int status, std::string_view message) {
  std::string_view text = "Internal Server Error";
  switch (status) {
    case 400:
      text = "Bad Request";
      break;
    case 401:
      text = "Unauthorized";
      break;
    case 403:
      text = "Forbidden";
      break;
    case 404:
      text = "Not Found";
      break;
    case 409:
      text = "Conflict";
      break;
    case 413:
      text = "Payload Too Large";
      break;
    case 429:
      text = "Too Many Requests";
      break;
    default:
      break;
  }
  return Envelope(status, {{"success", false}, {"error", text}, {"message", message}});
}

Response FromError(const Error& error, std::string_view failed) {
  switch (error.code) {
    case ErrorCode::kUnauthenticated:
      return Failure(401, error.message);
    case ErrorCode::kPermissionDenied:
      return Failure(403, error.message);
    case ErrorCode::kNotFound:
      return Failure(404, error.message);
    case ErrorCode::kInvalidArgument:
      return Failure(400, error.message);
    case ErrorCode::kFailedPrecondition:  // e.g. the run ended elsewhere (reaped, cancelled)
      return Failure(409, error.message);
    case ErrorCode::kResourceExhausted: {
      if (error.retry_after_seconds <= 0) return Failure(413, error.message);
      Response response = Failure(429, error.message);
      response.headers.emplace_back("Retry-After", std::to_string(error.retry_after_seconds));
      return response;
    }
    default:
      spdlog::error("runtime API: {}: {}", failed, error.message);
      return Failure(500, failed);
  }
}

// The JSON object a POST or PUT sends; nullopt (and a 400 sent) otherwise.
std::optional<json> ObjectBody(const Request& request, Responder& respond) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    respond(Failure(400, "invalid request body: send a JSON object"));
    return std::nullopt;
  }
  return body;
}

using Operation = void (*)(RuntimeService&, const RuntimeService::Caller&, Request&, Responder&);

void Add(http::Router& router, RuntimeService& service, Method method, std::string pattern,
         Operation operation) {
  router.Add(method, std::move(pattern),
             [&service, operation](Request& request, Responder respond) {
               auto caller = service.Authorize(request.Header("authorization"),
                                               request.PathParam("id"), request.listener);
               if (!caller) return respond(FromError(caller.error(), "unauthorized"));
               operation(service, *caller, request, respond);
             });
}

}  // namespace

void RegisterRuntimeRoutes(http::Router& router, runtime::RuntimeService& service) {
  router.Add(Method::kGet, "/health", [](Request&, Responder respond) {
    respond(Envelope(200, {{"status", "healthy"}, {"time", FormatRfc3339(SystemClock().Now())}}));
  });
  Add(router, service, Method::kGet, "/executions/{id}/input",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request&, Responder& respond) {
        respond(SuccessWith(s.Input(caller)));
      });
  Add(router, service, Method::kPost, "/executions/{id}/output",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request& request,
         Responder& respond) {
        auto body = ObjectBody(request, respond);
        if (!body) return;
        const auto data = body->find("data");
        auto set = s.SetOutput(caller, data == body->end() ? "null" : DumpJson(*data));
        respond(set ? Success() : FromError(set.error(), "failed to set output"));
      });
  Add(router, service, Method::kGet, "/executions/{id}/variables/{key}",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request& request,
         Responder& respond) {
        const std::string& key = request.PathParam("key");
        auto value = s.GetVariable(caller, key);
        if (!value) return respond(FromError(value.error(), "failed to get variable"));
        // The value is JSON text already; a missing variable reads as null, not a 404.
        respond(SuccessWith(R"({"key":)" + DumpJson(key) + R"(,"value":)" +
                            value->value_or("null") + "}"));
      });
  Add(router, service, Method::kPut, "/executions/{id}/variables/{key}",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request& request,
         Responder& respond) {
        auto body = ObjectBody(request, respond);
        if (!body) return;
        const auto value = body->find("value");
        if (value == body->end()) {
          return respond(Failure(400, R"(invalid request body: send {"value": <any JSON>})"));
        }
        auto set = s.SetVariable(caller, request.PathParam("key"), DumpJson(*value));
        respond(set ? Success() : FromError(set.error(), "failed to set variable"));
      });
  Add(router, service, Method::kDelete, "/executions/{id}/variables/{key}",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request& request,
         Responder& respond) {
        auto deleted = s.DeleteVariable(caller, request.PathParam("key"));
        respond(deleted ? Success() : FromError(deleted.error(), "failed to delete variable"));
      });
  Add(router, service, Method::kPost, "/executions/{id}/condition",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request& request,
         Responder& respond) {
        auto body = ObjectBody(request, respond);
        if (!body) return;
        const auto condition = body->find("condition");
        if (condition == body->end() || !condition->is_boolean()) {
          return respond(Failure(400, R"(invalid request body: send {"condition": true|false})"));
        }
        auto set = s.SetCondition(caller, condition->get<bool>());
        respond(set ? Success() : FromError(set.error(), "failed to set condition"));
      });
  Add(router, service, Method::kGet, "/executions/{id}/condition",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request&, Responder& respond) {
        const auto condition = s.Condition(caller);
        respond(
            SuccessWith(DumpJson({{"condition", condition ? json(*condition) : json(nullptr)}})));
      });
  Add(router, service, Method::kGet, "/executions/{id}/context",
      [](RuntimeService& s, const RuntimeService::Caller& caller, Request&, Responder& respond) {
        respond(SuccessWith(s.Context(caller)));
      });
}

}  // namespace cronium::api

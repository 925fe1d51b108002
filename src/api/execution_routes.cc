// /api/v1/executions: listing executions, one with its job (waiting for its end if asked),
// cancelling one.

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/internal/handlers.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "queue/job_queue.h"
#include "store/store.h"
#include "worker/worker_pool.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Responder;
using http::Response;

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

}  // namespace

// ?status=A,B (any of them), ?since= and ?until= (RFC 3339: created in [since, until)),
// ?view=summary (no stdout, stderr or output: what a list of runs shows), paging. Every item
// carries its event's name.
Result<Response> Handlers::ListExecutionsMatching(Request& request,
                                                  const auth::Principal& principal,
                                                  std::string event_id) {
  store::ExecutionQuery query;
  query.event_id = std::move(event_id);
  if (principal.role != store::UserRole::kAdmin) query.visible_to = principal.user_id;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  if (auto text = request.QueryParam("status"); text && !text->empty()) {
    std::string_view rest = *text;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view name = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      auto status = store::ParseRunStatus(name);
      if (!status || *status == store::RunStatus::kLeased) {
        return InvalidArgument(fmt::format(
            "status: '{}' is not one of QUEUED, RUNNING, SUCCEEDED, FAILED, TIMED_OUT, "
            "CANCELLED, LOST (several separated by commas; executions are never LEASED, their "
            "jobs are)",
            name.substr(0, 32)));
      }
      query.statuses.push_back(*status);
    }
  }
  for (const auto& [param, id] :
       {std::pair{"since", &query.since_id}, {"until", &query.until_id}}) {
    if (auto text = request.QueryParam(param); text && !text->empty()) {
      auto at = ParseRfc3339(*text);
      if (!at)
        return InvalidArgument(fmt::format("{}: an RFC 3339 time ({})", param, at.error().message));
      *id = IdTimePrefix("exe", *at);
    }
  }
  if (auto view = request.QueryParam("view"); view && !view->empty()) {
    if (*view != "summary" && *view != "full") {
      return InvalidArgument("view: summary (no output) or full (the default)");
    }
    query.summary = *view == "summary";
  }
  CRONIUM_ASSIGN_OR_RETURN(auto executions, ctx_.store.ListExecutions(query));
  std::vector<std::string> event_ids;
  for (const auto& execution : executions) event_ids.push_back(execution.event_id);
  std::sort(event_ids.begin(), event_ids.end());
  event_ids.erase(std::unique(event_ids.begin(), event_ids.end()), event_ids.end());
  CRONIUM_ASSIGN_OR_RETURN(auto names, ctx_.store.GetEventNames(event_ids));
  json items = json::array();
  for (const auto& execution : executions) {
    json item = RenderExecution(execution);
    if (query.summary) {
      item.erase("stdout");
      item.erase("stderr");
      item.erase("output");
    }
    auto name = names.find(execution.event_id);
    item["eventName"] = name == names.end() ? json(nullptr) : json(name->second);
    items.push_back(std::move(item));
  }
  const bool full = static_cast<int>(executions.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(executions.back().id) : json(nullptr)}});
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

}  // namespace cronium::api::internal

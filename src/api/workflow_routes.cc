// /api/v1/workflows and /api/v1/workflow-executions: workflows (DAGs of events), their runs
// with the state of every node, and cancel. The engine checks graphs and moves runs on.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/errors.h"
#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "base/ids.h"
#include "base/time_format.h"
#include "scheduler/scheduler.h"
#include "workflow/engine.h"
#include "workflow/webhooks.h"

namespace cronium::api::internal {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;

namespace {

constexpr size_t kMaxNodes = 1000;
constexpr size_t kMaxEdges = 10'000;

json Nullable(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json RenderWorkflow(const store::WorkflowRecord& w, bool with_graph) {
  json body{{"id", w.id},
            {"ownerId", w.owner_id},
            {"name", w.name},
            {"description", w.description},
            {"status", ToString(w.status)},
            {"tags", w.tags},
            {"shared", w.shared},
            {"trigger", w.trigger},
            {"createdAt", FormatRfc3339(w.created_at)},
            {"updatedAt", FormatRfc3339(w.updated_at)}};
  if (with_graph) {
    json nodes = json::array();
    for (const auto& node : w.nodes) {
      nodes.push_back({{"id", node.id},
                       {"eventId", node.event_id},
                       {"label", node.label},
                       {"position", {{"x", node.x}, {"y", node.y}}}});
    }
    json edges = json::array();
    for (const auto& edge : w.edges) {
      edges.push_back({{"from", edge.from}, {"to", edge.to}, {"kind", edge.kind}});
    }
    body["nodes"] = std::move(nodes);
    body["edges"] = std::move(edges);
  }
  return body;
}

json ParsedOrNull(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? json(nullptr) : value;
}

json RenderRun(const store::WorkflowRunRecord& run, bool with_outputs) {
  json nodes = json::array();
  std::map<std::string, int> counts;
  for (const auto& node : run.nodes) {
    counts[std::string(ToString(node.state))]++;
    json item{{"id", node.node_id},
              {"eventId", node.event_id},
              {"status", ToString(node.state)},
              {"jobId", Nullable(node.job_id)},
              {"executionId", Nullable(node.execution_id)},
              {"condition", node.condition ? json(*node.condition) : json(nullptr)},
              {"endReason", node.end_reason},
              {"startedAt", TimeOrNull(node.started_at)},
              {"finishedAt", TimeOrNull(node.finished_at)}};
    if (node.started_at && node.finished_at) {
      item["durationMs"] = std::chrono::duration_cast<std::chrono::milliseconds>(*node.finished_at -
                                                                                 *node.started_at)
                               .count();
    } else {
      item["durationMs"] = nullptr;
    }
    if (with_outputs) item["output"] = ParsedOrNull(node.output_json);
    nodes.push_back(std::move(item));
  }
  json input = json::parse(run.input_json, nullptr, /*allow_exceptions=*/false);
  json body{{"id", run.id},
            {"workflowId", run.workflow_id},
            {"status", ToString(run.status)},
            {"trigger", run.trigger},
            {"requestedBy", Nullable(run.requested_by)},
            {"input", input.is_discarded() ? json(nullptr) : input},
            {"endReason", run.end_reason},
            {"createdAt", FormatRfc3339(run.created_at)},
            {"finishedAt", TimeOrNull(run.finished_at)},
            {"counts", counts},
            {"nodes", std::move(nodes)}};
  if (run.finished_at) {
    body["durationMs"] =
        std::chrono::duration_cast<std::chrono::milliseconds>(*run.finished_at - run.created_at)
            .count();
  } else {
    body["durationMs"] = nullptr;
  }
  return body;
}

// The graph and fields of a create (every graph field required) or an update (only what is
// given changes; nodes and edges each replace the whole list).
Status ParseWorkflow(const JsonBody& body, store::WorkflowRecord& w, bool create) {
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"name", "description", "status", "tags", "shared",
                                              "trigger", "schedule", "nodes", "edges"}));
  if (auto name = body.String("name"); !name) {
    return tl::unexpected(name.error());
  } else if (*name) {
    w.name = std::move(**name);
  } else if (create) {
    return InvalidArgument("name: required");
  }
  CRONIUM_ASSIGN_OR_RETURN(auto description, body.String("description"));
  if (description) w.description = std::move(*description);
  CRONIUM_ASSIGN_OR_RETURN(auto status, body.String("status"));
  if (status) {
    auto parsed = store::ParseEventStatus(*status);
    if (!parsed) {
      return InvalidArgument(
          fmt::format("status: '{}' is not one of DRAFT, ACTIVE, PAUSED, "
                      "ARCHIVED",
                      status->substr(0, 32)));
    }
    w.status = *parsed;
  }
  CRONIUM_ASSIGN_OR_RETURN(auto tags, body.StringArray("tags"));
  if (tags) w.tags = std::move(*tags);
  CRONIUM_ASSIGN_OR_RETURN(auto shared, body.Bool("shared"));
  if (shared) w.shared = *shared;
  CRONIUM_ASSIGN_OR_RETURN(auto trigger, body.String("trigger"));
  if (trigger) {
    if (*trigger != "MANUAL" && *trigger != "SCHEDULE" && *trigger != "WEBHOOK") {
      return InvalidArgument(fmt::format("trigger: '{}' is not one of MANUAL, SCHEDULE, WEBHOOK",
                                         trigger->substr(0, 32)));
    }
    w.trigger = std::move(*trigger);
  }
  if (const json* nodes = body.Get("nodes")) {
    if (!nodes->is_array()) return InvalidArgument("nodes: must be an array");
    if (nodes->size() > kMaxNodes) {
      return InvalidArgument(fmt::format("nodes: at most {}", kMaxNodes));
    }
    w.nodes.clear();
    for (size_t i = 0; i < nodes->size(); ++i) {
      const json& item = (*nodes)[i];
      if (!item.is_object()) return InvalidArgument(fmt::format("nodes[{}]: must be an object", i));
      store::WorkflowNodeRecord node;
      for (const auto& [key, value] : item.items()) {
        if (key == "id" || key == "eventId" || key == "label") {
          if (!value.is_string()) {
            return InvalidArgument(fmt::format("nodes[{}].{}: must be a string", i, key));
          }
          (key == "id"        ? node.id
           : key == "eventId" ? node.event_id
                              : node.label) = value.get<std::string>();
        } else if (key == "position") {
          if (!value.is_object() || !value.contains("x") || !value.contains("y") ||
              !value["x"].is_number() || !value["y"].is_number() || value.size() != 2) {
            return InvalidArgument(
                fmt::format("nodes[{}].position: must be {{\"x\": number, \"y\": number}}", i));
          }
          node.x = value["x"].get<double>();
          node.y = value["y"].get<double>();
        } else {
          return InvalidArgument(
              fmt::format("nodes[{}]: unknown field '{}' (known: id, eventId, label, position)", i,
                          key.substr(0, 64)));
        }
      }
      if (node.id.empty()) return InvalidArgument(fmt::format("nodes[{}].id: required", i));
      if (node.event_id.empty()) {
        return InvalidArgument(fmt::format("nodes[{}].eventId: required", i));
      }
      w.nodes.push_back(std::move(node));
    }
  } else if (create) {
    return InvalidArgument("nodes: required (at least one node)");
  }
  if (const json* edges = body.Get("edges")) {
    if (!edges->is_array()) return InvalidArgument("edges: must be an array");
    if (edges->size() > kMaxEdges) {
      return InvalidArgument(fmt::format("edges: at most {}", kMaxEdges));
    }
    w.edges.clear();
    for (size_t i = 0; i < edges->size(); ++i) {
      const json& item = (*edges)[i];
      if (!item.is_object()) return InvalidArgument(fmt::format("edges[{}]: must be an object", i));
      store::WorkflowEdgeRecord edge;
      for (const auto& [key, value] : item.items()) {
        if (key != "from" && key != "to" && key != "kind") {
          return InvalidArgument(fmt::format(
              "edges[{}]: unknown field '{}' (known: from, to, kind)", i, key.substr(0, 64)));
        }
        if (!value.is_string()) {
          return InvalidArgument(fmt::format("edges[{}].{}: must be a string", i, key));
        }
        (key == "from" ? edge.from : key == "to" ? edge.to : edge.kind) = value.get<std::string>();
      }
      if (edge.from.empty() || edge.to.empty()) {
        return InvalidArgument(fmt::format("edges[{}]: from and to are required", i));
      }
      w.edges.push_back(std::move(edge));
    }
  }
  return OkStatus();
}

// A workflow has a schedule exactly when its trigger is SCHEDULE. `schedule` is the request's
// value (null: none; absent: as stored); `stored` whether it has one now; `new_trigger` whether
// this request sets the trigger to SCHEDULE (on create, or from another trigger).
Status CheckTriggerAndSchedule(const store::WorkflowRecord& w, const json* schedule, bool stored,
                               bool new_trigger) {
  if (w.trigger == "SCHEDULE") {
    if (schedule != nullptr && schedule->is_null()) {
      return InvalidArgument(
          "schedule: a workflow with trigger SCHEDULE needs one; change the trigger to drop it");
    }
    if (schedule == nullptr && !stored && new_trigger) {
      return InvalidArgument("schedule: required when the trigger is SCHEDULE");
    }
  } else if (schedule != nullptr && !schedule->is_null()) {
    return InvalidArgument(fmt::format(
        "schedule: only a workflow with trigger SCHEDULE has one (this one's is {})", w.trigger));
  }
  return OkStatus();
}

json RenderWebhook(const store::WebhookRecord& w) {
  return {{"id", w.id},
          {"targetType", w.target_type},
          {"targetId", w.target_id},
          {"url", "/api/v1/hooks/" + w.key},
          {"createdAt", FormatRfc3339(w.created_at)},
          {"lastUsedAt", TimeOrNull(w.last_used_at)}};
}

}  // namespace

void Handlers::RegisterWorkflowRoutes(http::Router& router) {
  Bind(router, Method::kGet, "/api/v1/workflows", &Handlers::ListWorkflows);
  Bind(router, Method::kPost, "/api/v1/workflows", &Handlers::CreateWorkflow);
  Bind(router, Method::kGet, "/api/v1/workflows/{id}", &Handlers::GetWorkflow);
  Bind(router, Method::kPatch, "/api/v1/workflows/{id}", &Handlers::UpdateWorkflow);
  Bind(router, Method::kPut, "/api/v1/workflows/{id}", &Handlers::UpdateWorkflow);
  Bind(router, Method::kDelete, "/api/v1/workflows/{id}", &Handlers::DeleteWorkflow);
  Bind(router, Method::kPost, "/api/v1/workflows/{id}/run", &Handlers::RunWorkflow);
  Bind(router, Method::kGet, "/api/v1/workflows/{id}/executions",
       &Handlers::ListWorkflowExecutions);
  router.Add(Method::kGet, "/api/v1/workflow-executions/{id}",
             [self = *this](Request& request, Responder respond) mutable {
               self.GetWorkflowExecution(request, std::move(respond));
             });
  Bind(router, Method::kPost, "/api/v1/workflow-executions/{id}/cancel",
       &Handlers::CancelWorkflowExecution);
  Bind(router, Method::kGet, "/api/v1/workflows/{id}/ledger", &Handlers::WorkflowLedger);
  Bind(router, Method::kGet, "/api/v1/workflows/{id}/schedule/preview",
       &Handlers::PreviewWorkflowSchedule);
  if (ctx_.webhooks != nullptr) {
    for (const char* target : {"/api/v1/workflows/{id}/webhooks", "/api/v1/events/{id}/webhooks"}) {
      Bind(router, Method::kPost, target, &Handlers::CreateWebhook);
      Bind(router, Method::kGet, target, &Handlers::ListWebhooks);
    }
    Bind(router, Method::kDelete, "/api/v1/webhooks/{id}", &Handlers::DeleteWebhook);
    BindPublic(router, Method::kPost, "/api/v1/hooks/{key}", &Handlers::DeliverWebhook);
  }
}

Result<store::WorkflowRecord> Handlers::VisibleWorkflow(const std::string& id,
                                                        const auth::Principal& principal) {
  auto workflow = ctx_.store.GetWorkflow(id);
  // Someone else's private workflow does not exist as far as this caller knows.
  if (!workflow || !auth::CanSee(principal, *workflow)) {
    if (workflow || workflow.error().code == ErrorCode::kNotFound) {
      return NotFound(fmt::format("workflow {} not found", id.substr(0, 64)));
    }
    return tl::unexpected(workflow.error());
  }
  return workflow;
}

Result<store::WorkflowRunRecord> Handlers::VisibleWorkflowRun(const std::string& id,
                                                              const auth::Principal& principal) {
  auto run = ctx_.store.GetWorkflowRun(id);
  if (!run && run.error().code != ErrorCode::kNotFound) return tl::unexpected(run.error());
  if (run) {
    auto workflow = VisibleWorkflow(run->workflow_id, principal);
    if (workflow) return run;
    if (workflow.error().code != ErrorCode::kNotFound) return tl::unexpected(workflow.error());
  }
  return NotFound(fmt::format("workflow execution {} not found", id.substr(0, 64)));
}

Result<Response> Handlers::ListWorkflows(Request& request, const auth::Principal& principal) {
  store::WorkflowQuery query;
  if (principal.role != store::UserRole::kAdmin) query.visible_to = principal.user_id;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  CRONIUM_ASSIGN_OR_RETURN(auto workflows, ctx_.store.ListWorkflows(query));
  json items = json::array();
  for (const auto& workflow : workflows) {
    json item = RenderWorkflow(workflow, false);
    item["schedule"] = RenderSchedule(workflow.id);
    items.push_back(std::move(item));
  }
  const bool full = static_cast<int>(workflows.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(workflows.back().id) : json(nullptr)}});
}

Result<Response> Handlers::CreateWorkflow(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(IdempotentRequest idempotent, IdempotencyOf(request, principal));
  const TimePoint now = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto replay, idempotent.Replay(ctx_.store, now));
  if (replay) return std::move(*replay);
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  store::WorkflowRecord w;
  CRONIUM_RETURN_IF_ERROR(ParseWorkflow(body, w, /*create=*/true));
  w.id = NewId("wfl", now);
  w.owner_id = principal.user_id;
  w.created_at = w.updated_at = now;
  CRONIUM_RETURN_IF_ERROR(ctx_.workflows->Check(w));
  const json* schedule = body.Get("schedule");
  CRONIUM_RETURN_IF_ERROR(
      CheckTriggerAndSchedule(w, schedule, /*stored=*/false, /*new_trigger=*/true));
  // The workflow and its schedule are one write (as an event's).
  std::optional<store::NewSchedule> planned;
  if (schedule != nullptr && !schedule->is_null()) {
    CRONIUM_ASSIGN_OR_RETURN(planned, PlanWorkflowSchedule(w, *schedule, principal));
  }
  // Rendered before the write, from what is written (see CreateEvent).
  json answer_body = RenderWorkflow(w, true);
  answer_body["schedule"] = planned ? RenderSchedule(planned->record) : json(nullptr);
  answer_body["warnings"] = ScheduleWarnings(answer_body["schedule"]);
  Response answer = JsonResponse(201, answer_body);
  answer.headers.emplace_back("Location", "/api/v1/workflows/" + w.id);
  Status inserted = ctx_.store.InsertWorkflow(
      w,
      store::MakeAudit(principal.ToActor(), now, "workflow.create", "workflow", w.id,
                       json{{"name", w.name}, {"nodes", w.nodes.size()}}.dump()),
      planned, idempotent.Records(answer, now));
  if (!inserted) return idempotent.AfterFailure(ctx_.store, now, std::move(inserted.error()));
  if (planned) ctx_.scheduler.Adopt(w.id);
  WrittenForTest(idempotent);
  return answer;
}

Result<Response> Handlers::GetWorkflow(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto workflow, VisibleWorkflow(request.PathParam("id"), principal));
  return JsonResponse(200, WorkflowBody(workflow));
}

json Handlers::WorkflowBody(const store::WorkflowRecord& w) {
  json body = RenderWorkflow(w, true);
  body["schedule"] = RenderSchedule(w.id);
  body["warnings"] = ScheduleWarnings(body["schedule"]);
  return body;
}

Result<Response> Handlers::UpdateWorkflow(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  if (!auth::CanChange(principal, w)) {
    return MakeError(ErrorCode::kPermissionDenied, "only its owner or an admin may change it");
  }
  const std::string old_trigger = w.trigger;
  CRONIUM_RETURN_IF_ERROR(ParseWorkflow(body, w, /*create=*/false));
  const TimePoint now = ctx_.clock.Now();
  w.updated_at = now;
  CRONIUM_RETURN_IF_ERROR(ctx_.workflows->Check(w));
  const json* schedule = body.Get("schedule");
  const bool stored = ctx_.store.GetSchedule(w.id).has_value();
  CRONIUM_RETURN_IF_ERROR(
      CheckTriggerAndSchedule(w, schedule, stored, /*new_trigger=*/old_trigger != w.trigger));
  if (schedule != nullptr && !schedule->is_null())
    CRONIUM_RETURN_IF_ERROR(CheckSchedule(*schedule));
  CRONIUM_RETURN_IF_ERROR(ctx_.store.UpdateWorkflow(
      w, store::MakeAudit(principal.ToActor(), now, "workflow.update", "workflow", w.id,
                          json{{"name", w.name}, {"nodes", w.nodes.size()}}.dump())));
  if (schedule != nullptr) {
    CRONIUM_RETURN_IF_ERROR(SetSchedule(w.id, true, *schedule, principal));
  } else if (w.trigger != "SCHEDULE" && stored) {
    CRONIUM_RETURN_IF_ERROR(SetSchedule(w.id, true, json(nullptr), principal));
  }
  RefreshSchedule(w.id);  // a status change starts or stops the schedule
  // Runs held by a BUFFER overlap policy end if it was archived. The update stands either way:
  // should this fail, the scheduler's sweep does it within a minute.
  if (Status released = ctx_.workflows->ReleaseHeld(w.id); !released) {
    spdlog::warn("workflow {}: held runs: {}", w.id, released.error().message);
  }
  return JsonResponse(200, WorkflowBody(w));
}

Result<Response> Handlers::DeleteWorkflow(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  if (!auth::CanChange(principal, w)) {
    return MakeError(ErrorCode::kPermissionDenied, "only its owner or an admin may delete it");
  }
  CRONIUM_RETURN_IF_ERROR(ctx_.store.DeleteWorkflow(
      w.id, store::MakeAudit(principal.ToActor(), ctx_.clock.Now(), "workflow.delete", "workflow",
                             w.id, json{{"name", w.name}}.dump())));
  RefreshSchedule(w.id);  // its schedule went with it
  return Response{.status = 204};
}

Result<Response> Handlers::RunWorkflow(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(IdempotentRequest idempotent, IdempotencyOf(request, principal));
  const TimePoint now = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto replay, idempotent.Replay(ctx_.store, now));
  if (replay) return std::move(*replay);
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request, /*allow_empty=*/true));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"input"}));
  workflow::StartOptions options;
  options.actor = principal.ToActor();
  options.trigger = "MANUAL";
  if (const json* input = body.Get("input"); input != nullptr && !input->is_null()) {
    options.input_json = DumpJson(*input);
    if (options.input_json.size() > kMaxInputBytes) {
      return InvalidArgument(fmt::format("input: at most {} bytes of JSON", kMaxInputBytes));
    }
  }
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  if (!auth::CanRun(principal, w)) {
    return MakeError(ErrorCode::kPermissionDenied, "you may not run this workflow");
  }
  // The run as it starts (its nodes and their jobs), rendered before the write.
  Response answer;
  options.idempotency = [&](const store::WorkflowRunStart& start) {
    answer = JsonResponse(202, RenderRun(start.run, false));
    answer.headers.emplace_back("Location", "/api/v1/workflow-executions/" + start.run.id);
    return idempotent.Records(answer, now);
  };
  auto started = ctx_.workflows->Start(w, options);
  if (!started) return idempotent.AfterFailure(ctx_.store, now, std::move(started.error()));
  WrittenForTest(idempotent);
  return answer;
}

Result<Response> Handlers::ListWorkflowExecutions(Request& request,
                                                  const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  store::WorkflowRunQuery query;
  query.workflow_id = w.id;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, query.limit, query.before_id));
  CRONIUM_ASSIGN_OR_RETURN(auto runs, ctx_.store.ListWorkflowRuns(query));
  json items = json::array();
  for (const auto& run : runs) items.push_back(RenderRun(run, false));
  const bool full = static_cast<int>(runs.size()) == query.limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(runs.back().id) : json(nullptr)}});
}

// GET /api/v1/workflow-executions/{id}[?wait=SECONDS]: with wait, answers once the run has
// finished (no node running) or the wait is over (a long poll; no thread is held).
void Handlers::GetWorkflowExecution(Request& request, Responder respond) {
  auto principal = Authenticate(request);
  if (!principal) return respond(AuthErrorResponse(principal.error()));
  const std::string id = request.PathParam("id");
  auto run = VisibleWorkflowRun(id, *principal);
  if (!run) return respond(ErrorResponse(run.error()));
  int wait_seconds = 0;
  if (Status read = ReadWait(request, ctx_.max_wait_seconds, wait_seconds); !read) {
    return respond(ErrorResponse(read.error()));
  }
  if (wait_seconds == 0 || run->finished_at)
    return respond(JsonResponse(200, RenderRun(*run, true)));
  store::Store& store = ctx_.store;
  ctx_.workflows->WhenFinished(id, std::chrono::seconds(wait_seconds),
                               [&store, id, respond](bool) mutable {
                                 auto latest = store.GetWorkflowRun(id);
                                 respond(latest ? JsonResponse(200, RenderRun(*latest, true))
                                                : ErrorResponse(latest.error()));
                               });
  // It may have finished between the first read and the subscription.
  auto again = ctx_.store.GetWorkflowRun(id);
  if (again && again->finished_at) respond(JsonResponse(200, RenderRun(*again, true)));
}

Result<Response> Handlers::CancelWorkflowExecution(Request& request,
                                                   const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto run, VisibleWorkflowRun(request.PathParam("id"), principal));
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(run.workflow_id, principal));
  if (!auth::CanRun(principal, w)) {
    return MakeError(ErrorCode::kPermissionDenied, "you may not cancel this workflow's runs");
  }
  CRONIUM_RETURN_IF_ERROR(ctx_.workflows->Cancel(
      run.id, fmt::format("cancelled by {}", principal.username), principal.ToActor()));
  CRONIUM_ASSIGN_OR_RETURN(auto latest, ctx_.store.GetWorkflowRun(run.id));
  return JsonResponse(202, RenderRun(latest, true));
}

// GET /api/v1/workflows/{id}/ledger: what happened to each planned occurrence, newest first.
Result<Response> Handlers::WorkflowLedger(Request& request, const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  return LedgerOf(request, w.id);
}

// GET /api/v1/workflows/{id}/schedule/preview?count=N: the next runs of its schedule.
Result<Response> Handlers::PreviewWorkflowSchedule(Request& request,
                                                   const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(request.PathParam("id"), principal));
  return PreviewOf(request, w.id, w.created_at,
                   {{"workflowId", w.id}, {"status", ToString(w.status)}});
}

Result<std::pair<std::string, std::string>> Handlers::WebhookTarget(
    const Request& request, const auth::Principal& principal, bool change) {
  const std::string id = request.PathParam("id");
  if (request.path.rfind("/api/v1/workflows/", 0) == 0) {
    CRONIUM_ASSIGN_OR_RETURN(auto w, VisibleWorkflow(id, principal));
    if (change && !auth::CanChange(principal, w)) {
      return MakeError(ErrorCode::kPermissionDenied, "only its owner or an admin may do this");
    }
    return std::pair<std::string, std::string>("WORKFLOW", w.id);
  }
  CRONIUM_ASSIGN_OR_RETURN(auto event, VisibleEvent(id, principal));
  if (change && !auth::CanChange(principal, event)) {
    return MakeError(ErrorCode::kPermissionDenied, "only its owner or an admin may do this");
  }
  return std::pair<std::string, std::string>("EVENT", event.id);
}

// POST /api/v1/{workflows,events}/{id}/webhooks: a new webhook; its secret is in this answer
// only.
Result<Response> Handlers::CreateWebhook(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  CRONIUM_ASSIGN_OR_RETURN(auto target, WebhookTarget(request, principal, /*change=*/true));
  CRONIUM_ASSIGN_OR_RETURN(auto existing, ctx_.webhooks->List(target.first, target.second));
  if (existing.size() >= 20) {
    return FailedPrecondition("at most 20 webhooks per workflow or event; delete one first");
  }
  CRONIUM_ASSIGN_OR_RETURN(
      auto created,
      ctx_.webhooks->Create(target.first, target.second, principal.user_id, principal.ToActor()));
  json body = RenderWebhook(created.record);
  body["secret"] = created.secret;
  body["signing"] =
      "X-Cronium-Timestamp: <Unix seconds>; X-Cronium-Signature: sha256=<hex HMAC-SHA256 of "
      "\"<timestamp>.<body>\" with the secret as key>";
  return JsonResponse(201, body);
}

Result<Response> Handlers::ListWebhooks(Request& request, const auth::Principal& principal) {
  // Webhooks are part of their target's configuration: only those who may change it see them.
  CRONIUM_ASSIGN_OR_RETURN(auto target, WebhookTarget(request, principal, /*change=*/true));
  CRONIUM_ASSIGN_OR_RETURN(auto webhooks, ctx_.webhooks->List(target.first, target.second));
  json items = json::array();
  for (const auto& webhook : webhooks) items.push_back(RenderWebhook(webhook));
  return JsonResponse(200, {{"items", items}, {"nextCursor", nullptr}});
}

Result<Response> Handlers::DeleteWebhook(Request& request, const auth::Principal& principal) {
  CRONIUM_RETURN_IF_ERROR(auth::RequireWrite(principal));
  const std::string id = request.PathParam("id");
  auto webhook = ctx_.store.GetWebhook(id);
  if (!webhook && webhook.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(webhook.error());
  }
  // Its maker, an admin, or whoever may change its target.
  bool allowed = webhook && (principal.role == store::UserRole::kAdmin ||
                             webhook->owner_id == principal.user_id);
  if (webhook && !allowed) {
    if (webhook->target_type == "WORKFLOW") {
      auto target = ctx_.store.GetWorkflow(webhook->target_id);
      allowed = target && auth::CanChange(principal, *target);
    } else {
      auto target = ctx_.store.GetEvent(webhook->target_id);
      allowed = target && auth::CanChange(principal, *target);
    }
  }
  if (!allowed) return NotFound(fmt::format("webhook {} not found", id.substr(0, 64)));
  CRONIUM_RETURN_IF_ERROR(ctx_.webhooks->Delete(id, principal.ToActor()));
  return Response{.status = 204};
}

// POST /api/v1/hooks/{key}: public; the signature is the credential. A delivery received before
// (the same timestamp and signature, or the same Idempotency-Key header) is answered as the
// first time and starts nothing; its idempotency records belong to the webhook.
Result<Response> Handlers::DeliverWebhook(Request& request) {
  if (request.body.size() > kMaxInputBytes) {
    return http::Response::Json(
        413, http::ErrorBody("PAYLOAD_TOO_LARGE",
                             fmt::format("the body is over {} bytes", kMaxInputBytes)));
  }
  auto header = [&](std::string_view name) -> std::optional<std::string> {
    auto value = request.Header(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
  CRONIUM_ASSIGN_OR_RETURN(
      auto signed_delivery,
      ctx_.webhooks->Authenticate(request.PathParam("key"), header("x-cronium-timestamp"),
                                  header("x-cronium-signature"), request.body,
                                  request.remote_address));
  // The header's key first (a sender that signs each attempt anew sends the same one), then
  // the signature's. The scope names the webhook by id: its key is a secret of the URL.
  const std::string principal = "webhook:" + signed_delivery.webhook.id;
  const std::string scope = "POST /api/v1/hooks/" + signed_delivery.webhook.id;
  std::vector<std::string> keys;
  CRONIUM_ASSIGN_OR_RETURN(auto header_key, IdempotentRequest::HeaderKey(request));
  if (header_key) keys.push_back(std::move(*header_key));
  keys.push_back(
      fmt::format("t={},sha256={}", signed_delivery.timestamp, signed_delivery.signature));
  const IdempotentRequest idempotent(principal, scope, std::move(keys), request.body);
  const TimePoint now = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto replay, idempotent.Replay(ctx_.store, now));
  if (replay) return std::move(*replay);
  Response answer;
  auto record = [&](const workflow::Delivery& delivery) {
    json body{{"targetType", delivery.target_type}};
    if (delivery.target_type == "WORKFLOW") {
      body["workflowExecutionId"] = delivery.run_id;
    } else {
      body["executionId"] = delivery.run_id;
      body["jobId"] = delivery.job_id;
    }
    answer = JsonResponse(202, body);
    return idempotent.Records(answer, now);
  };
  auto delivered = ctx_.webhooks->Start(signed_delivery, record);
  if (!delivered) return idempotent.AfterFailure(ctx_.store, now, std::move(delivered.error()));
  return answer;
}

}  // namespace cronium::api::internal

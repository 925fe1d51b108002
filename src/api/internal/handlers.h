#pragma once

// The REST handlers, a file for each domain (<domain>_routes.cc: events, schedules, executions,
// system, workflows, variables, auth with tokens, users and audit), registered by routes.cc;
// what they share is in internal/handlers.cc. Internal to api/.

#include <nlohmann/json.hpp>
#include <string>

#include "api/api.h"
#include "api/internal/idempotency.h"
#include "auth/principal.h"
#include "base/error.h"
#include "events/event_service.h"
#include "http/message.h"
#include "store/records.h"

namespace cronium::scheduler {
struct ScheduleSpec;
}

namespace cronium::api::internal {

using nlohmann::json;

// Script output may hold anything; invalid UTF-8 becomes U+FFFD instead of failing the dump.
std::string DumpJson(const json& doc);
http::Response JsonResponse(int status, const json& body);
json TimeOrNull(const std::optional<TimePoint>& t);
// The `warnings` of an answer that carries one event's or workflow's schedule (as
// Handlers::RenderSchedule renders it, or null): always an array, empty when none.
json ScheduleWarnings(const json& schedule);
// An authentication failure; 401s tell the client which scheme to use.
http::Response AuthErrorResponse(const Error& error);
// The largest run input a client may send, as JSON.
inline constexpr size_t kMaxInputBytes = 1 << 20;

// Reads ?wait= (whole seconds, 0..max_seconds; 0 when absent).
Status ReadWait(const http::Request& request, int max_seconds, int& seconds);
// Reads ?limit= (1..200, default 50).
Status ReadLimit(const http::Request& request, int& limit);
// Reads ?limit= and ?cursor= (an id this API returned).
Status ReadPaging(const http::Request& request, int& limit, std::string& cursor);
// A "schedule" value, validated now so that a bad schedule never leaves a half-made event or
// workflow behind (schedule_routes.cc).
Result<scheduler::ScheduleSpec> ParseSchedule(const json& schedule, TimePoint now);

// Handlers is one reference wide, so each route keeps its own copy.
class Handlers {
 public:
  explicit Handlers(ApiContext& ctx) : ctx_(ctx) {}
  void Register(http::Router& router);

 private:
  using Public = Result<http::Response> (Handlers::*)(http::Request&);
  using Private = Result<http::Response> (Handlers::*)(http::Request&, const auth::Principal&);

  // routes.cc
  void BindPublic(http::Router& router, http::Method method, std::string pattern, Public handler);
  void Bind(http::Router& router, http::Method method, std::string pattern, Private handler);
  // internal/handlers.cc
  // Resolves the caller from an API token or a session cookie (checking the CSRF token on
  // changes). kUnauthenticated / kPermissionDenied / kResourceExhausted.
  Result<auth::Principal> Authenticate(const http::Request& request);
  // The idempotency key of a request that creates (see idempotency.h), read after the caller
  // was authenticated; and, after its creation was written, the test-only crash point.
  Result<IdempotentRequest> IdempotencyOf(const http::Request& request,
                                          const auth::Principal& principal);
  void WrittenForTest(const IdempotentRequest& request) const;

  // system_routes.cc
  Result<http::Response> Healthz(http::Request&);
  Result<http::Response> Readyz(http::Request&);
  Result<http::Response> SystemInfo(http::Request&, const auth::Principal&);
  Result<http::Response> Drain(http::Request&, const auth::Principal&);
  Result<http::Response> Resume(http::Request&, const auth::Principal&);
  Result<http::Response> DrainStatus(http::Request&, const auth::Principal&);
  Result<http::Response> ListNodes(http::Request&, const auth::Principal&);

  // event_routes.cc
  Result<http::Response> ListEvents(http::Request&, const auth::Principal&);
  Result<http::Response> CreateEvent(http::Request&, const auth::Principal&);
  Result<http::Response> GetEvent(http::Request&, const auth::Principal&);
  Result<http::Response> UpdateEvent(http::Request&, const auth::Principal&);
  Result<http::Response> DeleteEvent(http::Request&, const auth::Principal&);
  Result<http::Response> RunEvent(http::Request&, const auth::Principal&);
  Result<http::Response> ListEventExecutions(http::Request&, const auth::Principal&);
  Result<http::Response> Ledger(http::Request&, const auth::Principal&);
  Result<http::Response> PreviewEventSchedule(http::Request&, const auth::Principal&);
  http::Response EventResponse(int status, const events::Event& event, bool reveal);
  // As EventResponse, with the schedule given rather than read (an event being created).
  http::Response EventResponse(int status, const events::Event& event, bool reveal,
                               const std::optional<store::ScheduleRecord>& schedule);
  Result<store::EventRecord> VisibleEvent(const std::string& id, const auth::Principal&);

  // schedule_routes.cc
  // Schedules of events and workflows (`target_id` names either). CheckSchedule validates a
  // "schedule" value (not null) before anything is written; SetSchedule sets it (null removes
  // the schedule, if there is one).
  Status CheckSchedule(const json& schedule);
  // The schedule (not null) of a workflow being created, to write with it (see
  // scheduler::Scheduler::PlanNew).
  Result<store::NewSchedule> PlanWorkflowSchedule(const store::WorkflowRecord& workflow,
                                                  const json& schedule,
                                                  const auth::Principal& principal);
  Status SetSchedule(const std::string& target_id, bool workflow, const json& schedule,
                     const auth::Principal& principal);
  json RenderSchedule(const std::string& target_id);
  static json RenderSchedule(const store::ScheduleRecord& record);
  // The event or workflow changed (status, deletion): the scheduler re-reads it.
  void RefreshSchedule(const std::string& target_id);
  // A page of the ledger, newest first; the next runs of the schedule, after `head`'s fields.
  Result<http::Response> LedgerOf(http::Request& request, const std::string& target_id);
  Result<http::Response> PreviewOf(http::Request& request, const std::string& target_id,
                                   TimePoint created_at, json head);
  Result<http::Response> PreviewSchedule(http::Request&, const auth::Principal&);
  Result<http::Response> PreviewScheduleSpec(http::Request&, const auth::Principal&);
  Result<http::Response> UpcomingSchedules(http::Request&, const auth::Principal&);
  Result<http::Response> Stats(http::Request&, const auth::Principal&);

  // execution_routes.cc
  Result<http::Response> ListExecutions(http::Request&, const auth::Principal&);
  Result<http::Response> CancelExecution(http::Request&, const auth::Principal&);
  void GetExecution(http::Request& request, http::Responder respond);
  Result<http::Response> ListExecutionsMatching(http::Request&, const auth::Principal&,
                                                std::string event_id);
  Result<store::ExecutionRecord> VisibleExecution(const std::string& id, const auth::Principal&);
  Result<store::ExecutionRecord> LoadExecution(const std::string& id);
  // The execution with its job (attempts, what runs next), for single-execution answers.
  http::Response ExecutionResponse(int status, const store::ExecutionRecord& execution);

  // stream_routes.cc
  void StreamExecution(http::Request& request, http::Responder respond);

  // workflow_routes.cc
  void RegisterWorkflowRoutes(http::Router& router);
  Result<http::Response> ListWorkflows(http::Request&, const auth::Principal&);
  Result<http::Response> CreateWorkflow(http::Request&, const auth::Principal&);
  Result<http::Response> GetWorkflow(http::Request&, const auth::Principal&);
  Result<http::Response> UpdateWorkflow(http::Request&, const auth::Principal&);
  Result<http::Response> DeleteWorkflow(http::Request&, const auth::Principal&);
  Result<http::Response> RunWorkflow(http::Request&, const auth::Principal&);
  Result<http::Response> ListWorkflowExecutions(http::Request&, const auth::Principal&);
  void GetWorkflowExecution(http::Request& request, http::Responder respond);
  Result<http::Response> CancelWorkflowExecution(http::Request&, const auth::Principal&);
  Result<http::Response> WorkflowLedger(http::Request&, const auth::Principal&);
  Result<http::Response> PreviewWorkflowSchedule(http::Request&, const auth::Principal&);
  Result<http::Response> CreateWebhook(http::Request&, const auth::Principal&);
  Result<http::Response> ListWebhooks(http::Request&, const auth::Principal&);
  Result<http::Response> DeleteWebhook(http::Request&, const auth::Principal&);
  Result<http::Response> DeliverWebhook(http::Request&);
  // The target of /api/v1/{workflows,events}/{id}/webhooks, checked for the caller: its type
  // and id. Changing needs CanChange.
  Result<std::pair<std::string, std::string>> WebhookTarget(const http::Request&,
                                                            const auth::Principal&, bool change);
  Result<store::WorkflowRecord> VisibleWorkflow(const std::string& id, const auth::Principal&);
  json WorkflowBody(const store::WorkflowRecord& workflow);  // with its graph and schedule
  Result<store::WorkflowRunRecord> VisibleWorkflowRun(const std::string& id,
                                                      const auth::Principal&);

  // variable_routes.cc
  Result<http::Response> ListVariables(http::Request&, const auth::Principal&);
  Result<http::Response> GetVariable(http::Request&, const auth::Principal&);
  Result<http::Response> PutVariable(http::Request&, const auth::Principal&);
  Result<http::Response> DeleteVariable(http::Request&, const auth::Principal&);

  // auth_routes.cc
  void RegisterAuthRoutes(http::Router& router);
  Result<http::Response> Login(http::Request&);
  Result<http::Response> AcceptInvite(http::Request&);
  Result<http::Response> Logout(http::Request&, const auth::Principal&);
  Result<http::Response> Me(http::Request&, const auth::Principal&);
  Result<http::Response> UpdateMe(http::Request&, const auth::Principal&);
  Result<http::Response> ChangePassword(http::Request&, const auth::Principal&);
  Result<http::Response> ListTokens(http::Request&, const auth::Principal&);
  Result<http::Response> CreateToken(http::Request&, const auth::Principal&);
  Result<http::Response> RevokeToken(http::Request&, const auth::Principal&);
  Result<http::Response> ListUsers(http::Request&, const auth::Principal&);
  Result<http::Response> CreateUser(http::Request&, const auth::Principal&);
  Result<http::Response> InviteUser(http::Request&, const auth::Principal&);
  Result<http::Response> GetUser(http::Request&, const auth::Principal&);
  Result<http::Response> UpdateUser(http::Request&, const auth::Principal&);
  Result<http::Response> DeleteUser(http::Request&, const auth::Principal&);
  Result<http::Response> ListAudit(http::Request&, const auth::Principal&);
  Result<http::Response> RotateKeys(http::Request&, const auth::Principal&);

  ApiContext& ctx_;
};

}  // namespace cronium::api::internal

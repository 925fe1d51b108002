// Every REST route: the table of paths and their handlers, and how a handler is bound (a
// private one runs once Handlers::Authenticate knows the caller). The handlers are in
// <domain>_routes.cc; what they share is in internal/handlers.cc.

#include "api/api.h"
#include "api/errors.h"
#include "api/internal/handlers.h"

namespace cronium::api {
namespace internal {
namespace {

using http::Method;
using http::Request;
using http::Responder;
using http::Response;

}  // namespace

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
  Bind(router, Method::kPost, "/api/v1/schedules/preview", &Handlers::PreviewScheduleSpec);
  Bind(router, Method::kGet, "/api/v1/schedules/upcoming", &Handlers::UpcomingSchedules);
  Bind(router, Method::kGet, "/api/v1/stats", &Handlers::Stats);
  if (ctx_.variables != nullptr) {
    Bind(router, Method::kGet, "/api/v1/variables", &Handlers::ListVariables);
    Bind(router, Method::kGet, "/api/v1/variables/{key}", &Handlers::GetVariable);
    Bind(router, Method::kPut, "/api/v1/variables/{key}", &Handlers::PutVariable);
    Bind(router, Method::kDelete, "/api/v1/variables/{key}", &Handlers::DeleteVariable);
  }
  if (ctx_.workflows != nullptr) RegisterWorkflowRoutes(router);
  RegisterAuthRoutes(router);
}

}  // namespace internal

void RegisterRoutes(http::Router& router, ApiContext& context) {
  internal::Handlers(context).Register(router);
}

}  // namespace cronium::api

#include "auth/principal.h"

namespace cronium::auth {

std::string_view ToString(Scope scope) {
  switch (scope) {
    case Scope::kRead:
      return "read";
    case Scope::kWrite:
      return "write";
    case Scope::kAdmin:
      return "admin";
  }
  return "read";
}

std::optional<Scope> ParseScope(std::string_view text) {
  if (text == "read") return Scope::kRead;
  if (text == "write") return Scope::kWrite;
  if (text == "admin") return Scope::kAdmin;
  return std::nullopt;
}

store::Actor Principal::ToActor() const {
  store::Actor actor;
  actor.type = method == AuthMethod::kToken ? "token" : "user";
  actor.id = user_id;
  actor.name = method == AuthMethod::kToken ? username + " (token " + token_name + ")" : username;
  actor.source = source;
  return actor;
}

Status RequireWrite(const Principal& principal) {
  if (principal.role == store::UserRole::kViewer) {
    return MakeError(ErrorCode::kPermissionDenied, "viewers can read but not change anything");
  }
  if (principal.scope == Scope::kRead) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this API token has the read scope; create a write token to change things");
  }
  return OkStatus();
}

Status RequireAdmin(const Principal& principal) {
  if (principal.role != store::UserRole::kAdmin) {
    return MakeError(ErrorCode::kPermissionDenied, "only admins may do this");
  }
  if (principal.scope != Scope::kAdmin) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "this API token lacks the admin scope; create an admin token");
  }
  return OkStatus();
}

bool CanSee(const Principal& principal, const store::EventRecord& event) {
  return principal.role == store::UserRole::kAdmin || event.owner_id == principal.user_id ||
         event.shared;
}

bool CanChange(const Principal& principal, const store::EventRecord& event) {
  return principal.role == store::UserRole::kAdmin || event.owner_id == principal.user_id;
}

bool CanRun(const Principal& principal, const store::EventRecord& event) {
  return CanSee(principal, event);
}

bool CanSee(const Principal& principal, const store::WorkflowRecord& workflow) {
  return principal.role == store::UserRole::kAdmin || workflow.owner_id == principal.user_id ||
         workflow.shared;
}

bool CanChange(const Principal& principal, const store::WorkflowRecord& workflow) {
  return principal.role == store::UserRole::kAdmin || workflow.owner_id == principal.user_id;
}

bool CanRun(const Principal& principal, const store::WorkflowRecord& workflow) {
  return CanSee(principal, workflow);
}

}  // namespace cronium::auth

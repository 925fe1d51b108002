#pragma once

// Who is calling, and what they may do. Roles: ADMIN sees and changes everything; USER owns
// their events and may read and run events shared with all users; VIEWER only reads (their
// own and shared events). An API token's scope narrows its user's role: `read` only reads,
// `write` adds changes, `admin` adds the admin endpoints (for ADMIN users only).

#include <string>

#include "base/error.h"
#include "store/records.h"

namespace cronium::auth {

enum class Scope { kRead, kWrite, kAdmin };
enum class AuthMethod { kSession, kToken };

std::string_view ToString(Scope scope);
std::optional<Scope> ParseScope(std::string_view text);

struct Principal {
  std::string user_id;
  std::string username;
  store::UserRole role = store::UserRole::kViewer;
  AuthMethod method = AuthMethod::kToken;
  Scope scope = Scope::kRead;  // sessions get the widest scope their role allows
  std::string session_id;      // for sessions
  std::string csrf_token;      // for sessions: required on state-changing requests
  std::string token_id;        // for tokens
  std::string token_name;
  std::string source;  // client address

  bool IsAdmin() const { return role == store::UserRole::kAdmin && scope == Scope::kAdmin; }
  store::Actor ToActor() const;
};

// kPermissionDenied unless the principal may change things (not a viewer, not a read token).
Status RequireWrite(const Principal& principal);
// kPermissionDenied unless an ADMIN with admin scope.
Status RequireAdmin(const Principal& principal);

bool CanSee(const Principal& principal, const store::EventRecord& event);
bool CanChange(const Principal& principal, const store::EventRecord& event);
bool CanRun(const Principal& principal, const store::EventRecord& event);
// Workflows: the same rules as events (admins and the owner change; shared ones are seen and
// run by everyone).
bool CanSee(const Principal& principal, const store::WorkflowRecord& workflow);
bool CanChange(const Principal& principal, const store::WorkflowRecord& workflow);
bool CanRun(const Principal& principal, const store::WorkflowRecord& workflow);

}  // namespace cronium::auth

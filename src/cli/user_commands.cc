// cronium login|logout|whoami, user ... and token ...: the account, users and API tokens.

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {

// Reads a secret: from stdin (one line) when asked, else from the terminal without echo.
Result<std::string> ReadSecret(const std::string& prompt, bool from_stdin) {
  std::string secret;
  if (from_stdin) {
    if (!std::getline(std::cin, secret)) return InvalidArgument("nothing on stdin");
    return secret;
  }
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return InvalidArgument("no terminal to ask on; pass the secret on stdin (--password-stdin)");
  }
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  termios old_mode{};
  const int fd = ::fileno(tty);
  const bool has_mode = ::tcgetattr(fd, &old_mode) == 0;
  if (has_mode) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char buffer[1100];
  const bool got = std::fgets(buffer, sizeof buffer, tty) != nullptr;
  if (has_mode) ::tcsetattr(fd, TCSAFLUSH, &old_mode);
  std::fputs("\n", tty);
  std::fclose(tty);
  if (!got) return InvalidArgument("no password entered");
  secret = buffer;
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

std::string HostName() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

void AddAccountCommands(CLI::App& app, CliState& state) {
  {
    auto* cmd = app.add_subcommand(
        "login", "Log in to a server and keep an API token for the CLI (in " + ConfigPath() + ")");
    auto common = std::make_shared<Common>();
    auto username = std::make_shared<std::string>();
    auto password_stdin = std::make_shared<bool>(false);
    auto token_stdin = std::make_shared<bool>(false);
    AddCommon(cmd, *common, false);
    cmd->add_option("--username", *username, "Username or email");
    cmd->add_flag("--password-stdin", *password_stdin, "Read the password from stdin");
    cmd->add_flag("--token-stdin", *token_stdin, "Store an existing API token read from stdin");
    cmd->callback([&state, common, username, password_stdin, token_stdin] {
      const std::string server = ServerOf(*common);
      std::string token;
      if (*token_stdin) {
        auto read = ReadSecret("", true);
        if (!read) return void(state.exit_code = Fail(read.error()));
        token = *read;
      } else {
        if (username->empty()) {
          return void(state.exit_code =
                          Fail(Error{ErrorCode::kInvalidArgument, "--username is required"}));
        }
        auto password = ReadSecret("Password for " + *username + ": ", *password_stdin);
        if (!password) return void(state.exit_code = Fail(password.error()));
        ApiClient anonymous(server, "");
        auto login = anonymous.Call("POST", "/api/v1/auth/login",
                                    json{{"username", *username}, {"password", *password}}.dump());
        if (!login) return void(state.exit_code = Fail(login.error()));
        std::vector<std::string> session_headers{"X-CSRF-Token: " +
                                                 (*login)["csrfToken"].get<std::string>()};
        for (const auto& cookie : anonymous.cookies()) {
          if (cookie.rfind("cronium_session=", 0) == 0)
            session_headers.push_back("Cookie: " + cookie);
        }
        const std::string role = (*login)["user"]["role"];
        const std::string scope = role == "ADMIN" ? "admin" : role == "USER" ? "write" : "read";
        auto created = anonymous.Call(
            "POST", "/api/v1/tokens",
            json{{"name", "cli on " + HostName()}, {"scope", scope}}.dump(), session_headers);
        if (!created) return void(state.exit_code = Fail(created.error()));
        token = (*created)["token"];
        (void)anonymous.Call("POST", "/api/v1/auth/logout", "{}", session_headers);
      }
      ApiClient check(server, token);
      auto me = check.Call("GET", "/api/v1/auth/me");
      if (!me) return void(state.exit_code = Fail(me.error()));
      if (auto saved = SaveConfig({.server = server, .token = token}); !saved) {
        return void(state.exit_code = Fail(saved.error()));
      }
      std::cout << "Logged in to " << server << " as " << Str((*me)["username"]) << " ("
                << Str((*me)["role"]) << ", token scope " << Str((*me)["scope"])
                << "). The token is stored in " << ConfigPath() << "\n";
    });
  }
  {
    auto* cmd = app.add_subcommand("logout", "Revoke the CLI's API token and forget it");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common, false);
    cmd->callback([&state, common] {
      auto me = CallOrReport(state, *common, "GET", "/api/v1/auth/me");
      if (!me) return;
      if (me->contains("tokenId")) {
        if (!CallOrReport(state, *common, "DELETE",
                          "/api/v1/tokens/" + (*me)["tokenId"].get<std::string>())) {
          return;
        }
      }
      CliConfig config = LoadConfig();
      config.token.clear();
      if (auto saved = SaveConfig(config); !saved)
        return void(state.exit_code = Fail(saved.error()));
      std::cout << "Logged out; the token was revoked.\n";
    });
  }
  {
    auto* cmd = app.add_subcommand("whoami", "Show the account the CLI acts as");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      auto me = CallOrReport(state, *common, "GET", "/api/v1/auth/me");
      if (!me) return;
      if (common->json_output) return void(std::cout << me->dump(2) << "\n");
      std::cout << Str((*me)["username"]) << " (" << Str((*me)["role"]) << ", "
                << Str((*me)["authMethod"]) << " with scope " << Str((*me)["scope"]) << ")\n";
    });
  }
}

void AddUserCommands(CLI::App& app, CliState& state) {
  auto* user = app.add_subcommand("user", "Manage users (admins) and your own password");
  user->require_subcommand(1);
  {
    auto* cmd = user->add_subcommand("list", "List users");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      ShowList(state, *common, "/api/v1/users?limit=200",
               {"ID", "USERNAME", "EMAIL", "ROLE", "STATUS", "LAST LOGIN"},
               [](const json& u) -> std::vector<std::string> {
                 return {Str(u["id"]),   Str(u["username"]), Str(u["email"]),
                         Str(u["role"]), Str(u["status"]),   Str(u["lastLoginAt"])};
               });
    });
  }
  {
    auto* cmd = user->add_subcommand("create", "Create a user (password read from stdin)");
    auto common = std::make_shared<Common>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("--username", (*fields)["username"], "Username")->required();
    cmd->add_option("--email", (*fields)["email"], "Email")->required();
    cmd->add_option("--role", (*fields)["role"], "ADMIN, USER (default) or VIEWER");
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->callback([&state, common, fields] {
      auto password = ReadSecret("Password for the new user: ", !::isatty(STDIN_FILENO));
      if (!password) return void(state.exit_code = Fail(password.error()));
      json body{{"password", *password}};
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto created = CallOrReport(state, *common, "POST", "/api/v1/users", body.dump());
      if (!created) return;
      if (common->json_output) return void(std::cout << created->dump(2) << "\n");
      std::cout << "Created user " << Str((*created)["username"]) << " (" << Str((*created)["id"])
                << ")\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("invite", "Invite a user by email; prints a one-time token");
    auto common = std::make_shared<Common>();
    auto email = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>("USER");
    AddCommon(cmd, *common);
    cmd->add_option("--email", *email, "Email")->required();
    cmd->add_option("--role", *role, "ADMIN, USER (default) or VIEWER");
    cmd->callback([&state, common, email, role] {
      auto invited = CallOrReport(state, *common, "POST", "/api/v1/users/invite",
                                  json{{"email", *email}, {"role", *role}}.dump());
      if (!invited) return;
      if (common->json_output) return void(std::cout << invited->dump(2) << "\n");
      std::cout << "Invitation for " << *email << " (valid until " << Str((*invited)["expiresAt"])
                << "). Send them this token; it is shown only now:\n"
                << Str((*invited)["inviteToken"]) << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("update", "Change a user's role, status, name or email");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "User id")->required();
    cmd->add_option("--role", (*fields)["role"], "ADMIN, USER or VIEWER");
    cmd->add_option("--status", (*fields)["status"], "ACTIVE or DISABLED");
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->add_option("--email", (*fields)["email"], "Email");
    cmd->callback([&state, common, id, fields] {
      json body = json::object();
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto updated = CallOrReport(state, *common, "PATCH",
                                  "/api/v1/users/" + http::PercentEncode(*id), body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      std::cout << "Updated " << Str((*updated)["username"]) << ": " << Str((*updated)["role"])
                << ", " << Str((*updated)["status"]) << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("delete", "Delete a user with their events and tokens");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "User id")->required();
    cmd->callback([&state, common, id] {
      if (!CallOrReport(state, *common, "DELETE", "/api/v1/users/" + http::PercentEncode(*id))) {
        return;
      }
      std::cout << "Deleted user " << *id << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("profile", "Change your own display name or email");
    auto common = std::make_shared<Common>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->add_option("--email", (*fields)["email"], "Email");
    cmd->callback([&state, common, fields] {
      json body = json::object();
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto updated = CallOrReport(state, *common, "PATCH", "/api/v1/auth/me", body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      std::cout << "Updated your profile: " << Str((*updated)["displayName"]) << " <"
                << Str((*updated)["email"]) << ">\n";
    });
  }
  {
    auto* cmd = user->add_subcommand(
        "password", "Change your own password (stdin: current, then new, one per line)");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common, false);
    cmd->callback([&state, common] {
      const bool from_stdin = !::isatty(STDIN_FILENO);
      auto current = ReadSecret("Current password: ", from_stdin);
      if (!current) return void(state.exit_code = Fail(current.error()));
      auto replacement = ReadSecret("New password: ", from_stdin);
      if (!replacement) return void(state.exit_code = Fail(replacement.error()));
      if (!CallOrReport(
              state, *common, "POST", "/api/v1/auth/password",
              json{{"currentPassword", *current}, {"newPassword", *replacement}}.dump())) {
        return;
      }
      std::cout << "Password changed; your other sessions were signed out.\n";
    });
  }
}

void AddTokenCommands(CLI::App& app, CliState& state) {
  auto* token = app.add_subcommand("token", "Create, list and revoke your API tokens");
  token->require_subcommand(1);
  {
    auto* cmd = token->add_subcommand("list", "List your API tokens");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      ShowList(state, *common, "/api/v1/tokens",
               {"ID", "NAME", "SCOPE", "PREFIX", "EXPIRES", "LAST USED", "REVOKED"},
               [](const json& t) -> std::vector<std::string> {
                 return {Str(t["id"]),       Str(t["name"]),      Str(t["scope"]),
                         Str(t["prefix"]),   Str(t["expiresAt"]), Str(t["lastUsedAt"]),
                         Str(t["revokedAt"])};
               });
    });
  }
  {
    auto* cmd = token->add_subcommand("create", "Create an API token (shown once)");
    auto common = std::make_shared<Common>();
    auto name = std::make_shared<std::string>();
    auto scope = std::make_shared<std::string>("read");
    auto days = std::make_shared<int>(0);
    AddCommon(cmd, *common);
    cmd->add_option("--name", *name, "What it is for")->required();
    cmd->add_option("--scope", *scope, "read (default), write or admin");
    cmd->add_option("--expires-in-days", *days, "Expire after this many days (default: never)");
    cmd->callback([&state, common, name, scope, days] {
      json body{{"name", *name}, {"scope", *scope}};
      if (*days > 0) body["expiresInDays"] = *days;
      auto created = CallOrReport(state, *common, "POST", "/api/v1/tokens", body.dump());
      if (!created) return;
      if (common->json_output) return void(std::cout << created->dump(2) << "\n");
      std::cout << "Created token " << Str((*created)["id"]) << " (" << Str((*created)["scope"])
                << "). It is shown only now:\n"
                << Str((*created)["token"]) << "\n";
    });
  }
  {
    auto* cmd = token->add_subcommand("revoke", "Revoke an API token");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Token id")->required();
    cmd->callback([&state, common, id] {
      if (!CallOrReport(state, *common, "DELETE", "/api/v1/tokens/" + http::PercentEncode(*id))) {
        return;
      }
      std::cout << "Revoked token " << *id << "\n";
    });
  }
}

}  // namespace cronium::cli::internal

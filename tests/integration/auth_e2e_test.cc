// Authentication, authorization, sessions, tokens and the audit log, through the real binary.

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "e2e.h"

namespace cronium::e2e {
namespace {

class AuthE2eTest : public E2eTest {
 protected:
  // Creates a user with the admin token and returns an API token of theirs.
  std::string UserToken(const std::string& name, const std::string& role,
                        const std::string& scope) {
    auto created = client_->Post("/api/v1/users", json{{"username", name},
                                                       {"email", name + "@example.test"},
                                                       {"password", PasswordOf(name)},
                                                       {"role", role}}
                                                      .dump());
    EXPECT_EQ(created.status, 201) << created.body;
    auto session = Login(name, PasswordOf(name));
    auto token = client_->Send("POST", "/api/v1/tokens",
                               json{{"name", name + " token"}, {"scope", scope}}.dump(), true,
                               false, {session.cookie, "X-CSRF-Token: " + session.csrf});
    EXPECT_EQ(token.status, 201) << token.body;
    return Parse(token)["token"];
  }

  static std::string PasswordOf(const std::string& name) { return "password of " + name; }

  struct Session {
    std::string cookie;  // "Cookie: cronium_session=..."
    std::string csrf;
  };

  Session Login(const std::string& name, const std::string& password) {
    testutil::HttpClient anonymous(server_->url());
    auto result = anonymous.Post("/api/v1/auth/login",
                                 json{{"username", name}, {"password", password}}.dump());
    EXPECT_EQ(result.status, 200) << result.body;
    const std::string set_cookie = result.headers["set-cookie"];
    EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos);
    return {"Cookie: " + set_cookie.substr(0, set_cookie.find(';')),
            Parse(result).value("csrfToken", "")};
  }

  testutil::HttpResult As(const std::string& token, const std::string& method,
                          const std::string& path, const std::string& body = "") {
    testutil::HttpClient client(server_->url(), token);
    return client.Send(method, path, body, method != "GET" && method != "DELETE");
  }
};

TEST_F(AuthE2eTest, EveryApiEndpointNeedsCredentials) {
  testutil::HttpClient anonymous(server_->url());
  const std::pair<const char*, const char*> routes[] = {
      {"GET", "/api/v1/events"},
      {"POST", "/api/v1/events"},
      {"GET", "/api/v1/events/evt_x"},
      {"PATCH", "/api/v1/events/evt_x"},
      {"DELETE", "/api/v1/events/evt_x"},
      {"POST", "/api/v1/events/evt_x/run"},
      {"GET", "/api/v1/events/evt_x/executions"},
      {"GET", "/api/v1/executions"},
      {"GET", "/api/v1/variables"},
      {"GET", "/api/v1/variables/x"},
      {"PUT", "/api/v1/variables/x"},
      {"DELETE", "/api/v1/variables/x"},
      {"GET", "/api/v1/executions/exe_x"},
      {"POST", "/api/v1/executions/exe_x/cancel"},
      {"GET", "/api/v1/system/info"},
      {"POST", "/api/v1/auth/logout"},
      {"GET", "/api/v1/auth/me"},
      {"PATCH", "/api/v1/auth/me"},
      {"POST", "/api/v1/auth/password"},
      {"GET", "/api/v1/tokens"},
      {"POST", "/api/v1/tokens"},
      {"DELETE", "/api/v1/tokens/tok_x"},
      {"GET", "/api/v1/users"},
      {"POST", "/api/v1/users"},
      {"POST", "/api/v1/users/invite"},
      {"GET", "/api/v1/users/usr_x"},
      {"PATCH", "/api/v1/users/usr_x"},
      {"DELETE", "/api/v1/users/usr_x"},
      {"GET", "/api/v1/audit"},
  };
  for (const auto& [method, path] : routes) {
    auto result = anonymous.Send(method, path, "{}", std::string(method) != "GET");
    EXPECT_EQ(result.status, 401) << method << " " << path << ": " << result.body;
    EXPECT_EQ(Parse(result)["error"], "UNAUTHENTICATED") << path;
    EXPECT_NE(result.headers["www-authenticate"].find("Bearer"), std::string::npos) << path;
  }
  EXPECT_EQ(anonymous.Get("/healthz").status, 200);
  // Forged and malformed credentials are 401 too.
  EXPECT_EQ(As("crn_" + std::string(43, 'x'), "GET", "/api/v1/events").status, 401);
  auto basic = anonymous.Send("GET", "/api/v1/events", "", false, false,
                              {"Authorization: Basic YWRtaW46YWRtaW4="});
  EXPECT_EQ(basic.status, 401);
  auto cookie = anonymous.Send("GET", "/api/v1/events", "", false, false,
                               {"Cookie: cronium_session=crs_forged"});
  EXPECT_EQ(cookie.status, 401);
}

TEST_F(AuthE2eTest, UsersSeeOnlyTheirOwnAndSharedEvents) {
  const std::string alice = UserToken("alice", "USER", "write");
  const std::string bob = UserToken("bob", "USER", "write");
  auto made = As(alice, "POST", "/api/v1/events",
                 json{{"name", "alice private"}, {"type", "BASH"}, {"content", "echo a"}}.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string private_id = Parse(made)["id"];
  auto shared = As(alice, "POST", "/api/v1/events",
                   json{{"name", "alice shared"},
                        {"type", "BASH"},
                        {"content", "echo shared"},
                        {"shared", true},
                        {"envVars", {{"SECRET", "alice-only"}}}}
                       .dump());
  const std::string shared_id = Parse(shared)["id"];
  auto run = As(alice, "POST", "/api/v1/events/" + private_id + "/run", "{}");
  const std::string private_run = Parse(run)["executionId"];

  // Bob: someone else's private event and its runs do not exist for him.
  EXPECT_EQ(As(bob, "GET", "/api/v1/events/" + private_id).status, 404);
  EXPECT_EQ(As(bob, "PATCH", "/api/v1/events/" + private_id, R"({"name":"x"})").status, 404);
  EXPECT_EQ(As(bob, "DELETE", "/api/v1/events/" + private_id).status, 404);
  EXPECT_EQ(As(bob, "POST", "/api/v1/events/" + private_id + "/run", "{}").status, 404);
  EXPECT_EQ(As(bob, "GET", "/api/v1/executions/" + private_run).status, 404);
  EXPECT_EQ(As(bob, "POST", "/api/v1/executions/" + private_run + "/cancel", "{}").status, 404);
  auto bobs_list = Parse(As(bob, "GET", "/api/v1/events"));
  ASSERT_EQ(bobs_list["items"].size(), 1u);
  EXPECT_EQ(bobs_list["items"][0]["id"], shared_id);
  // Whose it is, so a page shows Edit only to its owner (and admins).
  const std::string alice_id = Parse(As(alice, "GET", "/api/v1/auth/me"))["id"];
  EXPECT_EQ(bobs_list["items"][0]["ownerId"], alice_id);
  EXPECT_EQ(Parse(As(bob, "GET", "/api/v1/events/" + shared_id))["ownerId"], alice_id);
  EXPECT_EQ(Parse(As(bob, "GET", "/api/v1/executions"))["items"].size(), 0u);

  // A shared event: Bob reads and runs it, but cannot change it or see its secrets.
  EXPECT_EQ(As(bob, "GET", "/api/v1/events/" + shared_id).status, 200);
  EXPECT_EQ(As(bob, "GET", "/api/v1/events/" + shared_id + "?revealSecrets=true").status, 403);
  EXPECT_EQ(As(bob, "PATCH", "/api/v1/events/" + shared_id, R"({"name":"x"})").status, 403);
  EXPECT_EQ(As(bob, "DELETE", "/api/v1/events/" + shared_id).status, 403);
  auto bob_run = As(bob, "POST", "/api/v1/events/" + shared_id + "/run", "{}");
  ASSERT_EQ(bob_run.status, 202);
  EXPECT_EQ(AwaitEnd(Parse(bob_run)["executionId"])["stdout"], "shared\n");

  // The admin sees everything.
  EXPECT_EQ(client_->Get("/api/v1/events/" + private_id).status, 200);
  EXPECT_EQ(Parse(client_->Get("/api/v1/events"))["items"].size(), 2u);
}

TEST_F(AuthE2eTest, ViewersAndReadTokensNeverChangeAnything) {
  const std::string viewer = UserToken("vera", "VIEWER", "read");
  const std::string reader = UserToken("rita", "USER", "read");
  const std::string shared =
      CreateEvent({{"name", "shared"}, {"type", "BASH"}, {"content", "true"}, {"shared", true}});
  for (const std::string& token : {viewer, reader}) {
    EXPECT_EQ(As(token, "GET", "/api/v1/events/" + shared).status, 200);
    auto create = As(token, "POST", "/api/v1/events", R"({"name":"x","type":"BASH"})");
    EXPECT_EQ(create.status, 403);
    EXPECT_EQ(Parse(create)["error"], "PERMISSION_DENIED");
    EXPECT_EQ(As(token, "POST", "/api/v1/events/" + shared + "/run", "{}").status, 403);
    EXPECT_EQ(As(token, "POST", "/api/v1/tokens", R"({"name":"more"})").status, 403);
  }
  // Admin endpoints are for admins.
  const std::string user = UserToken("ursula", "USER", "write");
  EXPECT_EQ(As(user, "GET", "/api/v1/users").status, 403);
  EXPECT_EQ(As(user, "GET", "/api/v1/audit").status, 403);
  // A viewer cannot hold a write token.
  auto session = Login("vera", PasswordOf("vera"));
  auto wide = client_->Send("POST", "/api/v1/tokens", R"({"name":"w","scope":"write"})", true,
                            false, {session.cookie, "X-CSRF-Token: " + session.csrf});
  EXPECT_EQ(wide.status, 403);
}

TEST_F(AuthE2eTest, CookieSessionsRequireCsrfOnChangesAndEndAtLogout) {
  UserToken("carl", "USER", "write");
  auto session = Login("carl", PasswordOf("carl"));
  const std::string body = json{{"name", "via cookie"}, {"type", "BASH"}}.dump();
  auto no_csrf = client_->Send("POST", "/api/v1/events", body, true, false, {session.cookie});
  EXPECT_EQ(no_csrf.status, 403);
  EXPECT_NE(Parse(no_csrf)["message"].get<std::string>().find("CSRF"), std::string::npos);
  auto wrong_csrf = client_->Send("POST", "/api/v1/events", body, true, false,
                                  {session.cookie, "X-CSRF-Token: nope"});
  EXPECT_EQ(wrong_csrf.status, 403);
  auto ok = client_->Send("POST", "/api/v1/events", body, true, false,
                          {session.cookie, "X-CSRF-Token: " + session.csrf});
  EXPECT_EQ(ok.status, 201) << ok.body;
  // Reads need no CSRF token.
  EXPECT_EQ(client_->Send("GET", "/api/v1/auth/me", "", false, false, {session.cookie}).status,
            200);
  auto logout = client_->Send("POST", "/api/v1/auth/logout", "{}", true, false,
                              {session.cookie, "X-CSRF-Token: " + session.csrf});
  EXPECT_EQ(logout.status, 204);
  EXPECT_EQ(client_->Send("GET", "/api/v1/auth/me", "", false, false, {session.cookie}).status,
            401);
}

TEST_F(AuthE2eTest, RevokedTokensAndDisabledUsersAreRejected) {
  const std::string token = UserToken("dora", "USER", "write");
  EXPECT_EQ(As(token, "GET", "/api/v1/auth/me").status, 200);
  const std::string token_id = Parse(As(token, "GET", "/api/v1/auth/me"))["tokenId"];
  EXPECT_EQ(As(token, "DELETE", "/api/v1/tokens/" + token_id).status, 204);
  auto revoked = As(token, "GET", "/api/v1/events");
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(Parse(revoked)["message"], "the API token was revoked");

  const std::string other = UserToken("otto", "USER", "write");
  const std::string otto_id = Parse(As(other, "GET", "/api/v1/auth/me"))["id"];
  EXPECT_EQ(client_->Patch("/api/v1/users/" + otto_id, R"({"status":"DISABLED"})").status, 200);
  EXPECT_EQ(As(other, "GET", "/api/v1/events").status, 401);
  // Tokens cannot be created already expired.
  EXPECT_EQ(client_->Post("/api/v1/tokens", R"({"name":"old","expiresAt":"2001-01-01T00:00:00Z"})")
                .status,
            400);
}

TEST_F(AuthE2eTest, ExpiredTokensAndSessionsAreRejected) {
  // The expiry below is written behind the server's back, so its token cache must be off.
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--token-cache-ms", "0"});
  auto created =
      client_->Post("/api/v1/tokens", R"({"name":"short","scope":"read","expiresInDays":1})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string token = Parse(created)["token"];
  EXPECT_EQ(As(token, "GET", "/api/v1/events").status, 200);
  UserToken("sam", "USER", "write");
  auto session = Login("sam", PasswordOf("sam"));
  // Let a day pass, as far as the stored expiry times are concerned.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((DataDir() + "/cronium.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE api_tokens SET expires_at = 1000 WHERE name = 'short';"
                         "UPDATE sessions SET expires_at = 1000;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto expired = As(token, "GET", "/api/v1/events");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(Parse(expired)["message"], "the API token has expired");
  EXPECT_EQ(client_->Send("GET", "/api/v1/auth/me", "", false, false, {session.cookie}).status,
            401);
}

TEST_F(AuthE2eTest, LoginAttemptsAreRateLimited) {
  testutil::HttpClient anonymous(server_->url());
  long last = 0;
  std::string retry_after;
  for (int attempt = 0; attempt < 8 && last != 429; ++attempt) {
    auto result = anonymous.Post("/api/v1/auth/login",
                                 R"({"username":"admin","password":"not the password"})");
    last = result.status;
    retry_after = result.headers["retry-after"];
    if (last != 429) {
      EXPECT_EQ(last, 401);
      EXPECT_EQ(Parse(result)["message"], "invalid username or password");
    }
  }
  EXPECT_EQ(last, 429);
  EXPECT_FALSE(retry_after.empty());
  EXPECT_GT(std::stoi(retry_after), 0);
}

TEST_F(AuthE2eTest, InvitationsLetANewUserIn) {
  auto invite =
      client_->Post("/api/v1/users/invite", R"({"email":"nina@example.test","role":"USER"})");
  ASSERT_EQ(invite.status, 201) << invite.body;
  const std::string token = Parse(invite)["inviteToken"];
  testutil::HttpClient anonymous(server_->url());
  auto accepted = anonymous.Post(
      "/api/v1/auth/invites/accept",
      json{{"token", token}, {"username", "nina"}, {"password", "ninas password"}}.dump());
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(Parse(accepted)["status"], "ACTIVE");
  Login("nina", "ninas password");
  auto reused = anonymous.Post(
      "/api/v1/auth/invites/accept",
      json{{"token", token}, {"username", "nina2"}, {"password", "ninas password"}}.dump());
  EXPECT_EQ(reused.status, 404);
}

TEST_F(AuthE2eTest, TheAuditLogRecordsChangesWithSecretsMasked) {
  const std::string id = CreateEvent({{"name", "audited"},
                                      {"type", "BASH"},
                                      {"content", "echo hi"},
                                      {"envVars", {{"DB_PASSWORD", "hunter2-db"}}}});
  AwaitEnd(Run(id));
  UserToken("audrey", "USER", "write");
  testutil::HttpClient anonymous(server_->url());
  anonymous.Post("/api/v1/auth/login", R"({"username":"audrey","password":"Tr0ub4dor&3-guess"})");

  auto audit = client_->Get("/api/v1/audit?limit=200");
  ASSERT_EQ(audit.status, 200);
  json items = Parse(audit)["items"];
  std::set<std::string> actions;
  bool failed_login = false;
  for (const auto& entry : items) {
    actions.insert(entry["action"].get<std::string>());
    if (entry["action"] == "auth.login" && entry["outcome"] == "failure") failed_login = true;
  }
  for (const char* action :
       {"event.create", "run.start", "run.end", "user.create", "auth.login", "token.create"}) {
    EXPECT_TRUE(actions.count(action)) << action;
  }
  EXPECT_TRUE(failed_login);
  EXPECT_EQ(audit.body.find("hunter2-db"), std::string::npos);
  EXPECT_NE(audit.body.find("DB_PASSWORD"), std::string::npos);
  EXPECT_EQ(audit.body.find(PasswordOf("audrey")), std::string::npos);
  EXPECT_EQ(audit.body.find("Tr0ub4dor&3-guess"), std::string::npos);
  auto filtered = Parse(client_->Get("/api/v1/audit?action=event.create&targetId=" + id));
  ASSERT_EQ(filtered["items"].size(), 1u);
  EXPECT_EQ(filtered["items"][0]["actor"]["type"], "token");
}

TEST_F(AuthE2eTest, FirstStartPrintsTheAdminPasswordOnceAndLogsNoSecrets) {
  ASSERT_EQ(server_->Stop(), 0);
  testutil::TempDir fresh;
  testutil::ServerProcess first(fresh.path() + "/data");
  ASSERT_TRUE(first.Start()) << first.error();
  const std::string out = first.startup_output();
  const size_t at = out.find("password: ");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string password = out.substr(at + 10, out.find('\n', at) - at - 10);
  EXPECT_EQ(password.size(), 24u);
  testutil::HttpClient anonymous(first.url());
  auto login = anonymous.Post("/api/v1/auth/login",
                              json{{"username", "admin"}, {"password", password}}.dump());
  EXPECT_EQ(login.status, 200) << login.body;
  const std::string cookie = login.headers["set-cookie"];
  const std::string session = cookie.substr(0, cookie.find(';'));
  struct stat st {};
  ASSERT_EQ(::stat((fresh.path() + "/data/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(first.Stop(), 0);
  ASSERT_EQ(first.Start(), true);
  EXPECT_EQ(first.startup_output().find("password"), std::string::npos);
  ASSERT_EQ(first.Stop(), 0);
  const std::string logs = first.Logs();
  EXPECT_EQ(logs.find(password), std::string::npos);
  EXPECT_EQ(logs.find(session.substr(session.find('=') + 1)), std::string::npos);
  server_.reset();
}

TEST_F(AuthE2eTest, NoSecretReachesTheServerLog) {
  const std::string token = UserToken("lena", "USER", "write");
  As(token, "POST", "/api/v1/events",
     json{{"name", "x"}, {"type", "BASH"}, {"envVars", {{"K", "env-secret-value"}}}}.dump());
  ASSERT_EQ(server_->Stop(), 0);
  const std::string logs = server_->Logs();
  EXPECT_EQ(logs.find(token), std::string::npos);
  EXPECT_EQ(logs.find(token.substr(4)), std::string::npos);
  EXPECT_EQ(logs.find(admin_token_), std::string::npos);
  EXPECT_EQ(logs.find(PasswordOf("lena")), std::string::npos);
  EXPECT_EQ(logs.find("env-secret-value"), std::string::npos);
  server_.reset();
}

TEST_F(AuthE2eTest, CliLogsInWithAPasswordAndStoresATokenPrivately) {
  UserToken("cli-user", "USER", "write");
  testutil::TempDir home;
  const std::map<std::string, std::string> env{{"CRONIUM_CONFIG", home.path() + "/c/config.json"},
                                               {"CRONIUM_TOKEN", ""},
                                               {"CRONIUM_SERVER", ""}};
  auto login = testutil::RunCronium(
      {"login", "--server", server_->url(), "--username", "cli-user", "--password-stdin"}, env,
      PasswordOf("cli-user") + "\n");
  ASSERT_EQ(login.exit_code, 0) << login.err << login.out;
  EXPECT_NE(login.out.find("Logged in"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((home.path() + "/c/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto whoami = testutil::RunCronium({"whoami"}, env);
  EXPECT_EQ(whoami.exit_code, 0) << whoami.err;
  EXPECT_NE(whoami.out.find("cli-user (USER, token with scope write)"), std::string::npos)
      << whoami.out;
  auto created = testutil::RunCronium(
      {"event", "create", "--name", "from cli", "--type", "BASH", "--content", "echo cli"}, env);
  EXPECT_EQ(created.exit_code, 0) << created.err;
  auto bad = testutil::RunCronium(
      {"login", "--server", server_->url(), "--username", "cli-user", "--password-stdin"}, env,
      "wrong password\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("invalid username or password"), std::string::npos) << bad.err;
  auto logout = testutil::RunCronium({"logout"}, env);
  EXPECT_EQ(logout.exit_code, 0) << logout.err;
  auto after = testutil::RunCronium({"event", "list"}, env);
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_NE(after.err.find("cronium login"), std::string::npos) << after.err;
}

TEST_F(AuthE2eTest, CliManagesUsersTokensProfileAndTheAuditLog) {
  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto created = testutil::RunCronium({"user", "create", "--username", "pat", "--email",
                                       "pat@example.test", "--role", "VIEWER", "--json"},
                                      env, "pats long password\n");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string pat_id = json::parse(created.out)["id"];
  auto users = testutil::RunCronium({"user", "list"}, env);
  EXPECT_NE(users.out.find("pat@example.test"), std::string::npos) << users.out;
  auto promoted = testutil::RunCronium({"user", "update", pat_id, "--role", "USER"}, env);
  EXPECT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_NE(promoted.out.find("USER, ACTIVE"), std::string::npos) << promoted.out;

  auto token = testutil::RunCronium(
      {"token", "create", "--name", "ci", "--scope", "write", "--expires-in-days", "30", "--json"},
      env);
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const json made = json::parse(token.out);
  EXPECT_EQ(made["token"].get<std::string>().rfind("crn_", 0), 0u);
  EXPECT_TRUE(made["expiresAt"].is_string());
  auto tokens = testutil::RunCronium({"token", "list"}, env);
  EXPECT_NE(tokens.out.find("ci"), std::string::npos);
  EXPECT_EQ(tokens.out.find(made["token"].get<std::string>()), std::string::npos);
  auto revoked = testutil::RunCronium({"token", "revoke", made["id"]}, env);
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(As(made["token"], "GET", "/api/v1/auth/me").status, 401);

  auto profile = testutil::RunCronium({"user", "profile", "--display-name", "The Admin"}, env);
  EXPECT_EQ(profile.exit_code, 0) << profile.err;
  EXPECT_NE(profile.out.find("The Admin"), std::string::npos);

  auto audit = testutil::RunCronium({"audit", "--action", "token.revoke"}, env);
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_NE(audit.out.find("token.revoke"), std::string::npos) << audit.out;
  auto deleted = testutil::RunCronium({"user", "delete", pat_id}, env);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  auto as_user = testutil::RunCronium(
      {"audit"},
      {{"CRONIUM_SERVER", server_->url()}, {"CRONIUM_TOKEN", UserToken("uma", "USER", "write")}});
  EXPECT_EQ(as_user.exit_code, 1);
  EXPECT_NE(as_user.err.find("only admins"), std::string::npos) << as_user.err;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST_F(AuthE2eTest, KeyRotationReencryptsSecretsWhileTheServerRuns) {
  const std::string id = CreateEvent({{"name", "rotating"},
                                      {"type", "BASH"},
                                      {"content", "echo \"$API_KEY\""},
                                      {"envVars", {{"API_KEY", "survives-rotation"}}}});
  const std::string old_key = ReadFile(DataDir() + "/master.key");
  const std::string user = UserToken("kim", "USER", "write");
  EXPECT_EQ(As(user, "POST", "/api/v1/admin/keys/rotate", "{}").status, 403);
  // Variables are secrets too (sealed with a key of their own).
  ASSERT_EQ(
      As(user, "PUT", "/api/v1/variables/db%2Fpassword", R"({"value":{"pw":"s3cret"}})").status,
      201);

  const std::map<std::string, std::string> env{{"CRONIUM_SERVER", server_->url()},
                                               {"CRONIUM_TOKEN", admin_token_}};
  auto rotated = testutil::RunCronium({"key", "rotate"}, env);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("re-encrypted the secrets of 1 event(s)"), std::string::npos)
      << rotated.out;
  const std::string new_key = ReadFile(DataDir() + "/master.key");
  EXPECT_EQ(new_key.size(), 32u);
  EXPECT_NE(new_key, old_key);
  EXPECT_FALSE(std::filesystem::exists(DataDir() + "/master.key.next"));
  struct stat st {};
  ASSERT_EQ(::stat((DataDir() + "/master.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Secrets still reach scripts, now and after a restart with only the new key; API tokens
  // (hashed with their own key) keep working.
  EXPECT_EQ(RunAndWait(id)["stdout"], "survives-rotation\n");
  EXPECT_EQ(As(user, "GET", "/api/v1/auth/me").status, 200);
  ASSERT_EQ(server_->Stop(), 0);
  StartServer();
  EXPECT_EQ(RunAndWait(id)["stdout"], "survives-rotation\n");
  auto variable = As(user, "GET", "/api/v1/variables/db%2Fpassword");
  ASSERT_EQ(variable.status, 200) << variable.body;
  EXPECT_EQ(Parse(variable)["value"], json({{"pw", "s3cret"}}));
  auto audit = Parse(client_->Get("/api/v1/audit?action=key.rotate"));
  EXPECT_EQ(audit["items"].size(), 1u);
}

TEST_F(AuthE2eTest, AnInterruptedKeyRotationIsFinishedAtTheNextStart) {
  const std::string id = CreateEvent({{"name", "interrupted"},
                                      {"type", "BASH"},
                                      {"content", "echo \"$TOKEN_VALUE\""},
                                      {"envVars", {{"TOKEN_VALUE", "still-readable"}}}});
  ASSERT_EQ(client_->Put("/api/v1/variables/kept", R"({"value":[1,"two"]})").status, 201);
  ASSERT_EQ(server_->Stop(), 0);
  // What a crash after writing the next key leaves behind.
  const std::string next_path = DataDir() + "/master.key.next";
  {
    std::ofstream next(next_path, std::ios::binary);
    for (int n = 0; n < 32; ++n) next.put(static_cast<char>(n * 7 + 1));
  }
  ::chmod(next_path.c_str(), 0600);
  const std::string next_key = ReadFile(next_path);
  StartServer();
  EXPECT_FALSE(std::filesystem::exists(next_path));
  EXPECT_EQ(ReadFile(DataDir() + "/master.key"), next_key);
  EXPECT_EQ(RunAndWait(id)["stdout"], "still-readable\n");
  // Variables were re-encrypted too: readable under the new key alone.
  auto kept = client_->Get("/api/v1/variables/kept");
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(Parse(kept)["value"], json::parse(R"([1,"two"])"));
}

// The first admin's password was printed on a terminal: the account says it must be changed
// (the web UI asks at the first sign-in) until its owner chooses their own.
TEST(FirstStartE2eTest, ThePrintedPasswordMustBeChanged) {
  testutil::TempDir dir;
  testutil::ServerProcess server(dir.path() + "/data", {});
  ASSERT_TRUE(server.Start()) << server.error();
  const std::string out = server.startup_output();
  const size_t at = out.find("password: ");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string password = out.substr(at + 10, out.find('\n', at) - at - 10);
  testutil::HttpClient browser(server.url());
  auto login = browser.Post("/api/v1/auth/login",
                            json{{"username", "admin"}, {"password", password}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  const json session = json::parse(login.body);
  EXPECT_EQ(session["user"]["mustChangePassword"], true);
  const std::string cookie =
      "Cookie: " + login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'));
  const std::string csrf = "X-CSRF-Token: " + session["csrfToken"].get<std::string>();
  auto changed = browser.Send(
      "POST", "/api/v1/auth/password",
      json{{"currentPassword", password}, {"newPassword", "a password of my own"}}.dump(), true,
      false, {cookie, csrf});
  ASSERT_EQ(changed.status, 204) << changed.body;
  auto me = browser.Send("GET", "/api/v1/auth/me", "", false, false, {cookie});
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json::parse(me.body)["mustChangePassword"], false);
  EXPECT_EQ(server.Stop(), 0);
}

}  // namespace
}  // namespace cronium::e2e

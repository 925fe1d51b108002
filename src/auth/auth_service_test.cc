#include "auth/auth_service.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testutil/fake_clock.h"
#include "testutil/temp_dir.h"

namespace cronium::auth {
namespace {

using store::UserRole;
using store::UserStatus;

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::OpenStore({.path = dir_.path() + "/c.db"});
    ASSERT_TRUE(opened);
    store_ = std::move(*opened);
    std::array<unsigned char, crypto::kKeyBytes> key{};
    key.fill(3);
    service_ = std::make_unique<AuthService>(
        AuthOptions{.requests_per_token = {.capacity = 3, .per_second = 1}}, *store_,
        crypto::MasterKey::FromBytesForTest(key).Hasher(crypto::KeyPurpose::kTokenHashing), clock_);
    auto first = service_->CreateFirstAdminIfNone();
    ASSERT_TRUE(first && *first);
    admin_password_ = (*first)->second;
    auto login = service_->Login("admin", admin_password_, "127.0.0.1");
    ASSERT_TRUE(login) << login.error().message;
    admin_ = *service_->AuthenticateSession(login->session_secret, "127.0.0.1");
  }

  store::UserRecord MakeUser(const std::string& name, UserRole role) {
    UserFields f;
    f.username = name;
    f.email = name + "@example.test";
    f.password = "password-of-" + name;
    f.role = role;
    auto user = service_->CreateUser(admin_, f);
    EXPECT_TRUE(user) << user.error().message;
    return *user;
  }

  testutil::TempDir dir_;
  testutil::FakeClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuthService> service_;
  std::string admin_password_;
  Principal admin_;
};

TEST_F(AuthServiceTest, FirstAdminIsCreatedOnce) {
  EXPECT_EQ(admin_.role, UserRole::kAdmin);
  EXPECT_EQ(admin_.scope, Scope::kAdmin);
  EXPECT_EQ(admin_password_.size(), 24u);
  auto again = service_->CreateFirstAdminIfNone();
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(AuthServiceTest, LoginFailuresAreGenericAndAudited) {
  auto wrong = service_->Login("admin", "wrong password!!", "10.0.0.1");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message, "invalid username or password");
  auto unknown = service_->Login("nobody", "wrong password!!", "10.0.0.1");
  EXPECT_EQ(unknown.error().message, "invalid username or password");
  auto entries = store_->ListAudit({.action = "auth.login"});
  ASSERT_TRUE(entries);
  int failures = 0;
  for (const auto& e : *entries) failures += e.outcome == "failure";
  EXPECT_EQ(failures, 2);
  for (const auto& e : *entries) {
    EXPECT_EQ(e.details_json.find("wrong password!!"), std::string::npos);
  }
}

TEST_F(AuthServiceTest, LoginIsRateLimitedPerAccount) {
  for (int n = 0; n < 5; ++n) (void)service_->Login("admin", "wrong password!!", "10.0.0.2");
  auto limited = service_->Login("admin", admin_password_, "10.0.0.3");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_GT(limited.error().retry_after_seconds, 0);
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_TRUE(service_->Login("admin", admin_password_, "10.0.0.3"));
}

TEST_F(AuthServiceTest, LoginIsRateLimitedPerAddress) {
  for (int n = 0; n < 20; ++n) (void)service_->Login("user" + std::to_string(n), "x", "10.9.9.9");
  auto limited = service_->Login("admin", admin_password_, "10.9.9.9");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(service_->Login("admin", admin_password_, "10.9.9.10"));
}

TEST_F(AuthServiceTest, SessionsExpireAndRevoke) {
  auto login = service_->Login("admin", admin_password_, "127.0.0.1");
  ASSERT_TRUE(login);
  auto principal = service_->AuthenticateSession(login->session_secret, "127.0.0.1");
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->csrf_token, login->csrf_token);
  ASSERT_TRUE(service_->Logout(*principal));
  EXPECT_EQ(service_->AuthenticateSession(login->session_secret, "x").error().code,
            ErrorCode::kUnauthenticated);
  auto second = service_->Login("admin", admin_password_, "127.0.0.1");
  clock_.Advance(std::chrono::hours(13));
  EXPECT_EQ(service_->AuthenticateSession(second->session_secret, "x").error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->AuthenticateSession("crs_forged", "x").error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, TokensAreHashedScopedExpiringAndRevocable) {
  store::UserRecord bob = MakeUser("bob", UserRole::kUser);
  Principal as_bob = admin_;
  as_bob.user_id = bob.id;
  as_bob.username = "bob";
  as_bob.role = UserRole::kUser;
  as_bob.scope = Scope::kWrite;
  EXPECT_EQ(service_->CreateApiToken(as_bob, "x", Scope::kAdmin, std::nullopt).error().code,
            ErrorCode::kPermissionDenied);
  auto token = service_->CreateApiToken(as_bob, "laptop", Scope::kRead,
                                        clock_.Now() + std::chrono::hours(1));
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->secret.rfind("crn_", 0), 0u);
  auto stored = store_->GetApiToken(token->record.id);
  EXPECT_NE(stored->token_hash, token->secret);
  EXPECT_EQ(stored->token_hash.find(token->secret.substr(4)), std::string::npos);

  auto principal = service_->AuthenticateToken(token->secret, "127.0.0.1");
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->user_id, bob.id);
  EXPECT_EQ(principal->scope, Scope::kRead);
  EXPECT_EQ(RequireWrite(*principal).error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(store_->GetApiToken(token->record.id)->last_used_at);

  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(service_->AuthenticateToken(token->secret, "x").error().message,
            "the API token has expired");
  auto other = service_->CreateApiToken(as_bob, "ci", Scope::kWrite, std::nullopt);
  ASSERT_TRUE(service_->RevokeApiToken(as_bob, other->record.id));
  EXPECT_EQ(service_->AuthenticateToken(other->secret, "x").error().message,
            "the API token was revoked");
  // Someone else's token is not found, not forbidden.
  auto admins = service_->CreateApiToken(admin_, "adm", Scope::kAdmin, std::nullopt);
  EXPECT_EQ(service_->RevokeApiToken(as_bob, admins->record.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->AuthenticateToken("crn_" + std::string(43, 'A'), "x").error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, TheTokenCacheNeverOutlivesARevocationOrADisabledUser) {
  store::UserRecord gus = MakeUser("gus", UserRole::kUser);
  Principal as_gus = admin_;
  as_gus.user_id = gus.id;
  as_gus.username = "gus";
  as_gus.role = UserRole::kUser;
  as_gus.scope = Scope::kWrite;
  auto first = service_->CreateApiToken(as_gus, "one", Scope::kWrite, std::nullopt);
  auto second = service_->CreateApiToken(as_gus, "two", Scope::kWrite, std::nullopt);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(service_->AuthenticateToken(first->secret, "x"));  // now cached
  ASSERT_TRUE(service_->AuthenticateToken(second->secret, "x"));
  ASSERT_TRUE(service_->RevokeApiToken(as_gus, first->record.id));
  EXPECT_EQ(service_->AuthenticateToken(first->secret, "x").error().message,
            "the API token was revoked");
  ASSERT_TRUE(service_->AuthenticateToken(second->secret, "x"));
  UserFields disable;
  disable.status = UserStatus::kDisabled;
  ASSERT_TRUE(service_->UpdateUser(admin_, gus.id, disable));
  EXPECT_EQ(service_->AuthenticateToken(second->secret, "x").error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, TokenRequestsAreRateLimited) {
  auto token = service_->CreateApiToken(admin_, "busy", Scope::kAdmin, std::nullopt);
  ASSERT_TRUE(token);
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(service_->AuthenticateToken(token->secret, "x"));
  auto limited = service_->AuthenticateToken(token->secret, "x");
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(service_->AuthenticateToken(token->secret, "x"));
}

TEST_F(AuthServiceTest, InvitationsAreOneTimeAndExpire) {
  auto invite = service_->InviteUser(admin_, "Carol@Example.test", UserRole::kViewer);
  ASSERT_TRUE(invite) << invite.error().message;
  EXPECT_EQ(invite->user.status, UserStatus::kInvited);
  auto accepted = service_->AcceptInvite(invite->token, "carol", "carols password", "Carol", "ip");
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_EQ(accepted->status, UserStatus::kActive);
  EXPECT_EQ(accepted->role, UserRole::kViewer);
  EXPECT_TRUE(service_->Login("carol@example.test", "carols password", "ip"));
  EXPECT_EQ(
      service_->AcceptInvite(invite->token, "carol2", "carols password", "", "ip").error().code,
      ErrorCode::kNotFound);

  auto late = service_->InviteUser(admin_, "dan@example.test", UserRole::kUser);
  clock_.Advance(std::chrono::hours(24 * 8));
  EXPECT_EQ(service_->AcceptInvite(late->token, "dan", "dans password!", "", "ip").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST_F(AuthServiceTest, UserValidationAndUniqueness) {
  UserFields f;
  f.username = "Bad Name";
  f.email = "x@example.test";
  f.password = "long enough password";
  EXPECT_EQ(service_->CreateUser(admin_, f).error().code, ErrorCode::kInvalidArgument);
  f.username = "good";
  f.email = "not-an-email";
  EXPECT_EQ(service_->CreateUser(admin_, f).error().code, ErrorCode::kInvalidArgument);
  f.email = "good@example.test";
  f.password = "short";
  EXPECT_EQ(service_->CreateUser(admin_, f).error().code, ErrorCode::kInvalidArgument);
  f.password = "long enough password";
  ASSERT_TRUE(service_->CreateUser(admin_, f));
  f.email = "other@example.test";
  EXPECT_EQ(service_->CreateUser(admin_, f).error().code, ErrorCode::kAlreadyExists);
}

TEST_F(AuthServiceTest, TheLastAdminStays) {
  UserFields demote;
  demote.role = UserRole::kUser;
  EXPECT_EQ(service_->UpdateUser(admin_, admin_.user_id, demote).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(service_->DeleteUser(admin_, admin_.user_id).error().code,
            ErrorCode::kFailedPrecondition);
  MakeUser("second", UserRole::kAdmin);
  EXPECT_TRUE(service_->UpdateUser(admin_, admin_.user_id, demote));
}

TEST_F(AuthServiceTest, DisablingAUserEndsTheirSessions) {
  store::UserRecord eve = MakeUser("eve", UserRole::kUser);
  auto login = service_->Login("eve", "password-of-eve", "ip");
  ASSERT_TRUE(login);
  UserFields disable;
  disable.status = UserStatus::kDisabled;
  ASSERT_TRUE(service_->UpdateUser(admin_, eve.id, disable));
  EXPECT_EQ(service_->AuthenticateSession(login->session_secret, "ip").error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(service_->Login("eve", "password-of-eve", "ip").error().code,
            ErrorCode::kUnauthenticated);
}

TEST_F(AuthServiceTest, ChangingThePasswordKeepsOnlyTheCurrentSession) {
  auto other = service_->Login("admin", admin_password_, "ip");
  EXPECT_EQ(service_->ChangePassword(admin_, "wrong", "a brand new password").error().code,
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->ChangePassword(admin_, admin_password_, "a brand new password"));
  EXPECT_FALSE(service_->AuthenticateSession(other->session_secret, "ip"));
  EXPECT_TRUE(service_->Login("admin", "a brand new password", "ip"));
}

TEST_F(AuthServiceTest, BootstrapReturnsAnAdminToken) {
  auto token = service_->BootstrapAdminToken();
  ASSERT_TRUE(token) << token.error().message;
  auto principal = service_->AuthenticateToken(token->secret, "x");
  ASSERT_TRUE(principal);
  EXPECT_TRUE(principal->IsAdmin());
}

TEST(PolicyTest, RolesAndScopes) {
  store::EventRecord own{.id = "e1", .owner_id = "u1"};
  store::EventRecord other{.id = "e2", .owner_id = "u2"};
  store::EventRecord shared{.id = "e3", .owner_id = "u2", .shared = true};
  Principal user{.user_id = "u1", .role = UserRole::kUser, .scope = Scope::kWrite};
  EXPECT_TRUE(CanSee(user, own) && CanChange(user, own) && CanRun(user, own));
  EXPECT_FALSE(CanSee(user, other) || CanChange(user, other) || CanRun(user, other));
  EXPECT_TRUE(CanSee(user, shared) && CanRun(user, shared));
  EXPECT_FALSE(CanChange(user, shared));
  Principal viewer{.user_id = "u9", .role = UserRole::kViewer, .scope = Scope::kRead};
  EXPECT_EQ(RequireWrite(viewer).error().code, ErrorCode::kPermissionDenied);
  Principal admin{.user_id = "u0", .role = UserRole::kAdmin, .scope = Scope::kAdmin};
  EXPECT_TRUE(CanChange(admin, other));
  EXPECT_TRUE(RequireAdmin(admin));
  admin.scope = Scope::kWrite;
  EXPECT_EQ(RequireAdmin(admin).error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace cronium::auth

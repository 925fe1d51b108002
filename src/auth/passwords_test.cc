#include "auth/passwords.h"

#include <gtest/gtest.h>

namespace cronium::auth {
namespace {

TEST(PasswordsTest, HashVerifiesOnlyTheSamePassword) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordsTest, SamePasswordHashesDifferently) {
  EXPECT_NE(*HashPassword("same password!"), *HashPassword("same password!"));
}

TEST(PasswordsTest, MalformedHashNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", "anything at all"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "anything at all"));
}

TEST(PasswordsTest, RulesNameTheProblem) {
  EXPECT_EQ(CheckPasswordRules("short").error().message, "password: at least 12 characters");
  EXPECT_EQ(CheckPasswordRules(std::string(2000, 'x')).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(CheckPasswordRules(std::string("twelve chars\0x", 14)).error().message,
            "password: must not contain NUL bytes");
  EXPECT_TRUE(CheckPasswordRules("twelve chars"));
}

TEST(PasswordsTest, RandomPasswordsFollowTheRules) {
  const std::string one = NewRandomPassword();
  EXPECT_TRUE(CheckPasswordRules(one));
  EXPECT_NE(one, NewRandomPassword());
}

}  // namespace
}  // namespace cronium::auth

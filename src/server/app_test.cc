#include "server/app.h"

#include <gtest/gtest.h>

namespace cronium::server {
namespace {

TEST(ParseListenTest, AcceptsHostAndPort) {
  auto parsed = ParseListen("127.0.0.1:8080");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, "127.0.0.1");
  EXPECT_EQ(parsed->second, 8080);
  auto v6 = ParseListen("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 0);
}

TEST(ParseListenTest, RejectsMalformed) {
  for (const char* text : {"", "8080", ":8080", "host:", "host:99999", "host:-1", "host:80x"}) {
    auto parsed = ParseListen(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace cronium::server

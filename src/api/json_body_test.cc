#include "api/json_body.h"

#include <gtest/gtest.h>

namespace cronium::api {
namespace {

http::Request JsonRequest(std::string body) {
  http::Request request;
  request.headers = {{"content-type", "application/json; charset=utf-8"}};
  request.body = std::move(body);
  return request;
}

TEST(JsonBodyTest, ReadsTypedFields) {
  auto body = JsonBody::Parse(
      JsonRequest(R"({"s":"x","i":5,"b":true,"a":["p","q"],"m":{"K":"v"},"n":null})"));
  ASSERT_TRUE(body);
  EXPECT_EQ(**body->String("s"), "x");
  EXPECT_EQ(**body->Int("i"), 5);
  EXPECT_EQ(**body->Bool("b"), true);
  EXPECT_EQ(body->StringArray("a")->value(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(body->StringMap("m")->value().at("K"), "v");
  EXPECT_FALSE(*body->String("missing"));
  EXPECT_TRUE(body->IsNull("n"));
}

TEST(JsonBodyTest, TypeMismatchesNameTheField) {
  auto body =
      JsonBody::Parse(JsonRequest(R"({"s":1,"i":"5","f":1.5,"b":"yes","a":[1],"m":{"K":2}})"));
  ASSERT_TRUE(body);
  EXPECT_EQ(body->String("s").error().message, "s: must be a string");
  EXPECT_EQ(body->Int("i").error().message, "i: must be an integer");
  EXPECT_EQ(body->Int("f").error().message, "f: must be an integer");
  EXPECT_EQ(body->Bool("b").error().message, "b: must be true or false");
  EXPECT_EQ(body->StringArray("a").error().message, "a: must be an array of strings");
  EXPECT_EQ(body->StringMap("m").error().message, "m.K: must be a string");
}

TEST(JsonBodyTest, RejectsMalformedBodies) {
  for (const char* text : {"{", "[1,2]", "\"str\"", "{\"a\":}", "nul", ""}) {
    auto body = JsonBody::Parse(JsonRequest(text));
    ASSERT_FALSE(body) << text;
    EXPECT_EQ(body.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(JsonBodyTest, EmptyBodyAllowedWhenAsked) {
  http::Request request;
  auto body = JsonBody::Parse(request, /*allow_empty=*/true);
  ASSERT_TRUE(body);
  EXPECT_FALSE(body->Has("x"));
}

TEST(JsonBodyTest, RequiresJsonContentType) {
  http::Request request;
  request.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  request.body = "{}";
  auto body = JsonBody::Parse(request);
  ASSERT_FALSE(body);
  EXPECT_EQ(body.error().message, kUnsupportedMediaType);
}

TEST(JsonBodyTest, UnknownFieldsAreRejected) {
  auto body = JsonBody::Parse(JsonRequest(R"({"name":"x","nmae":"y"})"));
  ASSERT_TRUE(body);
  auto status = body->RejectUnknown({"name"});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "unknown field 'nmae' (known fields: name)");
}

}  // namespace
}  // namespace cronium::api

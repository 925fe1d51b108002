#include "http/router.h"

#include <gtest/gtest.h>

namespace cronium::http {
namespace {

Response DispatchSync(const Router& router, Method method, std::string path) {
  Request request;
  request.method = method;
  request.path = std::move(path);
  Response out;
  router.Dispatch(request, [&](Response response) { out = std::move(response); });
  return out;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Method::kGet, "/api/v1/events", Echo("list"));
    router_.Add(Method::kPost, "/api/v1/events", Echo("create"));
    router_.Add(Method::kGet, "/api/v1/events/{id}", Echo("get"));
    router_.Add(Method::kPost, "/api/v1/events/{id}/run", Echo("run"));
    router_.Add(Method::kGet, "/executions/{id}/variables/{key}", Echo("var"));
    router_.Add(Method::kGet, "/assets/{path...}", Echo("asset"));
  }

  static Handler Echo(std::string name) {
    return [name](Request& request, Responder respond) {
      std::string body = name;
      for (const auto& [key, value] : request.path_params) body += " " + key + "=" + value;
      respond(Response::Json(200, body));
    };
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralAndParameterSegments) {
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events").body, "list");
  EXPECT_EQ(DispatchSync(router_, Method::kPost, "/api/v1/events").body, "create");
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events/evt_1").body, "get id=evt_1");
  EXPECT_EQ(DispatchSync(router_, Method::kPost, "/api/v1/events/evt_1/run").body, "run id=evt_1");
}

TEST_F(RouterTest, TrailingSlashIsTolerated) {
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events/").body, "list");
}

TEST_F(RouterTest, EncodedSlashStaysInsideItsParameter) {
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/executions/e1/variables/a%2Fb%20c").body,
            "var id=e1 key=a/b c");
}

TEST_F(RouterTest, RestParameterTakesTheRemainingPath) {
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/assets/js/app.js").body, "asset path=js/app.js");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  EXPECT_EQ(DispatchSync(router_, Method::kHead, "/api/v1/events").body, "list");
}

TEST_F(RouterTest, UnknownPathIs404) {
  const Response response = DispatchSync(router_, Method::kGet, "/api/v1/nope");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("\"error\":\"NOT_FOUND\""), std::string::npos);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  const Response response = DispatchSync(router_, Method::kDelete, "/api/v1/events");
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "GET, POST");
}

TEST_F(RouterTest, BadPercentEncodingIs400) {
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events/%zz").status, 400);
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events/%4").status, 400);
}

TEST_F(RouterTest, TheFallbackTakesOnlyPathsNoRouteMatches) {
  router_.SetFallback(Echo("fallback"));
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/runs/42").body, "fallback");
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/").body, "fallback");
  EXPECT_EQ(DispatchSync(router_, Method::kGet, "/api/v1/events").body, "list");
  // A known path with another method is still a 405, not the fallback's.
  const Response wrong = DispatchSync(router_, Method::kDelete, "/api/v1/events");
  EXPECT_EQ(wrong.status, 405);
}

TEST(RequestTest, QueryParamsAreDecoded) {
  Request request;
  request.query = "search=hello+world&tag=a%26b&empty&limit=5";
  EXPECT_EQ(request.QueryParam("search"), "hello world");
  EXPECT_EQ(request.QueryParam("tag"), "a&b");
  EXPECT_EQ(request.QueryParam("empty"), "");
  EXPECT_EQ(request.QueryParam("limit"), "5");
  EXPECT_FALSE(request.QueryParam("missing"));
}

TEST(PercentTest, EncodeDecodeRoundTrip) {
  const std::string text = "a/b c&d=é";
  EXPECT_EQ(PercentDecode(PercentEncode(text), false), text);
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%G1", false));
}

}  // namespace
}  // namespace cronium::http

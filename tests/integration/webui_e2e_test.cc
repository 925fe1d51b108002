// The web UI as the real binary serves it: the app's page for client routes, its hashed assets
// precompressed and cached for good, the API's paths never falling back to the page, the
// security headers, and --ui-dir for UI development. With a build configured
// -DCRONIUM_WEB_UI=OFF, the one-line page instead.

#include <fstream>
#include <regex>

#include "e2e.h"

namespace cronium::e2e {
namespace {

class WebUiE2eTest : public E2eTest {
 protected:
  testutil::HttpResult Get(const std::string& path, std::vector<std::string> headers = {}) {
    testutil::HttpClient anonymous(server_->url());
    return anonymous.Send("GET", path, "", false, false, headers);
  }
};

TEST_F(WebUiE2eTest, ClientRoutesServeTheAppAndApiPathsNeverDo) {
  const auto page = Get("/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.headers.at("cache-control"), "no-cache");
  const std::string csp = page.headers.at("content-security-policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(page.headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.headers.at("referrer-policy"), "same-origin");
  // A reload on any client route gets the same page.
  for (const std::string route : {"/runs/42", "/events", "/settings/tokens"}) {
    const auto again = Get(route);
    EXPECT_EQ(again.status, 200) << route;
    EXPECT_EQ(again.body, page.body) << route;
  }
  // The API's paths: JSON 404s, with and without a session.
  for (const std::string path : {"/api/v1/nope", "/api/v2/events", "/healthz/x"}) {
    const auto missing = Get(path);
    EXPECT_EQ(missing.status, 404) << path;
    EXPECT_EQ(missing.headers.at("content-type"), "application/json") << path;
    EXPECT_NE(missing.body.find("\"error\":\"NOT_FOUND\""), std::string::npos) << missing.body;
  }
  EXPECT_EQ(client_->Get("/api/v1/nope").status, 404);
  // A known API path with another method is still the API's 405, and POST to a page a 405.
  EXPECT_EQ(client_->Send("PUT", "/api/v1/events", "{}", true).status, 405);
  const auto post = client_->Post("/events", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
  // The API itself still answers.
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(WebUiE2eTest, HashedAssetsComePrecompressedAndCachedForGood) {
  const auto page = Get("/");
  ASSERT_EQ(page.status, 200);
  std::smatch found;
  if (!std::regex_search(page.body, found, std::regex(R"re(src="(/assets/[^"]+\.js)")re"))) {
    // A build without the UI: the one-line page, and no assets.
    EXPECT_NE(page.body.find("not built into this cronium binary"), std::string::npos) << page.body;
    EXPECT_EQ(Get("/assets/index.js").status, 404);
    GTEST_SKIP() << "built with -DCRONIUM_WEB_UI=OFF";
  }
  const std::string script = found[1];
  const auto raw = Get(script);
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.headers.count("content-encoding"), 0u);
  EXPECT_EQ(raw.headers.at("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(raw.headers.at("cache-control"), "public, max-age=31536000, immutable");
  const auto br = Get(script, {"Accept-Encoding: gzip, deflate, br"});
  ASSERT_EQ(br.status, 200);
  EXPECT_EQ(br.headers.at("content-encoding"), "br");
  EXPECT_LT(br.body.size(), raw.body.size() / 2);
  const auto gzip = Get(script, {"Accept-Encoding: gzip"});
  EXPECT_EQ(gzip.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(gzip.body.substr(0, 2), std::string("\x1f\x8b"));
  EXPECT_EQ(gzip.headers.at("vary"), "Accept-Encoding");
  // Revalidation: the same representation's ETag gives a 304 without a body.
  const auto again =
      Get(script, {"Accept-Encoding: br", "If-None-Match: " + br.headers.at("etag")});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  // A missing asset is a 404, never the page.
  const auto missing = Get("/assets/nothing-1234.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body.find("<html"), std::string::npos);
}

TEST_F(WebUiE2eTest, UiDirServesADirectoryAsItIsNow) {
  const std::string dist = DataDir() + "-ui";
  std::filesystem::create_directories(dist + "/assets");
  std::ofstream(dist + "/index.html") << "<!doctype html><p>from the directory</p>";
  std::ofstream(dist + "/assets/app-1.js") << "export const one = 1;";
  ASSERT_EQ(server_->Stop(), 0);
  StartServer({"--ui-dir", dist});
  EXPECT_EQ(Get("/workflows/3").body, "<!doctype html><p>from the directory</p>");
  std::ofstream(dist + "/assets/app-1.js") << "export const one = 2;";
  EXPECT_EQ(Get("/assets/app-1.js").body, "export const one = 2;");
  EXPECT_EQ(Get("/api/v1/nope").status, 404);
  std::filesystem::remove_all(dist);
}

TEST_F(WebUiE2eTest, AUiDirWithoutAnAppRefusesToStart) {
  ASSERT_EQ(server_->Stop(), 0);
  const std::string empty = DataDir() + "-empty-ui";
  std::filesystem::create_directories(empty);
  testutil::ServerProcess bad(DataDir(), {"--ui-dir", empty});
  EXPECT_FALSE(bad.Start());
  const std::string said = bad.error() + bad.Logs();
  EXPECT_NE(said.find("no index.html"), std::string::npos) << said;
  std::filesystem::remove_all(empty);
}

}  // namespace
}  // namespace cronium::e2e

#include "webui/webui.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>

#include "testutil/temp_dir.h"
#include "webui/content_type.h"

namespace cronium::webui {
namespace {

using http::Method;
using http::Request;
using http::Response;

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string HeaderOf(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

Request Get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request request;
  request.method = Method::kGet;
  request.path = std::move(path);
  request.headers = std::move(headers);
  return request;
}

class WebUiTest : public ::testing::Test {
 protected:
  const std::string index_ = "<!doctype html><script type=module src=/assets/app-1a2b.js></script>";
  const std::string script_ = std::string(2000, 'x') + "console.log(1)";
  const std::string script_gz_ = Gzip(script_);
  const std::string index_gz_ = Gzip(index_);
  std::shared_ptr<const WebUi> ui_ = WebUi::FromAssets({
      {"/index.html",
       "text/html; charset=utf-8",
       "\"i1\"",
       {},
       index_gz_,
       "BROTLI-INDEX",
       index_.size()},
      {"/assets/app-1a2b.js",
       "text/javascript; charset=utf-8",
       "\"a1\"",
       {},
       script_gz_,
       {},
       script_.size()},
      {"/favicon.svg", "image/svg+xml", "\"f1\"", "<svg/>", {}, {}, 6},
  });
};

TEST_F(WebUiTest, ClientRoutesGetTheAppPageUncached) {
  for (const std::string path : {"/", "/runs/42", "/events", "/settings/tokens"}) {
    const Response response = ui_->Serve(Get(path, {{"accept-encoding", "gzip"}}));
    EXPECT_EQ(response.status, 200) << path;
    EXPECT_EQ(HeaderOf(response, "Content-Encoding"), "gzip") << path;
    EXPECT_EQ(response.body, index_gz_) << path;
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-cache") << path;
    EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  }
}

TEST_F(WebUiTest, ApiPathsNeverFallBackToTheApp) {
  for (const std::string path : {"/api/v1/nope", "/api", "/healthz", "/readyz", "/health",
                                 "/executions/5/input", "/api/v1/events/9/nothing", "/healthz/x"}) {
    const Response response = ui_->Serve(Get(path));
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.content_type, "application/json") << path;
    EXPECT_NE(response.body.find("no such endpoint"), std::string::npos) << response.body;
  }
}

TEST_F(WebUiTest, HashedAssetsAreImmutableAndMissingOnesAre404) {
  const Response js = ui_->Serve(Get("/assets/app-1a2b.js", {{"accept-encoding", "gzip, br"}}));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(HeaderOf(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(HeaderOf(js, "Vary"), "Accept-Encoding");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  // No brotli form of this one: gzip.
  EXPECT_EQ(HeaderOf(js, "Content-Encoding"), "gzip");
  EXPECT_EQ(ui_->Serve(Get("/assets/gone-9999.js")).status, 404);
  EXPECT_EQ(ui_->Serve(Get("/assets/page")).status, 404);  // no dot, still never the app
  EXPECT_EQ(ui_->Serve(Get("/robots.txt")).status, 404);   // an extension: a file or nothing
}

TEST_F(WebUiTest, PicksBrotliThenGzipThenRawBytes) {
  Response response = ui_->Serve(Get("/", {{"accept-encoding", "gzip, deflate, br"}}));
  EXPECT_EQ(HeaderOf(response, "Content-Encoding"), "br");
  EXPECT_EQ(response.body, "BROTLI-INDEX");
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"i1-br\"");
  response = ui_->Serve(Get("/", {{"accept-encoding", "br;q=0, gzip;q=0.5"}}));
  EXPECT_EQ(HeaderOf(response, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"i1-gzip\"");
  // A client that takes neither gets the bytes themselves, inflated here.
  response = ui_->Serve(Get("/"));
  EXPECT_EQ(HeaderOf(response, "Content-Encoding"), "");
  EXPECT_EQ(response.body, index_);
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"i1\"");
  // Files kept raw (too small to compress) are served as they are.
  response = ui_->Serve(Get("/favicon.svg", {{"accept-encoding", "gzip"}}));
  EXPECT_EQ(response.body, "<svg/>");
  EXPECT_EQ(HeaderOf(response, "Content-Encoding"), "");
}

TEST_F(WebUiTest, RevalidationAnswers304) {
  const Response response =
      ui_->Serve(Get("/events", {{"accept-encoding", "gzip"}, {"if-none-match", "\"i1-gzip\""}}));
  EXPECT_EQ(response.status, 304);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"i1-gzip\"");
  // Another representation's tag does not match.
  EXPECT_EQ(ui_->Serve(Get("/", {{"if-none-match", "\"i1-gzip\""}})).status, 200);
}

TEST_F(WebUiTest, EveryResponseCarriesTheSecurityHeaders) {
  for (const std::string path : {"/", "/assets/app-1a2b.js", "/assets/missing.js"}) {
    const Response response = ui_->Serve(Get(path));
    const std::string csp = HeaderOf(response, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << path;
    EXPECT_EQ(HeaderOf(response, "Referrer-Policy"), "same-origin") << path;
    EXPECT_EQ(HeaderOf(response, "X-Frame-Options"), "DENY") << path;
  }
}

TEST_F(WebUiTest, OnlyGetAndHead) {
  Request post = Get("/events");
  post.method = Method::kPost;
  const Response response = ui_->Serve(post);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, HEAD");
  Request head = Get("/events");
  head.method = Method::kHead;
  EXPECT_EQ(ui_->Serve(head).status, 200);
}

TEST_F(WebUiTest, BadPathsAreRefused) {
  EXPECT_EQ(ui_->Serve(Get("/%zz")).status, 400);
  EXPECT_EQ(ui_->Serve(Get("/assets/../index.html")).status, 404);
  EXPECT_EQ(ui_->Serve(Get("/a%00b")).status, 404);
}

TEST(WebUiWithoutUiTest, AOneLinePageSaysTheUiIsNotBuiltIn) {
  const auto ui = WebUi::FromAssets({}, /*built=*/false);
  const Response page = ui->Serve(Get("/events"));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("not built into this cronium binary"), std::string::npos);
  EXPECT_NE(HeaderOf(page, "Content-Security-Policy"), "");
  EXPECT_EQ(ui->Serve(Get("/assets/app.js")).status, 404);
  EXPECT_EQ(ui->Serve(Get("/api/v1/x")).status, 404);
}

class WebUiDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/dist/assets");
    Write("/dist/index.html", "<!doctype html>dev");
    Write("/dist/assets/app-1.js", "let a = 1;");
    Write("/secret.txt", "outside");
    ASSERT_EQ(::symlink((dir_.path() + "/secret.txt").c_str(),
                        (dir_.path() + "/dist/assets/link.txt").c_str()),
              0);
  }
  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_.path() + relative) << text;
  }
  testutil::TempDir dir_;
};

TEST_F(WebUiDirectoryTest, ServesTheFilesAsTheyAreNow) {
  auto ui = WebUi::FromDirectory(dir_.path() + "/dist");
  ASSERT_TRUE(ui.has_value()) << ui.error().message;
  Response response = (*ui)->Serve(Get("/runs/1"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "<!doctype html>dev");
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"" + Digest("<!doctype html>dev") + "\"");
  Write("/dist/assets/app-1.js", "let a = 2;");
  response = (*ui)->Serve(Get("/assets/app-1.js"));
  EXPECT_EQ(response.body, "let a = 2;");
  EXPECT_EQ(response.content_type, "text/javascript; charset=utf-8");
}

TEST_F(WebUiDirectoryTest, NothingOutsideTheDirectory) {
  auto ui = WebUi::FromDirectory(dir_.path() + "/dist");
  ASSERT_TRUE(ui.has_value());
  EXPECT_EQ((*ui)->Serve(Get("/assets/link.txt")).status, 404);
  EXPECT_EQ((*ui)->Serve(Get("/assets/%2e%2e/%2e%2e/secret.txt")).status, 404);
  EXPECT_EQ((*ui)->Serve(Get("/assets")).status, 404);
}

TEST_F(WebUiDirectoryTest, ADirectoryWithoutIndexIsRefused) {
  auto ui = WebUi::FromDirectory(dir_.path());
  ASSERT_FALSE(ui.has_value());
  EXPECT_NE(ui.error().message.find("no index.html"), std::string::npos);
}

}  // namespace
}  // namespace cronium::webui

// Every kind of bad input gets a clear 4xx with a JSON error, and the server lives on.

#include "e2e.h"

namespace cronium::e2e {
namespace {

class BadInputE2eTest : public E2eTest {
 protected:
  void ExpectError(const testutil::HttpResult& result, long status, const std::string& code,
                   const std::string& fragment = "") {
    EXPECT_EQ(result.status, status) << result.body;
    json doc = json::parse(result.body, nullptr, false);
    ASSERT_TRUE(doc.is_object()) << result.body;
    EXPECT_EQ(doc.value("error", ""), code) << result.body;
    EXPECT_FALSE(doc.value("message", "").empty());
    if (!fragment.empty()) {
      EXPECT_NE(doc.value("message", "").find(fragment), std::string::npos) << result.body;
    }
  }
  void TearDown() override {
    // Whatever came before, the server still answers.
    EXPECT_EQ(client_->Get("/healthz").status, 200);
    E2eTest::TearDown();
  }
};

TEST_F(BadInputE2eTest, MalformedJson) {
  for (const char* body : {"{", "{\"name\": }", "[1,2]", "\"text\"", "nul", "{\"a\":1}garbage"}) {
    auto result = client_->Post("/api/v1/events", body);
    ExpectError(result, 400, "INVALID_ARGUMENT");
  }
}

TEST_F(BadInputE2eTest, WrongTypesNameTheField) {
  ExpectError(client_->Post("/api/v1/events", R"({"name":5,"type":"BASH"})"), 400,
              "INVALID_ARGUMENT", "name: must be a string");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","timeoutSeconds":"5"})"),
              400, "INVALID_ARGUMENT", "timeoutSeconds: must be an integer");
  ExpectError(
      client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","timeoutSeconds":1e99})"), 400,
      "INVALID_ARGUMENT", "timeoutSeconds");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","tags":"a"})"), 400,
              "INVALID_ARGUMENT", "tags: must be an array of strings");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","envVars":["A"]})"), 400,
              "INVALID_ARGUMENT", "envVars");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","shared":"yes"})"), 400,
              "INVALID_ARGUMENT", "shared: must be true or false");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"COBOL"})"), 400,
              "INVALID_ARGUMENT", "type: 'COBOL' is not one of");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","status":"ON"})"), 400,
              "INVALID_ARGUMENT", "status");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","retries":99})"), 400,
              "INVALID_ARGUMENT", "retries");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","timeoutSeconds":0})"),
              400, "INVALID_ARGUMENT", "timeoutSeconds");
}

TEST_F(BadInputE2eTest, MissingAndUnknownFields) {
  ExpectError(client_->Post("/api/v1/events", R"({"type":"BASH"})"), 400, "INVALID_ARGUMENT",
              "name: required");
  ExpectError(client_->Post("/api/v1/events", R"({"name":"x"})"), 400, "INVALID_ARGUMENT",
              "type: required");
  ExpectError(
      client_->Post("/api/v1/events", R"({"name":"x","type":"BASH","scedule":"* * * * *"})"), 400,
      "INVALID_ARGUMENT", "unknown field 'scedule'");
}

TEST_F(BadInputE2eTest, InvalidEnvVarKeys) {
  for (const char* key : {"lower", "1ST", "A-B", "HAS SPACE", "", "CRONIUM_EXECUTION_ID"}) {
    json body = {{"name", "x"}, {"type", "BASH"}, {"envVars", {{key, "v"}}}};
    ExpectError(client_->Post("/api/v1/events", body.dump()), 400, "INVALID_ARGUMENT", "envVars");
  }
}

TEST_F(BadInputE2eTest, OversizeBodiesAndContent) {
  auto huge = client_->Post("/api/v1/events", std::string(3 << 20, ' '));
  ExpectError(huge, 413, "PAYLOAD_TOO_LARGE");
  json big_script = {{"name", "x"}, {"type", "BASH"}, {"content", std::string(300 << 10, 'a')}};
  ExpectError(client_->Post("/api/v1/events", big_script.dump()), 400, "INVALID_ARGUMENT",
              "content: at most");
  const std::string id = CreateScript("BASH", "true");
  json big_input = {{"input", std::string((1 << 20) + 10, 'i')}};
  ExpectError(client_->Post("/api/v1/events/" + id + "/run", big_input.dump()), 400,
              "INVALID_ARGUMENT", "input: at most");
}

TEST_F(BadInputE2eTest, WrongContentType) {
  auto result = client_->Send("POST", "/api/v1/events", R"({"name":"x","type":"BASH"})", true,
                              false, {"Content-Type: text/plain"});
  ExpectError(result, 415, "UNSUPPORTED_MEDIA_TYPE");
}

TEST_F(BadInputE2eTest, UnknownIdsAre404) {
  ExpectError(client_->Get("/api/v1/events/evt_doesnotexist"), 404, "NOT_FOUND");
  ExpectError(client_->Patch("/api/v1/events/evt_doesnotexist", R"({"name":"y"})"), 404,
              "NOT_FOUND");
  ExpectError(client_->Delete("/api/v1/events/evt_doesnotexist"), 404, "NOT_FOUND");
  ExpectError(client_->Post("/api/v1/events/evt_doesnotexist/run", "{}"), 404, "NOT_FOUND");
  ExpectError(client_->Get("/api/v1/events/evt_doesnotexist/executions"), 404, "NOT_FOUND");
  ExpectError(client_->Get("/api/v1/executions/exe_doesnotexist"), 404, "NOT_FOUND");
  ExpectError(client_->Post("/api/v1/executions/exe_doesnotexist/cancel", "{}"), 404, "NOT_FOUND");
}

TEST_F(BadInputE2eTest, PathTricks) {
  ExpectError(client_->Get("/api/v1/events/..%2F..%2Fetc%2Fpasswd"), 404, "NOT_FOUND");
  ExpectError(client_->Get("/api/v1/events/%27%20OR%201%3D1--"), 404, "NOT_FOUND");
  ExpectError(client_->Get("/api/v1/events/%zz"), 400, "INVALID_ARGUMENT");
  // The client resolves the dot segments: this asks for /etc/passwd, a client route of the web
  // UI, which answers with its page, never a file of the host.
  const auto climbed = client_->Get("/api/v1/../../etc/passwd");
  EXPECT_EQ(climbed.body.find("root:"), std::string::npos) << climbed.body.substr(0, 200);
  EXPECT_TRUE(climbed.status == 200 || climbed.status == 404) << climbed.status;
  EXPECT_EQ(climbed.headers.at("content-type"), "text/html; charset=utf-8");
  // Encoded, the dots stay in the path: the UI refuses to climb.
  const auto encoded = client_->Get("/assets/%2e%2e/%2e%2e/etc/passwd");
  EXPECT_EQ(encoded.status, 404);
  EXPECT_EQ(encoded.body.find("root:"), std::string::npos);
  ExpectError(client_->Get("/api/v1/events/" + std::string(5000, 'a')), 404, "NOT_FOUND");
}

TEST_F(BadInputE2eTest, BadQueryParameters) {
  ExpectError(client_->Get("/api/v1/events?limit=0"), 400, "INVALID_ARGUMENT", "limit");
  ExpectError(client_->Get("/api/v1/events?limit=abc"), 400, "INVALID_ARGUMENT", "limit");
  ExpectError(client_->Get("/api/v1/events?limit=100000"), 400, "INVALID_ARGUMENT", "limit");
  ExpectError(client_->Get("/api/v1/events?status=RUNNING"), 400, "INVALID_ARGUMENT", "status");
  ExpectError(client_->Get("/api/v1/events?cursor=../x"), 400, "INVALID_ARGUMENT", "cursor");
  ExpectError(client_->Get("/api/v1/executions?status=DONE"), 400, "INVALID_ARGUMENT", "status");
  const std::string id = CreateScript("BASH", "true");
  const std::string execution = Run(id);
  ExpectError(client_->Get("/api/v1/executions/" + execution + "?wait=-1"), 400, "INVALID_ARGUMENT",
              "wait");
  ExpectError(client_->Get("/api/v1/executions/" + execution + "?wait=9999"), 400,
              "INVALID_ARGUMENT", "wait");
  AwaitEnd(execution);
}

TEST_F(BadInputE2eTest, WrongMethodsAndUnknownEndpoints) {
  auto result = client_->Send("PUT", "/api/v1/events", "{}", true);
  ExpectError(result, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(result.headers["allow"], "GET, POST");
  ExpectError(client_->Get("/api/v2/events"), 404, "NOT_FOUND");
}

TEST_F(BadInputE2eTest, GarbageOnTheWire) {
  const int port = std::stoi(server_->url().substr(server_->url().rfind(':') + 1));
  EXPECT_NE(testutil::RawExchange(port, "\x16\x03\x01 not http\r\n\r\n").find("400"),
            std::string::npos);
  EXPECT_NE(testutil::RawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
                .find("400"),
            std::string::npos);
  EXPECT_NE(testutil::RawExchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX: " +
                                            std::string(64 << 10, 'h') + "\r\n\r\n")
                .find("431"),
            std::string::npos);
}

TEST_F(BadInputE2eTest, HttpRequestEventValidation) {
  ExpectError(client_->Post("/api/v1/events", R"({"name":"h","type":"HTTP_REQUEST"})"), 400,
              "INVALID_ARGUMENT", "httpRequest: required");
  ExpectError(
      client_->Post(
          "/api/v1/events",
          R"({"name":"h","type":"HTTP_REQUEST","httpRequest":{"url":"file:///etc/passwd"}})"),
      400, "INVALID_ARGUMENT", "httpRequest.url");
  ExpectError(
      client_->Post(
          "/api/v1/events",
          R"({"name":"h","type":"HTTP_REQUEST","httpRequest":{"url":"http://x","headers":{"A":"1\r\nB: 2"}}})"),
      400, "INVALID_ARGUMENT", "httpRequest.headers");
}

}  // namespace
}  // namespace cronium::e2e

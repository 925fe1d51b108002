// `cronium var`: the CLI over /api/v1/variables, as a user types it.

#include <algorithm>
#include <cstdio>

#include "e2e.h"

namespace cronium::e2e {
namespace {

class CliVarE2eTest : public E2eTest {
 protected:
  testutil::CommandResult Var(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), "var");
    return testutil::RunCronium(
        args, {{"CRONIUM_SERVER", server_->url()}, {"CRONIUM_TOKEN", admin_token_}}, stdin_text);
  }

  // The stored value, read over HTTP (the key percent-encoded whole).
  json Stored(const std::string& key) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (unsigned char c : key) encoded += {'%', kHex[c >> 4], kHex[c & 15]};
    auto result = client_->Get("/api/v1/variables/" + encoded);
    EXPECT_EQ(result.status, 200) << key << ": " << result.body;
    return Parse(result)["value"];
  }
};

TEST_F(CliVarE2eTest, SetKeepsJsonTypesAndGetPrintsThem) {
  struct Case {
    std::string value;
    json stored;
    std::string printed;
  };
  const std::vector<Case> cases = {
      {"hello world", "hello world", "hello world\n"},
      {"42", 42, "42\n"},
      {"-5", -5, "-5\n"},
      {"3.5", 3.5, "3.5\n"},
      {"true", true, "true\n"},
      {"null", nullptr, "null\n"},
      {R"({"a":1,"b":[1,"x"]})", json{{"a", 1}, {"b", {1, "x"}}},
       "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    \"x\"\n  ]\n}\n"},
      {R"("quoted")", "quoted", "quoted\n"},
      {"", "", "\n"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string key = "k" + std::to_string(n++);
    auto set = Var({"set", key, c.value});
    ASSERT_EQ(set.exit_code, 0) << c.value << ": " << set.err;
    EXPECT_EQ(set.out, "Created variable " + key + " (version 1)\n");
    EXPECT_EQ(Stored(key), c.stored) << c.value;
    auto get = Var({"get", key});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    EXPECT_EQ(get.out, c.printed) << c.value;
  }

  auto forced = Var({"set", "forced", "42", "--string"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(Stored("forced"), "42");

  auto updated = Var({"set", "k1", "43"});
  EXPECT_EQ(updated.out, "Updated variable k1 (version 2)\n");
  auto as_json = Var({"set", "k1", "44", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out)["version"], 3);

  auto whole = Var({"get", "k6", "--json"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const json variable = json::parse(whole.out);
  EXPECT_EQ(variable["key"], "k6");
  EXPECT_EQ(variable["value"], (json{{"a", 1}, {"b", {1, "x"}}}));
  EXPECT_EQ(variable["version"], 1);
}

TEST_F(CliVarE2eTest, SetReadsStdin) {
  ASSERT_EQ(Var({"set", "obj", "-"}, "{\"from\": \"stdin\"}\n").exit_code, 0);
  EXPECT_EQ(Stored("obj"), (json{{"from", "stdin"}}));
  ASSERT_EQ(Var({"set", "text", "-"}, "line one\nline two\n").exit_code, 0);
  EXPECT_EQ(Stored("text"), "line one\nline two");  // one trailing newline dropped
  ASSERT_EQ(Var({"set", "num", "-"}, "7\n").exit_code, 0);
  EXPECT_EQ(Stored("num"), 7);
  ASSERT_EQ(Var({"set", "numtext", "-", "--string"}, "7\n").exit_code, 0);
  EXPECT_EQ(Stored("numtext"), "7");
  EXPECT_EQ(Var({"get", "text"}).out, "line one\nline two\n");
}

TEST_F(CliVarE2eTest, KeysAreEncodedWhole) {
  const std::vector<std::string> keys = {"app/db url", "100%",        "a?b#c&d=e+f", "..",
                                         ".",          "ключ/ü 日本", "x%2Fy"};
  for (const auto& key : keys) {
    auto set = Var({"set", key, "v:" + key});
    ASSERT_EQ(set.exit_code, 0) << key << ": " << set.err;
    EXPECT_EQ(Stored(key), "v:" + key);
    auto get = Var({"get", key});
    EXPECT_EQ(get.out, "v:" + key + "\n") << key << ": " << get.err;
  }
  auto list = Var({"list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::vector<std::string> listed;
  const json page = json::parse(list.out);
  for (const auto& item : page["items"]) listed.push_back(item["key"]);
  EXPECT_EQ(listed.size(), keys.size());
  for (const auto& key : keys) {
    EXPECT_NE(std::find(listed.begin(), listed.end(), key), listed.end()) << key;
  }
  for (const auto& key : keys) {
    auto deleted = Var({"rm", key});
    EXPECT_EQ(deleted.exit_code, 0) << key << ": " << deleted.err;
    EXPECT_NE(deleted.out.find("Deleted variable"), std::string::npos) << deleted.out;
  }
  EXPECT_EQ(Var({"list"}).out, "No variables. Set one with: cronium var set KEY VALUE\n");
}

TEST_F(CliVarE2eTest, ListShowsATableAndFollowsCursors) {
  ASSERT_EQ(Var({"set", "short", "\"hi\""}).exit_code, 0);
  ASSERT_EQ(Var({"set", "wide", std::string(100, 'x')}).exit_code, 0);
  auto table = Var({"list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("KEY    VALUE", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("UPDATED BY"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("\"hi\""), std::string::npos) << table.out;  // compact JSON
  EXPECT_NE(table.out.find("\"" + std::string(58, 'x') + "\u2026"), std::string::npos) << table.out;

  for (int i = 0; i < 250; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "page%%2F%03d", i);
    ASSERT_EQ(
        client_->Put(std::string("/api/v1/variables/") + key, json{{"value", i}}.dump()).status,
        201);
  }
  auto all = Var({"list", "--prefix", "page/", "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const json everything = json::parse(all.out);
  ASSERT_EQ(everything["items"].size(), 250u);
  EXPECT_EQ(everything["items"][0]["key"], "page/000");
  EXPECT_EQ(everything["items"][249]["key"], "page/249");
  EXPECT_TRUE(everything["nextCursor"].is_null());

  auto some = Var({"list", "--prefix", "page/", "--limit", "201", "--json"});
  const json first = json::parse(some.out);
  EXPECT_EQ(first["items"].size(), 201u);
  EXPECT_EQ(first["nextCursor"], "page/200");
  auto exact = Var({"list", "--prefix", "page/", "--limit", "250", "--json"});
  EXPECT_TRUE(json::parse(exact.out)["nextCursor"].is_null());

  auto cut = Var({"list", "--prefix", "page/", "--limit", "2"});
  EXPECT_EQ(cut.exit_code, 0);
  EXPECT_NE(cut.err.find("raise --limit"), std::string::npos) << cut.err;
  EXPECT_EQ(Var({"list", "--prefix", "nope"}).out, "No variables start with nope.\n");
}

TEST_F(CliVarE2eTest, ReportsMissingVariablesAndBadInput) {
  auto missing = Var({"get", "no/such key"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no variable \"no/such key\""), std::string::npos) << missing.err;
  auto missing_delete = Var({"delete", "nothing"});
  EXPECT_EQ(missing_delete.exit_code, 1);
  EXPECT_NE(missing_delete.err.find("no variable nothing"), std::string::npos)
      << missing_delete.err;

  auto typo = Var({"set", "cfg", R"({"a":1,})"});
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_NE(typo.err.find("not valid JSON"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("--string"), std::string::npos) << typo.err;
  auto text = Var({"set", "cfg", R"({"a":1,})", "--string"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(Stored("cfg"), R"({"a":1,})");

  EXPECT_EQ(Var({"set", "bad", "\xff"}).exit_code, 1);
  EXPECT_EQ(Var({"get", ""}).exit_code, 1);
  EXPECT_EQ(Var({"list", "--limit", "0"}).exit_code, 1);
  EXPECT_NE(Var({"set", "only-key"}).exit_code, 0);

  auto unreachable =
      testutil::RunCronium({"var", "list"}, {{"CRONIUM_SERVER", "http://127.0.0.1:1"}});
  EXPECT_EQ(unreachable.exit_code, 3);

  auto alias =
      testutil::RunCronium({"variable", "set", "via-alias", "1"},
                           {{"CRONIUM_SERVER", server_->url()}, {"CRONIUM_TOKEN", admin_token_}});
  EXPECT_EQ(alias.exit_code, 0) << alias.err;
  EXPECT_EQ(Stored("via-alias"), 1);
}

}  // namespace
}  // namespace cronium::e2e

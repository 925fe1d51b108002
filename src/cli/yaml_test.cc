#include "cli/yaml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace cronium::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json Yaml(std::string_view text) {
  Result<json> value = YamlToJson(text);
  EXPECT_TRUE(value.has_value()) << (value ? "" : value.error().message) << "\n" << text;
  return value ? *value : json();
}

// The error message of a conversion that must fail.
std::string YamlError(std::string_view text) {
  Result<json> value = YamlToJson(text);
  EXPECT_FALSE(value.has_value()) << text << "\n gave " << (value ? value->dump() : "");
  if (value) return "";
  EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument);
  return value.error().message;
}

TEST(YamlTest, PlainScalarsAreTyped) {
  const json value = Yaml(R"(
empty:
tilde: ~
null_words: [null, Null, NULL]
bools: [true, True, TRUE, false, False, FALSE]
ints: [0, 42, -7, +3, 010, 0x1F, 0o17, 9223372036854775807, -9223372036854775808]
floats: [1.5, -2e3, .5, 1., 6.02E+23, -0.25]
strings: [yes, no, on, off, 2024-01-01, 1_000, 0x, 0o8, 1.2.3, +, -, hello world, 12:30]
)");
  EXPECT_EQ(value, json::parse(R"({
    "empty": null, "tilde": null, "null_words": [null, null, null],
    "bools": [true, true, true, false, false, false],
    "ints": [0, 42, -7, 3, 10, 31, 15, 9223372036854775807, -9223372036854775808],
    "floats": [1.5, -2000.0, 0.5, 1.0, 6.02e23, -0.25],
    "strings": ["yes", "no", "on", "off", "2024-01-01", "1_000", "0x", "0o8", "1.2.3", "+", "-",
                "hello world", "12:30"]
  })"));
  EXPECT_TRUE(value["ints"][1].is_number_integer());
  EXPECT_TRUE(value["floats"][3].is_number_float());
  EXPECT_TRUE(value["ints"][7].is_number_integer());
}

TEST(YamlTest, QuotedAndBlockScalarsAreStrings) {
  const json value = Yaml(R"(
single: '42'
double: "true"
null_text: "null"
empty: ''
escapes: "tab\there \u00e9 \x41"
quote: 'it''s'
literal: |
  007
folded: >
  1.5
)");
  EXPECT_EQ(value, json::parse(R"({
    "single": "42", "double": "true", "null_text": "null", "empty": "",
    "escapes": "tab\there é A", "quote": "it's", "literal": "007\n", "folded": "1.5\n"
  })"));
}

TEST(YamlTest, NestedMappingsAndSequences) {
  EXPECT_EQ(Yaml(R"(
server:
  host: example.com
  ports:
    - 80
    - 443
  tls: {enabled: true}
users:
  - name: ada
    roles: [admin, dev]
  - name: bob
    roles: []
matrix:
  - - 1
    - 2
  - [3, 4]
)"),
            json::parse(R"({
    "server": {"host": "example.com", "ports": [80, 443], "tls": {"enabled": true}},
    "users": [{"name": "ada", "roles": ["admin", "dev"]}, {"name": "bob", "roles": []}],
    "matrix": [[1, 2], [3, 4]]
  })"));
}

TEST(YamlTest, FlowStyle) {
  EXPECT_EQ(Yaml("{a: 1, b: [x, y]}"), json::parse(R"({"a": 1, "b": ["x", "y"]})"));
  EXPECT_EQ(Yaml("[1, 'two', {three: 3.0}, [], {}]"),
            json::parse(R"([1, "two", {"three": 3.0}, [], {}])"));
  // JSON is YAML too (ParseDefinition reads it as JSON, but YamlToJson agrees).
  EXPECT_EQ(Yaml(R"({"a": [1, 2.5, "x", null, false]})"),
            json::parse(R"({"a": [1, 2.5, "x", null, false]})"));
}

TEST(YamlTest, BlockScalars) {
  const json value = Yaml(R"(
script: |
  #!/bin/sh
  echo "hi"   # not a comment

  exit 0
folded: >
  one
  two

  three
strip: |-
  no newline
keep: |+
  two newlines

last: end
)");
  EXPECT_EQ(value["script"], "#!/bin/sh\necho \"hi\"   # not a comment\n\nexit 0\n");
  EXPECT_EQ(value["folded"], "one two\nthree\n");
  EXPECT_EQ(value["strip"], "no newline");
  EXPECT_EQ(value["keep"], "two newlines\n\n");
  EXPECT_EQ(value["last"], "end");
}

TEST(YamlTest, CommentsAreIgnored) {
  EXPECT_EQ(Yaml(R"(# a workflow
name: nightly  # the name
# between
tags:
  - a  # first
  # - b
  - c
)"),
            json::parse(R"({"name": "nightly", "tags": ["a", "c"]})"));
}

TEST(YamlTest, AliasesCopyTheAnchoredNode) {
  EXPECT_EQ(Yaml(R"(
defaults: &defaults
  retries: 3
  timeout: 60
first: *defaults
second: *defaults
hosts: &hosts [a, b]
all: [*hosts, *hosts]
port: &port 8080
ports: [*port, 9090]
key: &k region
*k : eu
)"),
            json::parse(R"({
    "defaults": {"retries": 3, "timeout": 60},
    "first": {"retries": 3, "timeout": 60},
    "second": {"retries": 3, "timeout": 60},
    "hosts": ["a", "b"], "all": [["a", "b"], ["a", "b"]],
    "port": 8080, "ports": [8080, 9090],
    "key": "region", "region": "eu"
  })"));
}

TEST(YamlTest, AliasesNeedAnEarlierAnchor) {
  EXPECT_THAT(YamlError("a: *nope\n"),
              HasSubstr("line 1, column 4: the alias *nope has no anchor"));
  EXPECT_THAT(YamlError("a: &self [1, *self]\n"), HasSubstr("*self is inside the node it names"));
}

TEST(YamlTest, BillionLaughsFailsFast) {
  const std::string laughs = R"(
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
)";
  EXPECT_THAT(YamlError(laughs), HasSubstr("too many aliases"));

  // Aliases as mapping keys cost little, and the budget still applies to their values.
  std::string wide = "x: &x [";
  for (int i = 0; i < 1000; ++i) wide += "1,";
  wide += "1]\ny: [";
  for (int i = 0; i < 1000; ++i) wide += "*x,";
  wide += "*x]\n";
  EXPECT_THAT(YamlError(wide), HasSubstr("too many aliases"));
}

TEST(YamlTest, DuplicateKeysAreErrors) {
  EXPECT_EQ(YamlError("name: a\nretries: 1\nname: b\n"),
            "line 3, column 1: duplicate key \"name\" (first at line 1)");
  EXPECT_THAT(YamlError("outer:\n  x: 1\n  x: 2\n"),
              HasSubstr("line 3, column 3: duplicate key \"x\""));
  EXPECT_THAT(YamlError("{a: 1, a: 2}"), HasSubstr("duplicate key \"a\""));
  // Keys are compared as written: 1 and "1" are the same JSON key.
  EXPECT_THAT(YamlError("1: a\n'1': b\n"), HasSubstr("duplicate key \"1\""));
  // The same key in different mappings is fine.
  EXPECT_EQ(Yaml("- {a: 1}\n- {a: 2}\n"), json::parse(R"([{"a": 1}, {"a": 2}])"));
}

TEST(YamlTest, KeysAreScalarsTakenAsWritten) {
  EXPECT_EQ(Yaml("1: a\ntrue: b\n~: c\n1.50: d\n"),
            json::parse(R"({"1": "a", "true": "b", "~": "c", "1.50": "d"})"));
  EXPECT_THAT(YamlError("? [a, b]\n: c\n"),
              HasSubstr("line 1, column 3: mapping keys must be scalars"));
  EXPECT_THAT(YamlError("{{a: 1}: 2}"), HasSubstr("mapping keys must be scalars"));
  EXPECT_THAT(YamlError("base: &b {a: 1}\n*b : 2\n"), HasSubstr("mapping keys must be scalars"));
  EXPECT_THAT(YamlError("base: &b {a: 1}\nother:\n  <<: *b\n"),
              HasSubstr("line 3, column 3: merge keys (<<) are not supported"));
}

TEST(YamlTest, OneDocumentOnly) {
  EXPECT_EQ(Yaml("---\na: 1\n...\n"), json::parse(R"({"a": 1})"));
  EXPECT_EQ(Yaml("%YAML 1.1\n---\na: 1\n"), json::parse(R"({"a": 1})"));
  EXPECT_EQ(YamlError("a: 1\n---\nb: 2\n"),
            "line 2, column 1: the file holds more than one YAML document (a second \"---\"?)");
  EXPECT_THAT(YamlError("---\na: 1\n---\n"), HasSubstr("more than one YAML document"));
}

TEST(YamlTest, EmptyInputIsAnError) {
  for (const char* text : {"", "   \n\n", "# only a comment\n"}) {
    EXPECT_THAT(YamlError(text), HasSubstr("the file holds no YAML document")) << text;
  }
  EXPECT_THAT(YamlError("---\n"), HasSubstr("the YAML document is empty"));
  EXPECT_THAT(YamlError("--- # nothing\n...\n"), HasSubstr("the YAML document is empty"));
  // An explicit null is a document.
  EXPECT_EQ(Yaml("~"), json(nullptr));
  EXPECT_EQ(Yaml("plain text"), json("plain text"));
}

TEST(YamlTest, SyntaxErrorsCarryLineAndColumn) {
  EXPECT_EQ(YamlError("a: 1\nb: 2\nc: d: e\n"),
            "line 3, column 5: mapping values are not allowed in this context");
  EXPECT_THAT(YamlError("a: [1, 2\nb: 3\n"), HasSubstr("line 2, column 2: did not find expected"));
  EXPECT_THAT(YamlError("a: 'open\n"), HasSubstr("found unexpected end of stream"));
  EXPECT_THAT(YamlError("a:\n\t- 1\n"), HasSubstr("line 2, column 1: found character that cannot "
                                                  "start any token"));
  EXPECT_THAT(YamlError("a: 1\n b: 2\n"), HasSubstr("line 2, column 3:"));
  EXPECT_THAT(YamlError("ok: 1\nbad: \"\xFF\"\n"),
              HasSubstr("line 2, column 7: invalid leading UTF-8 octet (0xFF)"));
}

std::string Nested(int depth, bool flow) {
  std::string text;
  if (flow) return std::string(depth, '[') + "1" + std::string(depth, ']');
  for (int i = 0; i < depth; ++i) text += std::string(2 * i, ' ') + "k:\n";
  return text + std::string(2 * depth, ' ') + "leaf\n";
}

TEST(YamlTest, DeepNestingIsRejected) {
  json value = Yaml(Nested(kYamlMaxDepth, /*flow=*/true));
  for (int i = 0; i < kYamlMaxDepth; ++i) value = json(value.at(0));
  EXPECT_EQ(value, 1);
  EXPECT_THAT(YamlError(Nested(kYamlMaxDepth + 1, /*flow=*/true)),
              HasSubstr("line 1, column 101: nesting deeper than 100 levels"));
  EXPECT_TRUE(YamlToJson(Nested(kYamlMaxDepth, /*flow=*/false)).has_value());
  EXPECT_THAT(YamlError(Nested(kYamlMaxDepth + 1, /*flow=*/false)),
              HasSubstr("nesting deeper than 100 levels"));
  EXPECT_THAT(YamlError(Nested(100'000, /*flow=*/true)), HasSubstr("nesting deeper"));
}

TEST(YamlTest, InfinityAndNanAreRejected) {
  for (const char* text : {".inf", "-.inf", "+.Inf", ".INF", ".nan", ".NaN", ".NAN"}) {
    EXPECT_THAT(YamlError(std::string("x: ") + text),
                HasSubstr(std::string("line 1, column 4: ") + text +
                          " is not allowed: JSON has no infinity or NaN"));
  }
  EXPECT_THAT(YamlError("x: 1e400"), HasSubstr("out of range"));
  EXPECT_EQ(Yaml("x: '.inf'"), json::parse(R"({"x": ".inf"})"));
  EXPECT_EQ(Yaml("x: .infinity"), json::parse(R"({"x": ".infinity"})"));
}

TEST(YamlTest, IntegersOutsideInt64AreErrors) {
  EXPECT_THAT(YamlError("n: 9223372036854775808"),
              HasSubstr("line 1, column 4: the integer 9223372036854775808 does not fit in 64 "
                        "bits"));
  EXPECT_THAT(YamlError("n: -9223372036854775809"), HasSubstr("does not fit in 64 bits"));
  EXPECT_THAT(YamlError("n: 0xFFFFFFFFFFFFFFFFFF"), HasSubstr("does not fit in 64 bits"));
  EXPECT_EQ(Yaml("n: '9223372036854775808'"), json::parse(R"({"n": "9223372036854775808"})"));
}

TEST(YamlTest, CoreTagsAreHonouredOthersRejected) {
  const json value = Yaml(R"(
str: !!str 123
int: !!int "42"
float: !!float 1
bool: !!bool "false"
null: !!null ""
plain: ! 12
map: !!map {a: 1}
seq: !!seq [1]
)");
  EXPECT_EQ(value, json::parse(R"({"str": "123", "int": 42, "float": 1.0, "bool": false,
                                   "null": null, "plain": "12", "map": {"a": 1}, "seq": [1]})"));
  EXPECT_TRUE(value["float"].is_number_float());
  EXPECT_THAT(YamlError("a: !!int abc"), HasSubstr("line 1, column 4: \"abc\" is not an integer"));
  EXPECT_THAT(YamlError("a: !!bool yes"), HasSubstr("\"yes\" is not a !!bool"));
  EXPECT_THAT(YamlError("a: !!float .nan"), HasSubstr("JSON has no infinity or NaN"));
  EXPECT_THAT(YamlError("a: !!binary aGk="), HasSubstr("the tag !!binary is not supported"));
  EXPECT_THAT(YamlError("a: !secret x"), HasSubstr("the tag !secret is not supported"));
  EXPECT_THAT(YamlError("a: !!set {x: ~}"),
              HasSubstr("the tag !!set is not supported on a mapping"));
  EXPECT_THAT(YamlError("a: !!map [1]"), HasSubstr("the tag !!map is not supported on a sequence"));
  EXPECT_THAT(YamlError("!custom k: v"), HasSubstr("the tag !custom is not supported"));
}

TEST(YamlTest, StringsKeepTheirBytes) {
  const json value = Yaml("a: \"nul\\0byte\"\nb: Zürich ✓\n");
  EXPECT_EQ(value["a"].get<std::string>(), std::string("nul\0byte", 8));
  EXPECT_EQ(value["b"], "Zürich ✓");
}

TEST(YamlTest, RealisticWorkflow) {
  const json value = Yaml(R"(# nightly ETL, written by hand
name: nightly-etl
description: >-
  Extracts, transforms and loads
  every night.
status: ACTIVE
tags: [etl, nightly]
trigger: SCHEDULE
schedule:
  cron: "0 2 * * *"
  timezone: Europe/Zurich
nodes:
  - id: extract
    eventId: evt_01HZX3
    label: Extract
    position: {x: 0, y: 120}
  - id: transform
    eventId: evt_01HZX4
    position:
      x: 240.5
      y: 120
  - id: notify
    eventId: "0042"   # quoted: stays a string
    position: {x: 480, y: -40}
edges:
  - {from: extract, to: transform, kind: ON_SUCCESS}
  - from: transform
    to: notify
    kind: ON_FAILURE
shared: false
)");
  EXPECT_EQ(value, json::parse(R"({
    "name": "nightly-etl",
    "description": "Extracts, transforms and loads every night.",
    "status": "ACTIVE",
    "tags": ["etl", "nightly"],
    "trigger": "SCHEDULE",
    "schedule": {"cron": "0 2 * * *", "timezone": "Europe/Zurich"},
    "nodes": [
      {"id": "extract", "eventId": "evt_01HZX3", "label": "Extract",
       "position": {"x": 0, "y": 120}},
      {"id": "transform", "eventId": "evt_01HZX4", "position": {"x": 240.5, "y": 120}},
      {"id": "notify", "eventId": "0042", "position": {"x": 480, "y": -40}}
    ],
    "edges": [
      {"from": "extract", "to": "transform", "kind": "ON_SUCCESS"},
      {"from": "transform", "to": "notify", "kind": "ON_FAILURE"}
    ],
    "shared": false
  })"));
  EXPECT_EQ(value.dump(),
            R"({"description":"Extracts, transforms and loads every night.","edges":[)"
            R"({"from":"extract","kind":"ON_SUCCESS","to":"transform"},)"
            R"({"from":"transform","kind":"ON_FAILURE","to":"notify"}],"name":"nightly-etl",)"
            R"("nodes":[{"eventId":"evt_01HZX3","id":"extract","label":"Extract",)"
            R"("position":{"x":0,"y":120}},{"eventId":"evt_01HZX4","id":"transform",)"
            R"("position":{"x":240.5,"y":120}},{"eventId":"0042","id":"notify",)"
            R"("position":{"x":480,"y":-40}}],"schedule":{"cron":"0 2 * * *",)"
            R"("timezone":"Europe/Zurich"},"shared":false,"status":"ACTIVE",)"
            R"("tags":["etl","nightly"],"trigger":"SCHEDULE"})");
}

TEST(ParseDefinitionTest, JsonPassesThrough) {
  const std::string text = R"(
  {"name": "wf", "nodes": [{"id": "a", "position": {"x": 1.5, "y": 2}}], "edges": []})";
  Result<json> value = ParseDefinition(text);
  ASSERT_TRUE(value.has_value()) << value.error().message;
  EXPECT_EQ(*value, json::parse(text));

  value = ParseDefinition("[1, 2]");
  ASSERT_TRUE(value.has_value()) << value.error().message;
  EXPECT_EQ(*value, json::parse("[1, 2]"));
}

TEST(ParseDefinitionTest, JsonErrorsNameTheByte) {
  Result<json> value = ParseDefinition(R"({"name": "wf",})");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(value.error().message, HasSubstr("invalid JSON at byte 15: "));
  EXPECT_THAT(value.error().message, Not(HasSubstr("json.exception")));

  // A flow-style YAML mapping starts like JSON and is read as JSON.
  value = ParseDefinition("{a: 1}");
  ASSERT_FALSE(value.has_value());
  EXPECT_THAT(value.error().message, HasSubstr("invalid JSON at byte 2"));
}

TEST(ParseDefinitionTest, JsonNestingIsLimitedToo) {
  EXPECT_TRUE(ParseDefinition(Nested(kYamlMaxDepth, /*flow=*/true)).has_value());
  Result<json> value = ParseDefinition(Nested(kYamlMaxDepth + 1, /*flow=*/true));
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().message, "nesting deeper than 100 levels");
}

TEST(ParseDefinitionTest, OtherwiseYaml) {
  Result<json> value = ParseDefinition("\n  # comment\nname: wf\nnodes: []\n");
  ASSERT_TRUE(value.has_value()) << value.error().message;
  EXPECT_EQ(*value, json::parse(R"({"name": "wf", "nodes": []})"));

  value = ParseDefinition("");
  ASSERT_FALSE(value.has_value());
  EXPECT_THAT(value.error().message, HasSubstr("no YAML document"));
}

}  // namespace
}  // namespace cronium::cli

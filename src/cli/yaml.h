#pragma once

// Reading definition files (workflows, events) written in YAML or JSON into JSON values for the
// REST API. The YAML side is libyaml's event parser; libyaml stays inside yaml.cc.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "base/error.h"

namespace cronium::cli {

// Limits on what YamlToJson (and ParseDefinition) accepts.
inline constexpr int kYamlMaxDepth = 100;  // nested mappings and sequences
// Nodes the document may produce, counting every copy an alias makes (and the copy kept of each
// anchored node), so that "billion laughs" documents fail fast.
inline constexpr int64_t kYamlMaxNodes = 1'000'000;

// Converts a YAML document (YAML 1.2 core schema) to JSON:
//  - the text must hold exactly one document, and it must not be empty;
//  - mappings become objects: keys must be scalars and are taken as written (`1: a` gives the
//    key "1"), a duplicate key is an error, merge keys (`<<`) are not supported;
//  - sequences become arrays;
//  - plain (unquoted) scalars: `null`, `~` and nothing are null; true/True/TRUE and
//    false/False/FALSE are booleans; decimal integers with an optional sign (`010` is 10), 0x hex
//    and 0o octal are integers, and one outside int64 is an error rather than a rounded double;
//    decimals and exponents (`1.5`, `-2e3`) are doubles (one beyond a double's range, `1e400`,
//    is an error), while `.inf` and `.nan` are errors since JSON has neither; everything else
//    (`yes`, `on`, `2024-01-01`, `1_000`) is a string;
//  - quoted and block (`|`, `>`) scalars are strings;
//  - aliases are copies of their anchored node;
//  - the tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map are honoured, any other tag
//    is an error.
// Errors are InvalidArgument and start with "line L, column C: " (1-based) where the input has a
// position to blame: syntax errors as libyaml words them, duplicate keys, nesting deeper than
// kYamlMaxDepth, more than kYamlMaxNodes nodes ("too many aliases" when aliases made them).
Result<nlohmann::json> YamlToJson(std::string_view text);

// Parses a definition file: as JSON when its first non-blank character is `{` or `[` (errors
// name the byte offset), else as YAML with YamlToJson. Both have the same nesting limit.
Result<nlohmann::json> ParseDefinition(std::string_view text);

}  // namespace cronium::cli

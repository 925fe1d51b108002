#include "cli/yaml.h"

#include <fmt/format.h>
#include <yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cronium::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

std::string At(const yaml_mark_t& mark) {
  return fmt::format("line {}, column {}: ", mark.line + 1, mark.column + 1);
}

// "tag:yaml.org,2002:str" as the user wrote it ("!!str"); other tags unchanged.
std::string ShortTag(std::string_view tag) {
  if (tag.starts_with(kTagPrefix)) return "!!" + std::string(tag.substr(kTagPrefix.size()));
  return std::string(tag);
}

std::string_view AsView(const yaml_char_t* text) {
  return text == nullptr ? std::string_view() : reinterpret_cast<const char*>(text);
}

bool IsDigit(char c, int base) {
  if (base == 16) return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  return c >= '0' && c < static_cast<char>('0' + base);
}

bool IsNull(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

std::optional<bool> AsBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

bool IsInfOrNan(std::string_view text) {
  if (text == ".nan" || text == ".NaN" || text == ".NAN") return true;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  return text == ".inf" || text == ".Inf" || text == ".INF";
}

enum class Number { kNo, kYes, kOutOfRange };

// YAML 1.2 core integers: [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+.
Number ParseInt(std::string_view text, int64_t& out) {
  int base = 10;
  bool negative = false;
  if (text.starts_with("0x") || text.starts_with("0o")) {
    base = text[1] == 'x' ? 16 : 8;
    text.remove_prefix(2);
  } else if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return Number::kNo;
  for (const char c : text) {
    if (!IsDigit(c, base)) return Number::kNo;
  }
  uint64_t magnitude = 0;
  const char* last = text.data() + text.size();
  const auto [end, error] = std::from_chars(text.data(), last, magnitude, base);
  if (error == std::errc::result_out_of_range) return Number::kOutOfRange;
  if (error != std::errc() || end != last) return Number::kNo;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (magnitude > kMax + (negative ? 1 : 0)) return Number::kOutOfRange;
  // -(2^63) does not fit as a positive int64, hence the unsigned negation.
  out = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
  return Number::kYes;
}

// YAML 1.2 core floats without .inf/.nan: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
Number ParseFloat(std::string_view text, double& out) {
  size_t i = !text.empty() && (text[0] == '+' || text[0] == '-') ? 1 : 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < text.size() && IsDigit(text[i], 10)) ++i;
    return i - start;
  };
  size_t mantissa = digits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return Number::kNo;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return Number::kNo;
  }
  if (i != text.size()) return Number::kNo;
  if (text[0] == '+') text.remove_prefix(1);  // from_chars takes no '+'
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error == std::errc::result_out_of_range) return Number::kOutOfRange;
  return error == std::errc() && end == text.data() + text.size() ? Number::kYes : Number::kNo;
}

Result<json> ResolveInt(std::string_view text, const yaml_mark_t& mark) {
  int64_t value = 0;
  switch (ParseInt(text, value)) {
    case Number::kYes:
      return json(value);
    case Number::kOutOfRange:
      return InvalidArgument(At(mark) + fmt::format("the integer {} does not fit in 64 bits "
                                                    "(quote it to keep it as text)",
                                                    text));
    case Number::kNo:
      break;
  }
  return InvalidArgument(At(mark) + fmt::format("\"{}\" is not an integer", text));
}

Result<json> ResolveFloat(std::string_view text, const yaml_mark_t& mark) {
  if (IsInfOrNan(text)) {
    return InvalidArgument(At(mark) + fmt::format("{} is not allowed: JSON has no infinity or NaN "
                                                  "(quote it to keep it as text)",
                                                  text));
  }
  double value = 0;
  switch (ParseFloat(text, value)) {
    case Number::kYes:
      return json(value);
    case Number::kOutOfRange:
      return InvalidArgument(At(mark) + fmt::format("the number {} is out of range for a double "
                                                    "(quote it to keep it as text)",
                                                    text));
    case Number::kNo:
      break;
  }
  return InvalidArgument(At(mark) + fmt::format("\"{}\" is not a number", text));
}

// An untagged plain scalar, resolved with the YAML 1.2 core schema.
Result<json> ResolvePlain(std::string_view text, const yaml_mark_t& mark) {
  if (IsNull(text)) return json(nullptr);
  if (const std::optional<bool> value = AsBool(text)) return json(*value);
  const char first = text[0];
  if (first != '-' && first != '+' && first != '.' && !IsDigit(first, 10)) {
    return json(std::string(text));
  }
  int64_t integer = 0;
  switch (ParseInt(text, integer)) {
    case Number::kYes:
      return json(integer);
    case Number::kOutOfRange:
      return ResolveInt(text, mark);  // the error
    case Number::kNo:
      break;
  }
  double real = 0;
  if (IsInfOrNan(text) || ParseFloat(text, real) != Number::kNo) return ResolveFloat(text, mark);
  return json(std::string(text));
}

// A scalar's value by its tag (explicit or implied by its style).
Result<json> ResolveScalar(const yaml_event_t& event) {
  const auto& scalar = event.data.scalar;
  const std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
  const std::string_view tag = AsView(scalar.tag);
  const yaml_mark_t& mark = event.start_mark;
  if (tag.empty()) {
    if (scalar.style == YAML_PLAIN_SCALAR_STYLE) return ResolvePlain(text, mark);
    return json(std::string(text));
  }
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return json(std::string(text));
  if (tag == "tag:yaml.org,2002:null") {
    if (IsNull(text)) return json(nullptr);
    return InvalidArgument(At(mark) + fmt::format("\"{}\" is not a !!null", text));
  }
  if (tag == "tag:yaml.org,2002:bool") {
    if (const std::optional<bool> value = AsBool(text)) return json(*value);
    return InvalidArgument(At(mark) + fmt::format("\"{}\" is not a !!bool", text));
  }
  if (tag == "tag:yaml.org,2002:int") return ResolveInt(text, mark);
  if (tag == "tag:yaml.org,2002:float") {
    int64_t integer = 0;
    if (ParseInt(text, integer) == Number::kYes) return json(static_cast<double>(integer));
    return ResolveFloat(text, mark);
  }
  return InvalidArgument(At(mark) +
                         fmt::format("the tag {} is not supported on a scalar", ShortTag(tag)));
}

// libyaml's objects, released on every path.
class YamlParser {
 public:
  YamlParser() { initialized_ = yaml_parser_initialize(&parser_) != 0; }
  ~YamlParser() {
    if (initialized_) yaml_parser_delete(&parser_);
  }
  YamlParser(const YamlParser&) = delete;
  YamlParser& operator=(const YamlParser&) = delete;

  bool initialized() const { return initialized_; }
  yaml_parser_t* get() { return &parser_; }

 private:
  yaml_parser_t parser_{};
  bool initialized_ = false;
};

class YamlEvent {
 public:
  YamlEvent() = default;
  ~YamlEvent() {
    if (live_) yaml_event_delete(&event_);
  }
  YamlEvent(const YamlEvent&) = delete;
  YamlEvent& operator=(const YamlEvent&) = delete;

  // False on a syntax error (the parser holds the problem).
  bool Next(yaml_parser_t* parser) {
    live_ = yaml_parser_parse(parser, &event_) != 0;
    return live_;
  }
  const yaml_event_t& get() const { return event_; }

 private:
  yaml_event_t event_{};
  bool live_ = false;
};

// The 1-based line and column of a byte offset in `text`.
std::pair<size_t, size_t> LineColumnAt(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, offset - line_start + 1};
}

std::string ParserError(const yaml_parser_t& parser, std::string_view text) {
  const std::string problem = parser.problem != nullptr ? parser.problem : "invalid YAML";
  switch (parser.error) {
    case YAML_READER_ERROR: {
      const auto [line, column] = LineColumnAt(text, parser.problem_offset);
      std::string message = fmt::format("line {}, column {}: {}", line, column, problem);
      if (parser.problem_value != -1) message += fmt::format(" (0x{:02X})", parser.problem_value);
      return message;
    }
    default:
      break;
  }
  std::string message = At(parser.problem_mark) + problem;
  if (parser.context != nullptr) {
    message += fmt::format(" ({} that starts at line {}, column {})", parser.context,
                           parser.context_mark.line + 1, parser.context_mark.column + 1);
  }
  return message;
}

// Builds the JSON value from libyaml's events with an explicit stack of open collections.
class Converter {
 public:
  explicit Converter(std::string_view text) : text_(text) {}

  Result<json> Run() {
    YamlParser parser;
    if (!parser.initialized()) return Internal("cannot start the YAML parser (out of memory)");
    // libyaml wants a non-null pointer even for no input.
    const char* data = text_.empty() ? "" : text_.data();
    yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(data),
                                 text_.size());
    int documents = 0;
    for (;;) {
      YamlEvent event;
      if (!event.Next(parser.get())) {
        if (parser.get()->error == YAML_MEMORY_ERROR) {
          return Internal("out of memory while reading the YAML");
        }
        return InvalidArgument(ParserError(*parser.get(), text_));
      }
      const yaml_event_t& e = event.get();
      switch (e.type) {
        case YAML_STREAM_END_EVENT:
          if (documents == 0) {
            return InvalidArgument(
                "the file holds no YAML document (it is empty or only comments)");
          }
          return std::move(*root_);
        case YAML_DOCUMENT_START_EVENT:
          if (++documents > 1) {
            return InvalidArgument(At(e.start_mark) +
                                   "the file holds more than one YAML "
                                   "document (a second \"---\"?)");
          }
          break;
        case YAML_SCALAR_EVENT:
          CRONIUM_RETURN_IF_ERROR(OnScalar(e));
          break;
        case YAML_ALIAS_EVENT:
          CRONIUM_RETURN_IF_ERROR(OnAlias(e));
          break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
          CRONIUM_RETURN_IF_ERROR(OnCollectionStart(e));
          break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
          CRONIUM_RETURN_IF_ERROR(OnCollectionEnd(e));
          break;
        default:  // stream start, document end
          break;
      }
    }
  }

 private:
  struct Frame {
    json value;  // an object or an array
    std::string anchor;
    int64_t created_before = 0;  // created_ when the collection started
    // Mappings: the key waiting for its value, and the line of every key so far.
    std::optional<std::string> key;
    std::map<std::string, size_t, std::less<>> key_lines;
  };
  struct Anchored {
    json value;
    int64_t nodes = 0;
    std::optional<std::string> scalar_text;  // for a scalar: its text, to serve as a key
  };

  bool InKeyPosition() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }

  // Counts `nodes` new nodes (`copy_only`: copies kept for anchors, which are in no subtree).
  Status Charge(int64_t nodes, const yaml_mark_t& mark, bool copy_only = false) {
    if (budget_ + nodes > kYamlMaxNodes) {
      if (saw_alias_) {
        return InvalidArgument(At(mark) + fmt::format("too many aliases: the document would "
                                                      "expand to more than {} nodes",
                                                      kYamlMaxNodes));
      }
      return InvalidArgument(At(mark) +
                             fmt::format("the document has more than {} nodes", kYamlMaxNodes));
    }
    budget_ += nodes;
    if (!copy_only) created_ += nodes;
    return OkStatus();
  }

  Status Anchor(std::string_view name, Anchored anchored, const yaml_mark_t& mark) {
    CRONIUM_RETURN_IF_ERROR(Charge(anchored.nodes, mark, /*copy_only=*/true));
    anchors_.insert_or_assign(std::string(name), std::move(anchored));
    return OkStatus();
  }

  Status SetKey(std::string key, const yaml_mark_t& mark) {
    Frame& top = stack_.back();
    const auto [it, inserted] = top.key_lines.try_emplace(key, mark.line + 1);
    if (!inserted) {
      return InvalidArgument(
          At(mark) + fmt::format("duplicate key \"{}\" (first at line {})", key, it->second));
    }
    top.key = std::move(key);
    return OkStatus();
  }

  // Places a finished node in its parent (or as the document).
  void Add(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(value));
    } else {
      top.value[*top.key] = std::move(value);
      top.key.reset();
    }
  }

  Status OnScalar(const yaml_event_t& e) {
    const auto& scalar = e.data.scalar;
    const std::string_view text(reinterpret_cast<const char*>(scalar.value), scalar.length);
    const bool plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nullptr;
    if (InKeyPosition()) {
      // Keys are taken as written; the tag is still checked.
      if (scalar.tag != nullptr) CRONIUM_RETURN_IF_ERROR(ResolveScalar(e));
      if (plain && text == "<<") {
        return InvalidArgument(At(e.start_mark) +
                               "merge keys (<<) are not supported; write the keys out");
      }
      CRONIUM_RETURN_IF_ERROR(Charge(1, e.start_mark));
      if (scalar.anchor != nullptr) {
        CRONIUM_RETURN_IF_ERROR(Anchor(AsView(scalar.anchor),
                                       Anchored{json(std::string(text)), 1, std::string(text)},
                                       e.start_mark));
      }
      return SetKey(std::string(text), e.start_mark);
    }
    if (stack_.empty() && plain && text.empty()) {
      return InvalidArgument(At(e.start_mark) + "the YAML document is empty");
    }
    CRONIUM_ASSIGN_OR_RETURN(json value, ResolveScalar(e));
    CRONIUM_RETURN_IF_ERROR(Charge(1, e.start_mark));
    if (scalar.anchor != nullptr) {
      CRONIUM_RETURN_IF_ERROR(
          Anchor(AsView(scalar.anchor), Anchored{value, 1, std::string(text)}, e.start_mark));
    }
    Add(std::move(value));
    return OkStatus();
  }

  Status OnAlias(const yaml_event_t& e) {
    const std::string_view name = AsView(e.data.alias.anchor);
    const auto it = anchors_.find(std::string(name));
    if (it == anchors_.end()) {
      for (const Frame& frame : stack_) {
        if (frame.anchor == name) {
          return InvalidArgument(At(e.start_mark) +
                                 fmt::format("the alias *{} is inside the node it names", name));
        }
      }
      return InvalidArgument(At(e.start_mark) +
                             fmt::format("the alias *{} has no anchor &{} before it", name, name));
    }
    saw_alias_ = true;
    const Anchored& anchored = it->second;
    if (InKeyPosition()) {
      if (!anchored.scalar_text) {
        return InvalidArgument(At(e.start_mark) + "mapping keys must be scalars");
      }
      CRONIUM_RETURN_IF_ERROR(Charge(1, e.start_mark));
      return SetKey(*anchored.scalar_text, e.start_mark);
    }
    CRONIUM_RETURN_IF_ERROR(Charge(anchored.nodes, e.start_mark));
    Add(anchored.value);
    return OkStatus();
  }

  Status OnCollectionStart(const yaml_event_t& e) {
    const bool mapping = e.type == YAML_MAPPING_START_EVENT;
    const std::string_view tag =
        AsView(mapping ? e.data.mapping_start.tag : e.data.sequence_start.tag);
    const std::string_view anchor =
        AsView(mapping ? e.data.mapping_start.anchor : e.data.sequence_start.anchor);
    if (InKeyPosition()) return InvalidArgument(At(e.start_mark) + "mapping keys must be scalars");
    if (!tag.empty() && tag != "!" &&
        tag != (mapping ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq")) {
      return InvalidArgument(At(e.start_mark) + fmt::format("the tag {} is not supported on a {}",
                                                            ShortTag(tag),
                                                            mapping ? "mapping" : "sequence"));
    }
    if (stack_.size() >= static_cast<size_t>(kYamlMaxDepth)) {
      return InvalidArgument(At(e.start_mark) +
                             fmt::format("nesting deeper than {} levels", kYamlMaxDepth));
    }
    const int64_t created_before = created_;
    CRONIUM_RETURN_IF_ERROR(Charge(1, e.start_mark));
    stack_.push_back(Frame{.value = mapping ? json::object() : json::array(),
                           .anchor = std::string(anchor),
                           .created_before = created_before});
    return OkStatus();
  }

  Status OnCollectionEnd(const yaml_event_t& e) {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (!frame.anchor.empty()) {
      CRONIUM_RETURN_IF_ERROR(Anchor(
          frame.anchor, Anchored{frame.value, created_ - frame.created_before, {}}, e.start_mark));
    }
    Add(std::move(frame.value));
    return OkStatus();
  }

  std::string_view text_;
  std::vector<Frame> stack_;
  std::unordered_map<std::string, Anchored> anchors_;
  std::optional<json> root_;
  int64_t created_ = 0;  // nodes in the document, alias copies included
  int64_t budget_ = 0;   // created_ plus the copies kept for anchors
  bool saw_alias_ = false;
};

std::string_view WithoutExceptionId(std::string_view what) {
  // nlohmann's messages start with "[json.exception.parse_error.101] ".
  if (what.starts_with("[json.exception.")) {
    const size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  return what;
}

Result<json> ParseJson(std::string_view text) {
  bool too_deep = false;
  const json::parser_callback_t check_depth = [&too_deep](int depth, json::parse_event_t event,
                                                          json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kYamlMaxDepth) {
      too_deep = true;
    }
    return true;
  };
  json value;
  try {
    value = json::parse(text, check_depth);
  } catch (const json::parse_error& e) {
    return InvalidArgument(
        fmt::format("invalid JSON at byte {}: {}", e.byte, WithoutExceptionId(e.what())));
  } catch (const json::exception& e) {
    return InvalidArgument(fmt::format("invalid JSON: {}", WithoutExceptionId(e.what())));
  }
  if (too_deep) return InvalidArgument(fmt::format("nesting deeper than {} levels", kYamlMaxDepth));
  return value;
}

}  // namespace

Result<json> YamlToJson(std::string_view text) { return Converter(text).Run(); }

Result<json> ParseDefinition(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    return ParseJson(text);
  }
  return YamlToJson(text);
}

}  // namespace cronium::cli

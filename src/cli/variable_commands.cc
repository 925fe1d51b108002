// cronium var ...: the caller's script variables.

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "base/utf8.h"
#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {
namespace {

// The most `var list` fetches: a user's limit on the server.
constexpr int kMaxVariables = 10'000;

// A key in the path, whole: every byte but letters, digits, '-', '_' and '~' is encoded, so '/'
// is %2F and a key of dots is no "." or ".." segment for curl to resolve.
std::string VariablePath(const std::string& key) {
  std::string encoded;
  for (char c : http::PercentEncode(key))
    encoded += c == '.' ? std::string("%2E") : std::string(1, c);
  return "/api/v1/variables/" + encoded;
}

// An empty key would name the list, not a variable.
bool CheckKey(CliState& state, const std::string& key) {
  if (!key.empty()) return true;
  state.exit_code = Fail(Error{ErrorCode::kInvalidArgument, "the key must not be empty"});
  return false;
}

// A key in a message: as it is, or JSON-quoted when spaces, quotes or emptiness would blur it.
std::string ShowKey(const std::string& key) {
  const bool plain = !key.empty() && key.find_first_of(" \t\"'") == std::string::npos;
  return plain ? key : json(key).dump();
}

std::string CompactJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// At most `max` columns, ending in "…" when cut.
std::string Cut(const std::string& text, size_t max) {
  if (Width(text) <= max) return text;
  size_t end = 0;
  size_t width = 0;
  while (end < text.size()) {
    size_t next = end + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    const size_t char_width = Width(text.substr(end, next - end));
    if (width + char_width > max - 1) break;
    width += char_width;
    end = next;
  }
  return text.substr(0, end) + "\u2026";
}

// Fetches variables page by page (following nextCursor) up to `limit`. Returns the shape of one
// page: items, and nextCursor (the last key shown) only when more are left.
Result<json> FetchVariables(ApiClient& client, const std::string& prefix, size_t limit) {
  json items = json::array();
  std::string cursor;
  for (;;) {
    // One more than wanted tells whether more are left.
    const size_t page = std::min<size_t>(200, limit - items.size() + 1);
    std::string path = "/api/v1/variables?limit=" + std::to_string(page);
    if (!prefix.empty()) path += "&prefix=" + http::PercentEncode(prefix);
    if (!cursor.empty()) path += "&cursor=" + http::PercentEncode(cursor);
    CRONIUM_ASSIGN_OR_RETURN(json answer, client.Call("GET", path));
    if (!answer.is_object() || !answer["items"].is_array()) {
      return Internal("the server sent a variable list without items");
    }
    for (auto& item : answer["items"]) items.push_back(std::move(item));
    if (items.size() > limit) {
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(limit), items.end());
      json next = items.empty() ? json(nullptr) : items.back()["key"];
      return json{{"items", std::move(items)}, {"nextCursor", std::move(next)}};
    }
    const json& next = answer["nextCursor"];
    // The last page, or one that brings nothing new, ends the walk.
    if (!next.is_string() || answer["items"].empty() || next.get<std::string>() == cursor) {
      return json{{"items", std::move(items)}, {"nextCursor", nullptr}};
    }
    cursor = next.get<std::string>();
  }
}

// Reports a failed call on one variable; a 404 of the variable (not of the endpoint) is "no
// variable KEY".
void ReportVariableError(CliState& state, const Error& error, const std::string& key) {
  if (error.code == ErrorCode::kNotFound && error.message.rfind("no such endpoint", 0) != 0) {
    std::cerr << "error: no variable " << ShowKey(key) << " (see them with: cronium var list)\n";
    state.exit_code = 1;
    return;
  }
  state.exit_code = Fail(error);
}

// The value of `var set`: JSON when it parses, else a string; `--string` keeps it a string; "-"
// reads stdin (one trailing newline dropped from a string).
Result<json> ParseVariableValue(std::string text, bool as_string) {
  bool from_stdin = false;
  if (text == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    if (std::cin.bad()) return InvalidArgument("cannot read the value from stdin");
    text = in.str();
    from_stdin = true;
  }
  if (!as_string) {
    try {
      return json::parse(text);
    } catch (const json::exception& error) {
      // Text that starts like a JSON object, array or string but does not parse is most likely
      // a typo in JSON; storing it as a string would hide that.
      const size_t first = text.find_first_not_of(" \t\r\n");
      if (first != std::string::npos &&
          (text[first] == '{' || text[first] == '[' || text[first] == '"')) {
        std::string why = error.what();
        constexpr std::string_view kLead = "parse error ";
        if (const size_t at = why.find(kLead); at != std::string::npos) {
          why = why.substr(at + kLead.size());
        }
        return InvalidArgument(fmt::format(
            "the value starts like JSON but is not valid JSON ({}). Fix it, or add --string to "
            "store the text as it is",
            why));
      }
    }
  }
  if (from_stdin && !text.empty() && text.back() == '\n') {
    text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }
  if (!IsValidUtf8(text)) {
    return InvalidArgument(
        "the value is not valid UTF-8; variables hold JSON, whose text is UTF-8");
  }
  return json(std::move(text));
}

}  // namespace

void AddVariableCommands(CLI::App& app, CliState& state) {
  auto* var = app.add_subcommand(
      "var", "List, read, set and delete your variables (the JSON values your scripts share)");
  var->alias("variable");
  var->require_subcommand(1);
  {
    auto* cmd = var->add_subcommand("list", "List your variables, by key");
    auto common = std::make_shared<Common>();
    auto prefix = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(0);
    AddCommon(cmd, *common);
    cmd->add_option("--prefix", *prefix, "Only keys that start with this");
    auto* limit_option = cmd->add_option(
        "--limit", *limit, fmt::format("At most this many (1-{}; default: all)", kMaxVariables));
    cmd->callback([&state, common, prefix, limit, limit_option] {
      if (limit_option->count() > 0 && (*limit < 1 || *limit > kMaxVariables)) {
        return void(
            state.exit_code = Fail(
                Error{ErrorCode::kInvalidArgument,
                      fmt::format("--limit: from 1 to {} (leave it out for all)", kMaxVariables)}));
      }
      const size_t wanted = static_cast<size_t>(limit_option->count() > 0 ? *limit : kMaxVariables);
      ApiClient client = MakeClient(*common);
      auto list = FetchVariables(client, *prefix, wanted);
      if (!list) return void(state.exit_code = Fail(list.error()));
      if (common->json_output) return void(std::cout << list->dump(2) << "\n");
      const json& items = (*list)["items"];
      if (items.empty()) {
        if (prefix->empty()) {
          std::cout << "No variables. Set one with: cronium var set KEY VALUE\n";
        } else {
          std::cout << "No variables start with " << ShowKey(*prefix) << ".\n";
        }
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& v : items) {
        rows.push_back({Str(v["key"]), Cut(CompactJson(v["value"]), 60), Str(v["version"]),
                        Str(v["updatedAt"]), Str(v["updatedBy"])});
      }
      PrintTable({"KEY", "VALUE", "VERSION", "UPDATED", "UPDATED BY"}, rows);
      if (!(*list)["nextCursor"].is_null()) {
        std::cerr << (limit_option->count() > 0
                          ? std::string("More variables follow; raise --limit or narrow the list "
                                        "with --prefix.\n")
                          : fmt::format("Showing the first {} variables; narrow the list with "
                                        "--prefix.\n",
                                        kMaxVariables));
      }
    });
  }
  {
    auto* cmd = var->add_subcommand(
        "get", "Print a variable's value: a string as it is, anything else as JSON");
    auto common = std::make_shared<Common>();
    auto key = std::make_shared<std::string>();
    AddCommon(cmd, *common);
    cmd->add_option("key", *key, "Variable key")->required();
    cmd->callback([&state, common, key] {
      if (!CheckKey(state, *key)) return;
      ApiClient client = MakeClient(*common);
      auto variable = client.Call("GET", VariablePath(*key));
      if (!variable) return ReportVariableError(state, variable.error(), *key);
      if (common->json_output) return void(std::cout << variable->dump(2) << "\n");
      const json& value = (*variable)["value"];
      if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        std::cout << text;
        if (text.empty() || text.back() != '\n') std::cout << "\n";
      } else {
        std::cout << value.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
      }
    });
  }
  {
    auto* cmd = var->add_subcommand(
        "set", "Create or replace a variable; the value is JSON when it parses, else a string");
    auto common = std::make_shared<Common>();
    auto key = std::make_shared<std::string>();
    auto value = std::make_shared<std::string>();
    auto as_string = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("key", *key, "Variable key")->required();
    cmd->add_option(
           "value", *value,
           "42, true, null, '{\"a\":1}' or any text; '-' reads stdin (one trailing newline "
           "dropped from text)")
        ->required();
    cmd->add_flag("--string", *as_string, "Store the value as a string even if it is JSON");
    cmd->callback([&state, common, key, value, as_string] {
      if (!CheckKey(state, *key)) return;
      auto parsed = ParseVariableValue(*value, *as_string);
      if (!parsed) return void(state.exit_code = Fail(parsed.error()));
      ApiClient client = MakeClient(*common);
      auto stored = client.Call("PUT", VariablePath(*key), json{{"value", *parsed}}.dump());
      if (!stored) return void(state.exit_code = Fail(stored.error()));
      if (common->json_output) return void(std::cout << stored->dump(2) << "\n");
      std::cout << ((*stored)["version"] == 1 ? "Created" : "Updated") << " variable "
                << ShowKey(*key) << " (version " << Str((*stored)["version"]) << ")\n";
    });
  }
  {
    auto* cmd = var->add_subcommand("delete", "Delete a variable");
    cmd->alias("rm");
    auto common = std::make_shared<Common>();
    auto key = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("key", *key, "Variable key")->required();
    cmd->callback([&state, common, key] {
      if (!CheckKey(state, *key)) return;
      ApiClient client = MakeClient(*common);
      auto deleted = client.Call("DELETE", VariablePath(*key));
      if (!deleted) return ReportVariableError(state, deleted.error(), *key);
      std::cout << "Deleted variable " << ShowKey(*key) << "\n";
    });
  }
}

}  // namespace cronium::cli::internal

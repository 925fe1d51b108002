#include "cli/internal/command_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "http/message.h"

namespace cronium::cli::internal {
namespace {

std::string DefaultServer() {
  const char* env = std::getenv("CRONIUM_SERVER");
  if (env && *env) return env;
  const CliConfig config = LoadConfig();
  return config.server.empty() ? "http://127.0.0.1:8080" : config.server;
}

std::string DefaultToken() {
  const char* env = std::getenv("CRONIUM_TOKEN");
  if (env && *env) return env;
  return LoadConfig().token;
}

}  // namespace

void AddCommon(CLI::App* cmd, Common& common, bool with_json) {
  cmd->add_option("--server", common.server,
                  "URL of the Cronium server (env CRONIUM_SERVER, default http://127.0.0.1:8080)");
  if (with_json) cmd->add_flag("--json", common.json_output, "Print the raw JSON answer");
}

int Fail(const Error& error) {
  std::cerr << "error: " << error.message << "\n";
  return error.code == ErrorCode::kUnavailable ? 3 : 1;
}

void PrintStatusChange(const std::string& kind, const std::string& id,
                       const std::string& new_status, const json& answer) {
  std::string noun = kind;
  if (!noun.empty()) noun[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(noun[0])));
  std::cout << noun << " " << id << " is " << new_status;
  if (answer["schedule"].is_object()) {
    if (new_status == "ACTIVE") {
      std::cout << "; next run " << Str(answer["schedule"]["nextRunAt"]);
    } else {
      std::cout << "; no scheduled runs until `cronium " << kind << " resume " << id << "`";
    }
  }
  std::cout << "\n";
}

void PrintWarnings(const nlohmann::json& answer) {
  if (!answer.contains("warnings")) return;
  for (const auto& warning : answer["warnings"]) {
    if (warning.is_string()) std::cerr << "warning: " << warning.get<std::string>() << "\n";
  }
}

std::string Str(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

namespace {

// Whether a code point takes two columns on a terminal (East Asian wide and full-width forms,
// emoji): enough to keep table columns aligned.
bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

}  // namespace

size_t Width(const std::string& text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 1;
    char32_t c = length == 1 ? lead : lead & (0x3F >> (length - 1));
    for (size_t k = 1; k < length && i + k < text.size(); ++k) {
      c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    width += IsWide(c) ? 2 : 1;
    i += length;
  }
  return width;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = Width(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - Width(row[c]) + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::string DescribeSchedule(const json& sc) {
  std::string what = Str(sc["kind"]);
  std::string days;
  if (sc["cron"].is_string()) {
    what += " '" + sc["cron"].get<std::string>() + "'";
    days = "days " + (sc.contains("dayMatch") ? Str(sc["dayMatch"]) : "-") + ", ";
  }
  if (sc["intervalSeconds"].is_number()) what += " every " + Str(sc["intervalSeconds"]) + "s";
  if (sc["at"].is_string()) what += " at " + Str(sc["at"]);
  return what + " (" + days + "tz " + Str(sc["timezone"]) + ", overlap " +
         Str(sc["overlapPolicy"]) + ", next " + Str(sc["nextRunAt"]) + ", runs " +
         Str(sc["runCount"]) + ")";
}

void PrintLogs(const json& x) {
  const std::string out = x["stdout"].get<std::string>();
  const std::string err = x["stderr"].get<std::string>();
  std::cout << out;
  if (x["stdoutTruncated"].get<bool>()) std::cout << "\n[stdout truncated]\n";
  std::cout.flush();
  std::cerr << err;
  if (x["stderrTruncated"].get<bool>()) std::cerr << "\n[stderr truncated]\n";
}

namespace {

bool IsTerminalStatus(const std::string& status) {
  return status != "QUEUED" && status != "LEASED" && status != "RUNNING";
}

bool IsTerminal(const json& x) { return IsTerminalStatus(x["status"].get<std::string>()); }

}  // namespace

Result<json> WaitForEnd(ApiClient& client, std::string execution_id, bool follow_retries) {
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(
        json x,
        client.Call("GET", "/api/v1/executions/" + http::PercentEncode(execution_id) + "?wait=30"));
    if (!IsTerminal(x)) continue;
    if (!follow_retries || !x.contains("job") || !x["job"].is_object()) return x;
    const json& job = x["job"];
    const std::string next = Str(job["currentExecutionId"]);
    if (IsTerminalStatus(Str(job["status"])) || next == execution_id) return x;
    std::cerr << "Attempt " << Str(x["attempt"]) << " " << Str(x["status"]) << " ("
              << Str(x["endReason"]) << "); retrying as " << next << ", not before "
              << Str(job["runAfter"]) << "\n";
    execution_id = next;
  }
}

std::string ServerOf(const Common& common) {
  return common.server.empty() ? DefaultServer() : common.server;
}

ApiClient MakeClient(const Common& common) { return ApiClient(ServerOf(common), DefaultToken()); }

std::optional<json> CallOrReport(CliState& state, const Common& common, const std::string& method,
                                 const std::string& path, const std::string& body) {
  ApiClient client = MakeClient(common);
  auto result = client.Call(method, path, body);
  if (!result) {
    state.exit_code = Fail(result.error());
    return std::nullopt;
  }
  return std::move(*result);
}

std::optional<json> CreateOrReport(CliState& state, const Common& common, const std::string& path,
                                   const std::string& body) {
  ApiClient client = MakeClient(common);
  RetryPolicy policy;
  policy.note = [](const std::string& note) { std::cerr << "note: " << note << "\n"; };
  auto result = client.CallIdempotent("POST", path, body, policy);
  if (!result) {
    state.exit_code = Fail(result.error());
    return std::nullopt;
  }
  if (common.verbose && client.replayed()) {
    std::cerr << "note: the server had taken an earlier try of this request; this is its answer "
                 "(Idempotent-Replayed)\n";
  }
  return std::move(*result);
}

void AddVerbose(CLI::App* cmd, Common& common) {
  cmd->add_flag("-v,--verbose", common.verbose,
                "Also say on stderr when the answer is that of an earlier try the server took");
}

void ShowList(CliState& state, const Common& common, const std::string& path,
              const std::vector<std::string>& header,
              const std::function<std::vector<std::string>(const json&)>& row,
              std::string_view when_empty) {
  auto list = CallOrReport(state, common, "GET", path);
  if (!list) return;
  if (common.json_output) return void(std::cout << list->dump(2) << "\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : (*list)["items"]) rows.push_back(row(item));
  if (rows.empty() && !when_empty.empty()) return void(std::cout << when_empty);
  PrintTable(header, rows);
}

Result<std::string> ReadInputFile(const std::string& path) {
  std::ifstream in(path == "-" ? "/dev/stdin" : path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cronium::cli::internal

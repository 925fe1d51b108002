#include "cli/commands.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/utf8.h"
#include "cli/api_client.h"
#include "cli/yaml.h"
#include "http/message.h"

namespace cronium::cli {
namespace {

using nlohmann::json;

struct Common {
  std::string server;
  bool json_output = false;
  bool verbose = false;  // say on stderr what happened besides the answer (replays)
};

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

void AddCommon(CLI::App* cmd, Common& common, bool with_json = true) {
  cmd->add_option("--server", common.server,
                  "URL of the Cronium server (env CRONIUM_SERVER, default http://127.0.0.1:8080)");
  if (with_json) cmd->add_flag("--json", common.json_output, "Print the raw JSON answer");
}

int Fail(const Error& error) {
  std::cerr << "error: " << error.message << "\n";
  return error.code == ErrorCode::kUnavailable ? 3 : 1;
}

// The `warnings` of an answer (a schedule that may not mean what it seems), on stderr.
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

// Whether a code point takes two columns on a terminal (East Asian wide and full-width forms,
// emoji): enough to keep table columns aligned.
bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

// Columns that UTF-8 text takes on a terminal.
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

// Prints rows as aligned columns.
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

// "CRON '0 2 * * *' (days OR, tz Europe/Paris, overlap SKIP, next ..., runs 3)"
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

void PrintEvent(const json& e) {
  std::cout << "id:        " << Str(e["id"]) << "\n"
            << "name:      " << Str(e["name"]) << "\n"
            << "type:      " << Str(e["type"]) << "\n"
            << "status:    " << Str(e["status"]) << "\n"
            << "timeout:   " << Str(e["timeoutSeconds"]) << "s\n"
            << "priority:  " << Str(e["priority"]) << "\n"
            << "at once:   "
            << (e["maxConcurrent"] == 0 ? std::string("no limit") : Str(e["maxConcurrent"])) << "\n"
            << "retries:   " << Str(e["retries"]);
  if (e["retries"] != 0) {
    std::string on;
    for (const auto& status : e["retryOn"]) on += (on.empty() ? "" : ", ") + Str(status);
    std::cout << " (on " << on << "; backoff " << Str(e["retryDelaySeconds"])
              << "s doubling, at most " << Str(e["retryMaxDelaySeconds"]) << "s)";
  }
  const json& limits = e["limits"];
  const auto or_default = [](const json& value, const std::string& unit) {
    return value == 0 ? std::string("default") : Str(value) + unit;
  };
  std::cout << "\n"
            << "limits:    memory " << or_default(limits["memoryMb"], " MiB") << ", processes "
            << or_default(limits["pids"], "") << ", CPU time "
            << or_default(limits["cpuSeconds"], " s") << ", CPUs "
            << (limits["cpus"] == 0 ? std::string("no limit") : Str(limits["cpus"])) << ", disk "
            << or_default(limits["diskMb"], " MiB") << ", output "
            << or_default(limits["outputKb"], " KiB") << "; network " << Str(e["network"]) << "\n"
            << "runs:      " << Str(e["successCount"]) << " succeeded, " << Str(e["failureCount"])
            << " failed; last " << (e["lastRunAt"].is_null() ? "never" : Str(e["lastRunAt"]))
            << "\n";
  if (!e["description"].get<std::string>().empty()) {
    std::cout << "describe:  " << Str(e["description"]) << "\n";
  }
  if (!e["tags"].empty()) std::cout << "tags:      " << e["tags"].dump() << "\n";
  for (const auto& [key, value] : e["envVars"].items()) {
    std::cout << "env:       " << key << "=" << Str(value) << "\n";
  }
  if (e.contains("actions")) {
    for (const auto& action : e["actions"]) {
      std::cout << "action:    " << Str(action["trigger"]) << " -> run "
                << Str(action["targetEventId"]) << "\n";
    }
  }
  std::cout << "created:   " << Str(e["createdAt"]) << "\n"
            << "updated:   " << Str(e["updatedAt"]) << "\n";
  if (e.contains("schedule") && e["schedule"].is_object()) {
    std::cout << "schedule:  " << DescribeSchedule(e["schedule"]) << "\n";
  }
  if (e["httpRequest"].is_object()) {
    std::cout << "request:   " << Str(e["httpRequest"]["method"]) << " "
              << Str(e["httpRequest"]["url"]) << "\n";
  }
  if (e["content"].is_string() && !e["content"].get<std::string>().empty()) {
    std::cout << "--- content ---\n" << e["content"].get<std::string>();
    if (e["content"].get<std::string>().back() != '\n') std::cout << "\n";
  }
}

void PrintExecution(const json& x) {
  std::cout << "id:        " << Str(x["id"]) << "\n"
            << "event:     " << Str(x["eventId"]) << "\n"
            << "status:    " << Str(x["status"]) << "\n"
            << "reason:    " << Str(x["endReason"]) << "\n"
            << "exit code: " << Str(x["exitCode"]) << "\n"
            << "attempt:   " << Str(x["attempt"]) << "\n"
            << "started:   " << Str(x["startedAt"]) << "\n"
            << "finished:  " << Str(x["finishedAt"]) << "\n"
            << "duration:  " << (x["durationMs"].is_null() ? "-" : Str(x["durationMs"]) + " ms")
            << "\n"
            << "isolation: " << Str(x["isolation"]) << "\n";
  // What the script reported through the runtime helpers, and what it was given.
  auto compact = [](const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 200) text = text.substr(0, 197) + "...";
    return text;
  };
  if (x.contains("input") && !x["input"].is_null()) {
    std::cout << "input:     " << compact(x["input"]) << "\n";
  }
  if (x.contains("output") && !x["output"].is_null()) {
    std::cout << "output:    " << compact(x["output"]) << "\n";
  }
  if (x.contains("condition") && !x["condition"].is_null()) {
    std::cout << "condition: " << (x["condition"].get<bool>() ? "true" : "false") << "\n";
  }
  if (x.contains("job") && x["job"].is_object()) {
    const json& job = x["job"];
    std::cout << "job:       " << Str(job["id"]) << " " << Str(job["status"]) << ", attempt "
              << Str(job["attempts"]) << " of " << Str(job["maxAttempts"]) << "\n";
    if (Str(job["currentExecutionId"]) != Str(x["id"])) {
      std::cout << "next:      " << Str(job["currentExecutionId"]) << " (not before "
                << Str(job["runAfter"]) << ")\n";
    }
  }
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

bool IsTerminalStatus(const std::string& status) {
  return status != "QUEUED" && status != "LEASED" && status != "RUNNING";
}

bool IsTerminal(const json& x) { return IsTerminalStatus(x["status"].get<std::string>()); }

// Polls with the server's long poll until the execution ends. With `follow_retries`, follows
// the job to its next attempt while it is retried, and returns the last attempt.
Result<json> WaitForEnd(ApiClient& client, std::string execution_id, bool follow_retries = false) {
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

int ExitCodeOf(const json& x) {
  if (x["status"] == "SUCCEEDED") return 0;
  if (x["exitCode"].is_number_integer() && x["exitCode"].get<int>() != 0) {
    return x["exitCode"].get<int>();
  }
  return 1;
}

std::string ServerOf(const Common& common) {
  return common.server.empty() ? DefaultServer() : common.server;
}

ApiClient MakeClient(const Common& common) { return ApiClient(ServerOf(common), DefaultToken()); }

// One request; on failure it reports the error, sets the exit code and returns nullopt.
std::optional<json> CallOrReport(CliState& state, const Common& common, const std::string& method,
                                 const std::string& path, const std::string& body = "") {
  ApiClient client = MakeClient(common);
  auto result = client.Call(method, path, body);
  if (!result) {
    state.exit_code = Fail(result.error());
    return std::nullopt;
  }
  return std::move(*result);
}

// A request that creates something (see ApiClient::CallIdempotent): a fresh Idempotency-Key,
// sent again with it when the connection was cut or the server answered 503 (5 tries, 0.2 s
// doubling, at most 2 s apart), each retry noted on stderr. A replayed answer (an earlier try
// was taken) looks like any other, except with --verbose.
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

// Adds --verbose to a command that creates something.
void AddVerbose(CLI::App* cmd, Common& common) {
  cmd->add_flag("-v,--verbose", common.verbose,
                "Also say on stderr when the answer is that of an earlier try the server took");
}

// GETs a list and prints its items as a table, or the answer as JSON with --json.
void ShowList(CliState& state, const Common& common, const std::string& path,
              const std::vector<std::string>& header,
              const std::function<std::vector<std::string>(const json&)>& row,
              std::string_view when_empty = "") {
  auto list = CallOrReport(state, common, "GET", path);
  if (!list) return;
  if (common.json_output) return void(std::cout << list->dump(2) << "\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : (*list)["items"]) rows.push_back(row(item));
  if (rows.empty() && !when_empty.empty()) return void(std::cout << when_empty);
  PrintTable(header, rows);
}

// Schedule flags shared by `event create`, `event schedule` and `workflow schedule`.
struct ScheduleFlags {
  std::string cron, at, tz, misfire, overlap, start, end, day_match;
  int64_t interval = 0;
  int64_t max_runs = 0;
  bool manual = false;

  bool Given() const { return !cron.empty() || !at.empty() || interval > 0 || manual; }

  void Add(CLI::App* cmd) {
    cmd->add_option("--cron", cron,
                    "Run on a cron schedule, e.g. '*/5 * * * *' (6 fields: seconds)");
    cmd->add_option("--interval", interval, "Run every N seconds");
    cmd->add_option("--at", at, "Run once at this RFC 3339 time");
    cmd->add_option("--tz", tz, "IANA time zone of the schedule (default: the server's)");
    cmd->add_option("--day-match", day_match,
                    "How --cron's day-of-month and day-of-week combine: OR (default: either, "
                    "unless one is '*' or '?'), AND (both: '1-7' and 'MON' is the first Monday) or "
                    "VIXIE (system cron: a field starting with '*' counts as '*')");
    cmd->add_option("--start", start, "Nothing runs before this RFC 3339 time");
    cmd->add_option("--end", end, "Nothing runs after this RFC 3339 time");
    cmd->add_option("--max-runs", max_runs,
                    "Pause the event (or workflow) after this many scheduled runs");
    cmd->add_option("--misfire", misfire, "SKIP (default), RUN_ONCE or RUN_ALL");
    cmd->add_option("--overlap", overlap,
                    "SKIP (default), BUFFER_ONE, BUFFER_ALL, CANCEL_PREVIOUS or ALLOW");
  }

  json ToJson() const {
    json spec = json::object();
    if (manual) spec["kind"] = "MANUAL";
    if (!cron.empty()) spec = {{"kind", "CRON"}, {"cron", cron}};
    if (interval > 0) spec = {{"kind", "INTERVAL"}, {"intervalSeconds", interval}};
    if (!at.empty()) spec = {{"kind", "ONCE"}, {"at", at}};
    if (!tz.empty()) spec["timezone"] = tz;
    if (!start.empty()) spec["startAt"] = start;
    if (!end.empty()) spec["endAt"] = end;
    if (max_runs > 0) spec["maxRuns"] = max_runs;
    if (!misfire.empty()) spec["misfirePolicy"] = misfire;
    if (!overlap.empty()) spec["overlapPolicy"] = overlap;
    if (!day_match.empty()) spec["dayMatch"] = day_match;
    return spec;
  }
};

struct EventFlags {
  std::string name, type, content, file, description, status;
  ScheduleFlags schedule;
  int64_t timeout = 0;
  int retries = -1;
  std::string priority, retry_on;
  int max_concurrent = -1;
  int64_t retry_delay = -1, retry_max_delay = -1;
  std::vector<std::string> env, tags;
  bool shared = false;
  std::string http_method, http_url, http_body;
  std::vector<std::string> http_headers;
  int64_t memory_mb = -1, pids = -1, cpu_seconds = -1, disk_mb = -1, output_kb = -1;
  double cpus = -1;
  std::string network;
  std::vector<std::string> actions;  // TRIGGER=EVENT_ID
};

// "--action ON_FAILURE=evt_..." as the API's {"trigger", "type", "targetEventId"}.
Result<json> ActionsJson(const std::vector<std::string>& actions) {
  json out = json::array();
  for (const auto& text : actions) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
      return InvalidArgument(fmt::format(
          "--action '{}': write TRIGGER=EVENT_ID, e.g. ON_FAILURE=evt_... (triggers: ALWAYS, "
          "ON_SUCCESS, ON_FAILURE, ON_CONDITION)",
          text));
    }
    out.push_back({{"trigger", text.substr(0, eq)},
                   {"type", "RUN_EVENT"},
                   {"targetEventId", text.substr(eq + 1)}});
  }
  return out;
}

// The whole of a file named on the command line ('-' for stdin).
Result<std::string> ReadInputFile(const std::string& path) {
  std::ifstream in(path == "-" ? "/dev/stdin" : path, std::ios::binary);
  if (!in) return InvalidArgument(fmt::format("cannot read {}", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<json> EventBody(const EventFlags& f) {
  json body = json::object();
  if (!f.name.empty()) body["name"] = f.name;
  if (!f.type.empty()) body["type"] = f.type;
  if (!f.description.empty()) body["description"] = f.description;
  if (!f.status.empty()) body["status"] = f.status;
  if (!f.content.empty() && !f.file.empty()) {
    return InvalidArgument("give the script with --content or --file, not both");
  }
  if (!f.content.empty()) body["content"] = f.content;
  if (!f.file.empty()) {
    CRONIUM_ASSIGN_OR_RETURN(std::string text, ReadInputFile(f.file));
    body["content"] = std::move(text);
  }
  if (f.timeout > 0) body["timeoutSeconds"] = f.timeout;
  if (f.retries >= 0) body["retries"] = f.retries;
  if (!f.priority.empty()) body["priority"] = f.priority;
  if (f.max_concurrent >= 0) body["maxConcurrent"] = f.max_concurrent;
  if (f.retry_delay >= 0) body["retryDelaySeconds"] = f.retry_delay;
  if (f.retry_max_delay >= 0) body["retryMaxDelaySeconds"] = f.retry_max_delay;
  if (!f.retry_on.empty()) {
    json statuses = json::array();
    std::stringstream list(f.retry_on);
    for (std::string item; std::getline(list, item, ',');) {
      if (!item.empty()) statuses.push_back(item);
    }
    body["retryOn"] = statuses;
  }
  if (!f.env.empty()) {
    json env = json::object();
    for (const auto& pair : f.env) {
      const size_t eq = pair.find('=');
      if (eq == std::string::npos) {
        return InvalidArgument(fmt::format("--env {}: use KEY=VALUE", pair));
      }
      env[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    body["envVars"] = env;
  }
  json limits = json::object();
  if (f.memory_mb >= 0) limits["memoryMb"] = f.memory_mb;
  if (f.pids >= 0) limits["pids"] = f.pids;
  if (f.cpu_seconds >= 0) limits["cpuSeconds"] = f.cpu_seconds;
  if (f.cpus >= 0) limits["cpus"] = f.cpus;
  if (f.disk_mb >= 0) limits["diskMb"] = f.disk_mb;
  if (f.output_kb >= 0) limits["outputKb"] = f.output_kb;
  if (!limits.empty()) body["limits"] = limits;
  if (!f.network.empty()) body["network"] = f.network;
  if (!f.tags.empty()) body["tags"] = f.tags;
  if (f.shared) body["shared"] = true;
  if (!f.actions.empty()) {
    CRONIUM_ASSIGN_OR_RETURN(body["actions"], ActionsJson(f.actions));
  }
  if (f.schedule.Given()) body["schedule"] = f.schedule.ToJson();
  if (!f.http_url.empty()) {
    json headers = json::object();
    for (const auto& pair : f.http_headers) {
      const size_t colon = pair.find(':');
      if (colon == std::string::npos) {
        return InvalidArgument(fmt::format("--header {}: use 'Name: value'", pair));
      }
      std::string value = pair.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      headers[pair.substr(0, colon)] = value;
    }
    body["httpRequest"] = {{"method", f.http_method.empty() ? "GET" : f.http_method},
                           {"url", f.http_url},
                           {"headers", headers},
                           {"body", f.http_body}};
  }
  return body;
}

void AddEventCommands(CLI::App& app, CliState& state) {
  auto* event = app.add_subcommand("event", "Create, list, show, run and delete events");
  event->require_subcommand(1);

  {
    auto* cmd = event->add_subcommand("create", "Create an event");
    auto common = std::make_shared<Common>();
    auto flags = std::make_shared<EventFlags>();
    AddCommon(cmd, *common);
    AddVerbose(cmd, *common);
    cmd->add_option("--name", flags->name, "Name")->required();
    cmd->add_option("--type", flags->type, "BASH, PYTHON, NODEJS or HTTP_REQUEST")->required();
    cmd->add_option("--content", flags->content, "Script text");
    cmd->add_option("--file", flags->file, "Read the script from a file ('-' for stdin)");
    cmd->add_option("--description", flags->description, "Description");
    cmd->add_option("--status", flags->status, "DRAFT (default), ACTIVE, PAUSED or ARCHIVED");
    cmd->add_option("--timeout", flags->timeout, "Timeout in seconds (default 30)");
    cmd->add_option("--retries", flags->retries, "Retries after a failure (0-10)");
    cmd->add_option("--priority", flags->priority, "LOW, NORMAL (default), HIGH or CRITICAL");
    cmd->add_option("--max-concurrent", flags->max_concurrent,
                    "Runs of this event at once (default 0: no limit)");
    cmd->add_option("--retry-delay", flags->retry_delay,
                    "Seconds before the first retry; doubles each time (default 1)");
    cmd->add_option("--retry-max-delay", flags->retry_max_delay,
                    "Longest wait between retries, in seconds (default 300)");
    cmd->add_option("--retry-on", flags->retry_on,
                    "Which ends are retried: comma list of FAILED, TIMED_OUT, LOST (default all)");
    cmd->add_option("--memory-mb", flags->memory_mb,
                    "Sandbox memory limit in MiB (default: the server's, 512)");
    cmd->add_option("--pids", flags->pids, "Sandbox process limit (default: the server's, 256)");
    cmd->add_option("--cpu-seconds", flags->cpu_seconds, "CPU time limit (default: none)");
    cmd->add_option("--cpus", flags->cpus, "CPU share in cores, e.g. 0.5 (default: no limit)");
    cmd->add_option("--disk-mb", flags->disk_mb,
                    "Size of the work dir and of /tmp, in MiB (default: the server's, 64)");
    cmd->add_option("--output-kb", flags->output_kb,
                    "Output kept per stream, in KiB (default: the server's, 1024)");
    cmd->add_option("--network", flags->network,
                    "none (default: a private loopback only) or host (if the server allows it)");
    cmd->add_option("--env", flags->env, "Environment variable KEY=VALUE (repeatable)");
    cmd->add_option("--tag", flags->tags, "Tag (repeatable)");
    cmd->add_flag("--shared", flags->shared, "Share with all users (read and run)");
    cmd->add_option("--action", flags->actions,
                    "Conditional action TRIGGER=EVENT_ID: when a run ends for good (after its "
                    "retries) and TRIGGER (ALWAYS, ON_SUCCESS, ON_FAILURE, ON_CONDITION) holds, "
                    "run EVENT_ID with this run's output as input (repeatable)");
    cmd->add_option("--method", flags->http_method, "HTTP_REQUEST: method (default GET)");
    cmd->add_option("--url", flags->http_url, "HTTP_REQUEST: URL");
    cmd->add_option("--header", flags->http_headers, "HTTP_REQUEST: 'Name: value' (repeatable)");
    cmd->add_option("--body", flags->http_body, "HTTP_REQUEST: request body");
    flags->schedule.Add(cmd);
    cmd->callback([&state, common, flags] {
      auto body = EventBody(*flags);
      if (!body) {
        state.exit_code = Fail(body.error());
        return;
      }
      auto created = CreateOrReport(state, *common, "/api/v1/events", body->dump());
      if (!created) return;
      if (common->json_output) {
        std::cout << created->dump(2) << "\n";
      } else {
        std::cout << "Created event " << Str((*created)["id"]) << " (" << Str((*created)["name"])
                  << ")\nRun it with: cronium event run " << Str((*created)["id"]) << " --wait\n";
        PrintWarnings(*created);
      }
    });
  }

  {
    auto* cmd = event->add_subcommand("list", "List events, newest first");
    auto common = std::make_shared<Common>();
    auto status = std::make_shared<std::string>();
    auto type = std::make_shared<std::string>();
    auto search = std::make_shared<std::string>();
    auto tag = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(50);
    AddCommon(cmd, *common);
    cmd->add_option("--status", *status, "Only events with this status");
    cmd->add_option("--type", *type, "Only events of this type");
    cmd->add_option("--search", *search, "Text in the name or description");
    cmd->add_option("--tag", *tag, "Only events with this tag");
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, status, type, search, tag, limit] {
      std::string query = "?limit=" + std::to_string(*limit);
      if (!status->empty()) query += "&status=" + http::PercentEncode(*status);
      if (!type->empty()) query += "&type=" + http::PercentEncode(*type);
      if (!search->empty()) query += "&search=" + http::PercentEncode(*search);
      if (!tag->empty()) query += "&tag=" + http::PercentEncode(*tag);
      ShowList(
          state, *common, "/api/v1/events" + query, {"ID", "NAME", "TYPE", "STATUS", "UPDATED"},
          [](const json& e) -> std::vector<std::string> {
            return {Str(e["id"]), Str(e["name"]), Str(e["type"]), Str(e["status"]),
                    Str(e["updatedAt"])};
          },
          "No events. Create one with: cronium event create --name NAME --type BASH --content "
          "'echo hello'\n");
    });
  }

  {
    auto* cmd = event->add_subcommand("show", "Show one event");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto reveal = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Event id")->required();
    cmd->add_flag("--reveal-secrets", *reveal, "Show env var values instead of ********");
    cmd->callback([&state, common, id, reveal] {
      auto shown = CallOrReport(
          state, *common, "GET",
          "/api/v1/events/" + http::PercentEncode(*id) + (*reveal ? "?revealSecrets=true" : ""));
      if (!shown) return;
      if (common->json_output) {
        std::cout << shown->dump(2) << "\n";
      } else {
        PrintEvent(*shown);
      }
    });
  }

  {
    auto* cmd = event->add_subcommand("run", "Run an event now");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto input = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    AddVerbose(cmd, *common);
    cmd->add_option("id", *id, "Event id")->required();
    cmd->add_option("--input", *input, "JSON input for the script");
    cmd->add_flag("--wait", *wait,
                  "Wait for the end, print the output and exit with the script's exit code");
    cmd->callback([&state, common, id, input, wait] {
      json body = json::object();
      if (!input->empty()) {
        json parsed = json::parse(*input, nullptr, false);
        if (parsed.is_discarded()) {
          state.exit_code = Fail(Error{ErrorCode::kInvalidArgument, "--input is not valid JSON"});
          return;
        }
        body["input"] = parsed;
      }
      auto started = CreateOrReport(
          state, *common, "/api/v1/events/" + http::PercentEncode(*id) + "/run", body.dump());
      if (!started) return;
      const std::string execution_id = (*started)["executionId"].get<std::string>();
      if (!*wait) {
        if (common->json_output) {
          std::cout << started->dump(2) << "\n";
        } else {
          std::cout << "Started execution " << execution_id << "\nSee it with: cronium execution "
                    << "show " << execution_id << "\n";
        }
        return;
      }
      if (!common->json_output) std::cerr << "Running " << execution_id << " ...\n";
      ApiClient client = MakeClient(*common);
      auto done = WaitForEnd(client, execution_id, /*follow_retries=*/true);
      if (!done) {
        state.exit_code = Fail(done.error());
        return;
      }
      if (common->json_output) {
        std::cout << done->dump(2) << "\n";
      } else {
        PrintLogs(*done);
        std::cerr << "Execution " << Str((*done)["id"]) << ": " << Str((*done)["status"]) << " ("
                  << Str((*done)["endReason"]) << ")\n";
      }
      state.exit_code = ExitCodeOf(*done);
    });
  }

  {
    auto* cmd = event->add_subcommand("ledger", "What happened to each planned occurrence");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(50);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Event id")->required();
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, id, limit] {
      ShowList(
          state, *common,
          "/api/v1/events/" + http::PercentEncode(*id) + "/ledger?limit=" + std::to_string(*limit),
          {"PLANNED", "FATE", "LATE MS", "EXECUTION", "DETAIL"},
          [](const json& r) -> std::vector<std::string> {
            return {Str(r["plannedAt"]), Str(r["fate"]), Str(r["latenessMs"]),
                    Str(r["executionId"]), Str(r["detail"])};
          });
    });
  }

  {
    auto* cmd = event->add_subcommand("schedule", "Set or clear the schedule of an event");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto flags = std::make_shared<ScheduleFlags>();
    auto clear = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Event id")->required();
    flags->Add(cmd);
    cmd->add_flag("--manual", flags->manual, "Only run when asked");
    cmd->add_flag("--clear", *clear, "Remove the schedule");
    cmd->callback([&state, common, id, flags, clear] {
      if (!*clear && !flags->Given()) {
        return void(state.exit_code =
                        Fail(Error{ErrorCode::kInvalidArgument,
                                   "give --cron, --interval, --at, --manual or --clear"}));
      }
      json body = {{"schedule", *clear ? json(nullptr) : flags->ToJson()}};
      auto updated = CallOrReport(state, *common, "PATCH",
                                  "/api/v1/events/" + http::PercentEncode(*id), body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      const json& schedule = (*updated)["schedule"];
      if (schedule.is_null()) {
        std::cout << "Event " << *id << " has no schedule now.\n";
      } else {
        std::cout << "Event " << *id << ": " << Str(schedule["kind"]) << " schedule, next run "
                  << Str(schedule["nextRunAt"]) << " (event status " << Str((*updated)["status"])
                  << "; only ACTIVE events run on schedule)\n";
        PrintWarnings(*updated);
      }
    });
  }

  for (const auto& [verb, status] : {std::pair{"pause", "PAUSED"}, std::pair{"resume", "ACTIVE"}}) {
    auto* cmd = event->add_subcommand(
        verb, std::string(verb == std::string("pause") ? "Stop scheduled runs (status PAUSED)"
                                                       : "Start scheduled runs (status ACTIVE)"));
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Event id")->required();
    const std::string new_status = status;
    cmd->callback([&state, common, id, new_status] {
      auto updated =
          CallOrReport(state, *common, "PATCH", "/api/v1/events/" + http::PercentEncode(*id),
                       json{{"status", new_status}}.dump());
      if (!updated) return;
      std::cout << "Event " << *id << " is " << new_status;
      if ((*updated)["schedule"].is_object()) {
        std::cout << "; next run " << Str((*updated)["schedule"]["nextRunAt"]);
      }
      std::cout << "\n";
    });
  }

  {
    auto* cmd = event->add_subcommand(
        "actions", "Set (or clear) an event's conditional actions: what runs after it ends");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto actions = std::make_shared<std::vector<std::string>>();
    auto clear = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Event id")->required();
    cmd->add_option("--action", *actions,
                    "TRIGGER=EVENT_ID (repeatable; replaces all): ALWAYS, ON_SUCCESS, ON_FAILURE "
                    "or ON_CONDITION");
    cmd->add_flag("--clear", *clear, "Remove every action");
    cmd->callback([&state, common, id, actions, clear] {
      if (*clear == !actions->empty()) {
        return void(state.exit_code = Fail(Error{ErrorCode::kInvalidArgument,
                                                 "give --action (repeatable) or --clear"}));
      }
      auto list = ActionsJson(*actions);
      if (!list) return void(state.exit_code = Fail(list.error()));
      auto updated =
          CallOrReport(state, *common, "PATCH", "/api/v1/events/" + http::PercentEncode(*id),
                       json{{"actions", *list}}.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      const json& now = (*updated)["actions"];
      if (now.empty()) return void(std::cout << "Event " << *id << " has no actions now.\n");
      for (const auto& action : now) {
        std::cout << "Event " << *id << ": " << Str(action["trigger"]) << " -> run "
                  << Str(action["targetEventId"]) << "\n";
      }
    });
  }

  {
    auto* cmd = event->add_subcommand("delete", "Delete an event and its history");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Event id")->required();
    cmd->callback([&state, common, id] {
      auto deleted =
          CallOrReport(state, *common, "DELETE", "/api/v1/events/" + http::PercentEncode(*id));
      if (!deleted) return;
      std::cout << "Deleted event " << *id << "\n";
    });
  }
}

void AddExecutionCommands(CLI::App& app, CliState& state) {
  auto* execution = app.add_subcommand("execution", "Inspect, follow and cancel executions");
  execution->require_subcommand(1);

  {
    auto* cmd = execution->add_subcommand("show", "Show one execution");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Execution id")->required();
    cmd->add_flag("--wait", *wait, "Wait until it has ended");
    cmd->callback([&state, common, id, wait] {
      ApiClient client = MakeClient(*common);
      auto shown = *wait ? WaitForEnd(client, *id)
                         : client.Call("GET", "/api/v1/executions/" + http::PercentEncode(*id));
      if (!shown) {
        state.exit_code = Fail(shown.error());
        return;
      }
      if (common->json_output) {
        std::cout << shown->dump(2) << "\n";
      } else {
        PrintExecution(*shown);
      }
    });
  }

  {
    auto* cmd = execution->add_subcommand("logs", "Print an execution's stdout and stderr");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Execution id")->required();
    cmd->add_flag("--wait", *wait, "Wait until it has ended");
    cmd->callback([&state, common, id, wait] {
      ApiClient client = MakeClient(*common);
      auto shown = *wait ? WaitForEnd(client, *id)
                         : client.Call("GET", "/api/v1/executions/" + http::PercentEncode(*id));
      if (!shown) {
        state.exit_code = Fail(shown.error());
        return;
      }
      PrintLogs(*shown);
    });
  }

  {
    auto* cmd = execution->add_subcommand("list", "List executions, newest first");
    auto common = std::make_shared<Common>();
    auto event_id = std::make_shared<std::string>();
    auto status = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(50);
    AddCommon(cmd, *common);
    cmd->add_option("--event", *event_id, "Only executions of this event");
    cmd->add_option("--status", *status, "Only executions with this status");
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, event_id, status, limit] {
      std::string query = "?limit=" + std::to_string(*limit);
      if (!event_id->empty()) query += "&eventId=" + http::PercentEncode(*event_id);
      if (!status->empty()) query += "&status=" + http::PercentEncode(*status);
      ShowList(state, *common, "/api/v1/executions" + query,
               {"ID", "EVENT", "STATUS", "EXIT", "MS", "CREATED"},
               [](const json& x) -> std::vector<std::string> {
                 return {Str(x["id"]),       Str(x["eventId"]),    Str(x["status"]),
                         Str(x["exitCode"]), Str(x["durationMs"]), Str(x["createdAt"])};
               });
    });
  }

  {
    auto* cmd = execution->add_subcommand("cancel", "Cancel a queued or running execution");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Execution id")->required();
    cmd->callback([&state, common, id] {
      ApiClient client = MakeClient(*common);
      auto cancelled =
          client.Call("POST", "/api/v1/executions/" + http::PercentEncode(*id) + "/cancel", "{}");
      if (!cancelled) {
        state.exit_code = Fail(cancelled.error());
        return;
      }
      std::cout << "Cancel requested for " << *id << " (status now " << Str((*cancelled)["status"])
                << ")\n";
    });
  }
}

}  // namespace

// Reads a secret: from stdin (one line) when asked, else from the terminal without echo.
Result<std::string> ReadSecret(const std::string& prompt, bool from_stdin) {
  std::string secret;
  if (from_stdin) {
    if (!std::getline(std::cin, secret)) return InvalidArgument("nothing on stdin");
    return secret;
  }
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return InvalidArgument("no terminal to ask on; pass the secret on stdin (--password-stdin)");
  }
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  termios old_mode{};
  const int fd = ::fileno(tty);
  const bool has_mode = ::tcgetattr(fd, &old_mode) == 0;
  if (has_mode) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char buffer[1100];
  const bool got = std::fgets(buffer, sizeof buffer, tty) != nullptr;
  if (has_mode) ::tcsetattr(fd, TCSAFLUSH, &old_mode);
  std::fputs("\n", tty);
  std::fclose(tty);
  if (!got) return InvalidArgument("no password entered");
  secret = buffer;
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  return secret;
}

std::string HostName() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

void AddAccountCommands(CLI::App& app, CliState& state) {
  {
    auto* cmd = app.add_subcommand(
        "login", "Log in to a server and keep an API token for the CLI (in " + ConfigPath() + ")");
    auto common = std::make_shared<Common>();
    auto username = std::make_shared<std::string>();
    auto password_stdin = std::make_shared<bool>(false);
    auto token_stdin = std::make_shared<bool>(false);
    AddCommon(cmd, *common, false);
    cmd->add_option("--username", *username, "Username or email");
    cmd->add_flag("--password-stdin", *password_stdin, "Read the password from stdin");
    cmd->add_flag("--token-stdin", *token_stdin, "Store an existing API token read from stdin");
    cmd->callback([&state, common, username, password_stdin, token_stdin] {
      const std::string server = ServerOf(*common);
      std::string token;
      if (*token_stdin) {
        auto read = ReadSecret("", true);
        if (!read) return void(state.exit_code = Fail(read.error()));
        token = *read;
      } else {
        if (username->empty()) {
          return void(state.exit_code =
                          Fail(Error{ErrorCode::kInvalidArgument, "--username is required"}));
        }
        auto password = ReadSecret("Password for " + *username + ": ", *password_stdin);
        if (!password) return void(state.exit_code = Fail(password.error()));
        ApiClient anonymous(server, "");
        auto login = anonymous.Call("POST", "/api/v1/auth/login",
                                    json{{"username", *username}, {"password", *password}}.dump());
        if (!login) return void(state.exit_code = Fail(login.error()));
        std::vector<std::string> session_headers{"X-CSRF-Token: " +
                                                 (*login)["csrfToken"].get<std::string>()};
        for (const auto& cookie : anonymous.cookies()) {
          if (cookie.rfind("cronium_session=", 0) == 0)
            session_headers.push_back("Cookie: " + cookie);
        }
        const std::string role = (*login)["user"]["role"];
        const std::string scope = role == "ADMIN" ? "admin" : role == "USER" ? "write" : "read";
        auto created = anonymous.Call(
            "POST", "/api/v1/tokens",
            json{{"name", "cli on " + HostName()}, {"scope", scope}}.dump(), session_headers);
        if (!created) return void(state.exit_code = Fail(created.error()));
        token = (*created)["token"];
        (void)anonymous.Call("POST", "/api/v1/auth/logout", "{}", session_headers);
      }
      ApiClient check(server, token);
      auto me = check.Call("GET", "/api/v1/auth/me");
      if (!me) return void(state.exit_code = Fail(me.error()));
      if (auto saved = SaveConfig({.server = server, .token = token}); !saved) {
        return void(state.exit_code = Fail(saved.error()));
      }
      std::cout << "Logged in to " << server << " as " << Str((*me)["username"]) << " ("
                << Str((*me)["role"]) << ", token scope " << Str((*me)["scope"])
                << "). The token is stored in " << ConfigPath() << "\n";
    });
  }
  {
    auto* cmd = app.add_subcommand("logout", "Revoke the CLI's API token and forget it");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common, false);
    cmd->callback([&state, common] {
      auto me = CallOrReport(state, *common, "GET", "/api/v1/auth/me");
      if (!me) return;
      if (me->contains("tokenId")) {
        if (!CallOrReport(state, *common, "DELETE",
                          "/api/v1/tokens/" + (*me)["tokenId"].get<std::string>())) {
          return;
        }
      }
      CliConfig config = LoadConfig();
      config.token.clear();
      if (auto saved = SaveConfig(config); !saved)
        return void(state.exit_code = Fail(saved.error()));
      std::cout << "Logged out; the token was revoked.\n";
    });
  }
  {
    auto* cmd = app.add_subcommand("whoami", "Show the account the CLI acts as");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      auto me = CallOrReport(state, *common, "GET", "/api/v1/auth/me");
      if (!me) return;
      if (common->json_output) return void(std::cout << me->dump(2) << "\n");
      std::cout << Str((*me)["username"]) << " (" << Str((*me)["role"]) << ", "
                << Str((*me)["authMethod"]) << " with scope " << Str((*me)["scope"]) << ")\n";
    });
  }
}

void AddUserCommands(CLI::App& app, CliState& state) {
  auto* user = app.add_subcommand("user", "Manage users (admins) and your own password");
  user->require_subcommand(1);
  {
    auto* cmd = user->add_subcommand("list", "List users");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      ShowList(state, *common, "/api/v1/users?limit=200",
               {"ID", "USERNAME", "EMAIL", "ROLE", "STATUS", "LAST LOGIN"},
               [](const json& u) -> std::vector<std::string> {
                 return {Str(u["id"]),   Str(u["username"]), Str(u["email"]),
                         Str(u["role"]), Str(u["status"]),   Str(u["lastLoginAt"])};
               });
    });
  }
  {
    auto* cmd = user->add_subcommand("create", "Create a user (password read from stdin)");
    auto common = std::make_shared<Common>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("--username", (*fields)["username"], "Username")->required();
    cmd->add_option("--email", (*fields)["email"], "Email")->required();
    cmd->add_option("--role", (*fields)["role"], "ADMIN, USER (default) or VIEWER");
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->callback([&state, common, fields] {
      auto password = ReadSecret("Password for the new user: ", !::isatty(STDIN_FILENO));
      if (!password) return void(state.exit_code = Fail(password.error()));
      json body{{"password", *password}};
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto created = CallOrReport(state, *common, "POST", "/api/v1/users", body.dump());
      if (!created) return;
      if (common->json_output) return void(std::cout << created->dump(2) << "\n");
      std::cout << "Created user " << Str((*created)["username"]) << " (" << Str((*created)["id"])
                << ")\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("invite", "Invite a user by email; prints a one-time token");
    auto common = std::make_shared<Common>();
    auto email = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>("USER");
    AddCommon(cmd, *common);
    cmd->add_option("--email", *email, "Email")->required();
    cmd->add_option("--role", *role, "ADMIN, USER (default) or VIEWER");
    cmd->callback([&state, common, email, role] {
      auto invited = CallOrReport(state, *common, "POST", "/api/v1/users/invite",
                                  json{{"email", *email}, {"role", *role}}.dump());
      if (!invited) return;
      if (common->json_output) return void(std::cout << invited->dump(2) << "\n");
      std::cout << "Invitation for " << *email << " (valid until " << Str((*invited)["expiresAt"])
                << "). Send them this token; it is shown only now:\n"
                << Str((*invited)["inviteToken"]) << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("update", "Change a user's role, status, name or email");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "User id")->required();
    cmd->add_option("--role", (*fields)["role"], "ADMIN, USER or VIEWER");
    cmd->add_option("--status", (*fields)["status"], "ACTIVE or DISABLED");
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->add_option("--email", (*fields)["email"], "Email");
    cmd->callback([&state, common, id, fields] {
      json body = json::object();
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto updated = CallOrReport(state, *common, "PATCH",
                                  "/api/v1/users/" + http::PercentEncode(*id), body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      std::cout << "Updated " << Str((*updated)["username"]) << ": " << Str((*updated)["role"])
                << ", " << Str((*updated)["status"]) << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("delete", "Delete a user with their events and tokens");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "User id")->required();
    cmd->callback([&state, common, id] {
      if (!CallOrReport(state, *common, "DELETE", "/api/v1/users/" + http::PercentEncode(*id))) {
        return;
      }
      std::cout << "Deleted user " << *id << "\n";
    });
  }
  {
    auto* cmd = user->add_subcommand("profile", "Change your own display name or email");
    auto common = std::make_shared<Common>();
    auto fields = std::make_shared<std::map<std::string, std::string>>();
    AddCommon(cmd, *common);
    cmd->add_option("--display-name", (*fields)["displayName"], "Display name");
    cmd->add_option("--email", (*fields)["email"], "Email");
    cmd->callback([&state, common, fields] {
      json body = json::object();
      for (const auto& [key, value] : *fields) {
        if (!value.empty()) body[key] = value;
      }
      auto updated = CallOrReport(state, *common, "PATCH", "/api/v1/auth/me", body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      std::cout << "Updated your profile: " << Str((*updated)["displayName"]) << " <"
                << Str((*updated)["email"]) << ">\n";
    });
  }
  {
    auto* cmd = user->add_subcommand(
        "password", "Change your own password (stdin: current, then new, one per line)");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common, false);
    cmd->callback([&state, common] {
      const bool from_stdin = !::isatty(STDIN_FILENO);
      auto current = ReadSecret("Current password: ", from_stdin);
      if (!current) return void(state.exit_code = Fail(current.error()));
      auto replacement = ReadSecret("New password: ", from_stdin);
      if (!replacement) return void(state.exit_code = Fail(replacement.error()));
      if (!CallOrReport(
              state, *common, "POST", "/api/v1/auth/password",
              json{{"currentPassword", *current}, {"newPassword", *replacement}}.dump())) {
        return;
      }
      std::cout << "Password changed; your other sessions were signed out.\n";
    });
  }
}

void AddTokenCommands(CLI::App& app, CliState& state) {
  auto* token = app.add_subcommand("token", "Create, list and revoke your API tokens");
  token->require_subcommand(1);
  {
    auto* cmd = token->add_subcommand("list", "List your API tokens");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      ShowList(state, *common, "/api/v1/tokens",
               {"ID", "NAME", "SCOPE", "PREFIX", "EXPIRES", "LAST USED", "REVOKED"},
               [](const json& t) -> std::vector<std::string> {
                 return {Str(t["id"]),       Str(t["name"]),      Str(t["scope"]),
                         Str(t["prefix"]),   Str(t["expiresAt"]), Str(t["lastUsedAt"]),
                         Str(t["revokedAt"])};
               });
    });
  }
  {
    auto* cmd = token->add_subcommand("create", "Create an API token (shown once)");
    auto common = std::make_shared<Common>();
    auto name = std::make_shared<std::string>();
    auto scope = std::make_shared<std::string>("read");
    auto days = std::make_shared<int>(0);
    AddCommon(cmd, *common);
    cmd->add_option("--name", *name, "What it is for")->required();
    cmd->add_option("--scope", *scope, "read (default), write or admin");
    cmd->add_option("--expires-in-days", *days, "Expire after this many days (default: never)");
    cmd->callback([&state, common, name, scope, days] {
      json body{{"name", *name}, {"scope", *scope}};
      if (*days > 0) body["expiresInDays"] = *days;
      auto created = CallOrReport(state, *common, "POST", "/api/v1/tokens", body.dump());
      if (!created) return;
      if (common->json_output) return void(std::cout << created->dump(2) << "\n");
      std::cout << "Created token " << Str((*created)["id"]) << " (" << Str((*created)["scope"])
                << "). It is shown only now:\n"
                << Str((*created)["token"]) << "\n";
    });
  }
  {
    auto* cmd = token->add_subcommand("revoke", "Revoke an API token");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Token id")->required();
    cmd->callback([&state, common, id] {
      if (!CallOrReport(state, *common, "DELETE", "/api/v1/tokens/" + http::PercentEncode(*id))) {
        return;
      }
      std::cout << "Revoked token " << *id << "\n";
    });
  }
}

void AddAuditCommand(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("audit", "Show the audit log, newest first (admins)");
  auto common = std::make_shared<Common>();
  auto filters = std::make_shared<std::map<std::string, std::string>>();
  auto limit = std::make_shared<int>(50);
  AddCommon(cmd, *common);
  cmd->add_option("--actor", (*filters)["actor"], "Only this user id");
  cmd->add_option("--action", (*filters)["action"], "Only this action, e.g. event.create");
  cmd->add_option("--target-type", (*filters)["targetType"], "Only this target type");
  cmd->add_option("--target-id", (*filters)["targetId"], "Only this target id");
  cmd->add_option("--limit", *limit, "At most this many (1-200)");
  cmd->callback([&state, common, filters, limit] {
    std::string query = "?limit=" + std::to_string(*limit);
    for (const auto& [key, value] : *filters) {
      if (!value.empty()) query += "&" + key + "=" + http::PercentEncode(value);
    }
    ShowList(state, *common, "/api/v1/audit" + query,
             {"AT", "ACTOR", "SOURCE", "ACTION", "TARGET", "OUTCOME"},
             [](const json& e) -> std::vector<std::string> {
               return {Str(e["at"]),
                       Str(e["actor"]["name"]),
                       Str(e["source"]),
                       Str(e["action"]),
                       Str(e["targetType"]) + " " + Str(e["targetId"]),
                       Str(e["outcome"])};
             });
  });
}

void AddKeyCommands(CLI::App& app, CliState& state) {
  auto* key = app.add_subcommand("key", "Manage the encryption key of the server's secrets");
  key->require_subcommand(1);
  auto* cmd = key->add_subcommand(
      "rotate", "Re-encrypt every secret under a new master key, while the server runs (admins)");
  auto common = std::make_shared<Common>();
  AddCommon(cmd, *common);
  cmd->callback([&state, common] {
    auto rotated = CallOrReport(state, *common, "POST", "/api/v1/admin/keys/rotate", "{}");
    if (!rotated) return;
    if (common->json_output) return void(std::cout << rotated->dump(2) << "\n");
    std::cout << "Rotated the master key; re-encrypted the secrets of "
              << Str((*rotated)["reencryptedEvents"])
              << " event(s). Back up the new master.key with the database.\n";
  });
}

void AddScheduleCommands(CLI::App& app, CliState& state) {
  auto* schedule = app.add_subcommand("schedule", "Work with schedules");
  schedule->require_subcommand(1);
  auto* cmd = schedule->add_subcommand("preview", "Show the next times a cron expression fires");
  auto common = std::make_shared<Common>();
  auto cron = std::make_shared<std::string>();
  auto tz = std::make_shared<std::string>();
  auto count = std::make_shared<int>(10);
  auto gap = std::make_shared<std::string>();
  auto overlap = std::make_shared<std::string>();
  auto day_match = std::make_shared<std::string>();
  AddCommon(cmd, *common);
  cmd->add_option("cron", *cron, "Cron expression (quote it), e.g. '0 9 * * MON-FRI'")->required();
  cmd->add_option("--tz", *tz, "IANA time zone (default: the server's)");
  cmd->add_option("--count", *count, "How many (1-100)");
  cmd->add_option("--day-match", *day_match,
                  "OR (default: either day field, unless one is '*' or '?'), AND (both) or VIXIE "
                  "(a day field starting with '*' counts as '*')");
  cmd->add_option("--dst-gap", *gap,
                  "AUTO (default: SKIP when the hour field is '*' or a step of at most 2 hours, "
                  "else SHIFT), SHIFT or SKIP");
  cmd->add_option("--dst-overlap", *overlap,
                  "AUTO (default: TWICE when the hour field is '*' or a step of at most 2 hours, "
                  "else ONCE), ONCE or TWICE");
  cmd->callback([&state, common, cron, tz, count, gap, overlap, day_match] {
    std::string query = "?cron=" + http::PercentEncode(*cron) + "&count=" + std::to_string(*count);
    if (!tz->empty()) query += "&tz=" + http::PercentEncode(*tz);
    if (!day_match->empty()) query += "&dayMatch=" + http::PercentEncode(*day_match);
    if (!gap->empty()) query += "&dstGapPolicy=" + http::PercentEncode(*gap);
    if (!overlap->empty()) query += "&dstOverlapPolicy=" + http::PercentEncode(*overlap);
    auto preview = CallOrReport(state, *common, "GET", "/api/v1/schedules/preview" + query);
    if (!preview) return;
    if (common->json_output) return void(std::cout << preview->dump(2) << "\n");
    PrintWarnings(*preview);
    if ((*preview)["instants"].empty()) {
      std::cout << "'" << *cron << "' never fires.\n";
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : (*preview)["instants"]) {
      rows.push_back({Str(i["local"]), Str(i["utc"]), i["dst"].is_null() ? "" : Str(i["dst"])});
    }
    std::cout << "Next runs of '" << *cron << "' in " << Str((*preview)["timezone"]) << " (days "
              << Str((*preview)["dayMatch"]) << ", DST gap "
              << Str((*preview)["appliedDstGapPolicy"]) << ", overlap "
              << Str((*preview)["appliedDstOverlapPolicy"]) << "):\n";
    PrintTable({"LOCAL", "UTC", "DST"}, rows);
  });
}

std::string DescribeDrain(const json& d) {
  if (!d["draining"].get<bool>()) {
    return "Taking jobs (not draining); " + Str(d["running"]) + " run(s) going.";
  }
  std::string text = "Draining: no new jobs are taken; " + Str(d["running"]) + " run(s) going";
  if (!d["graceLeftSeconds"].is_null()) {
    text += fmt::format("; those still going in {:.0f} s are stopped and queued again",
                        d["graceLeftSeconds"].get<double>());
  }
  return text + ".";
}

void AddNodeCommands(CLI::App& app, CliState& state) {
  {
    auto* cmd = app.add_subcommand(
        "drain", "Stop taking jobs (admins); runs may finish within the grace, then are requeued");
    auto common = std::make_shared<Common>();
    auto grace = std::make_shared<int64_t>(30);
    auto wait = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("--grace", *grace, "Seconds running jobs may take to finish (default 30)");
    cmd->add_flag("--wait", *wait, "Return once no run is left");
    cmd->callback([&state, common, grace, wait] {
      auto drained = CallOrReport(state, *common, "POST", "/api/v1/admin/drain",
                                  json{{"graceSeconds", *grace}}.dump());
      if (!drained) return;
      // Bounded: the server stops what is left at the end of the grace.
      for (int polls = 0; *wait && (*drained)["running"].get<int>() > 0 && polls < 36'000;
           ++polls) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        drained = CallOrReport(state, *common, "GET", "/api/v1/admin/drain");
        if (!drained) return;
      }
      if (common->json_output) return void(std::cout << drained->dump(2) << "\n");
      std::cout << DescribeDrain(*drained) << "\nUndo with: cronium resume\n";
    });
  }
  {
    auto* cmd = app.add_subcommand("resume", "Take jobs again after a drain (admins)");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      auto resumed = CallOrReport(state, *common, "POST", "/api/v1/admin/resume", "{}");
      if (!resumed) return;
      if (common->json_output) return void(std::cout << resumed->dump(2) << "\n");
      std::cout << DescribeDrain(*resumed) << "\n";
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "nodes", "List the nodes serving the database: alive or not, the leader, their runs");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      auto nodes = CallOrReport(state, *common, "GET", "/api/v1/system/nodes");
      if (!nodes) return;
      if (common->json_output) return void(std::cout << nodes->dump(2) << "\n");
      std::vector<std::vector<std::string>> rows;
      for (const auto& n : (*nodes)["items"]) {
        std::string status = n.value("alive", false) ? "alive" : "gone";
        if (!n["stoppedAt"].is_null()) status = "stopped";
        if (n.value("leader", false)) status += ", leader";
        std::string id = Str(n["id"]);
        if (id == Str((*nodes)["self"])) id += " (this)";
        rows.push_back({id, Str(n["role"]), status, Str(n["running"]) + "/" + Str(n["workers"]),
                        Str(n["address"]), Str(n["heartbeatAt"]), Str(n["version"])});
      }
      PrintTable({"NODE", "ROLE", "STATUS", "RUNNING", "ADDRESS", "LAST HEARTBEAT", "VERSION"},
                 rows);
    });
  }
  {
    auto* cmd = app.add_subcommand("system", "Show the server's version, workers and job counts");
    auto common = std::make_shared<Common>();
    AddCommon(cmd, *common);
    cmd->callback([&state, common] {
      auto info = CallOrReport(state, *common, "GET", "/api/v1/system/info");
      if (!info) return;
      if (common->json_output) return void(std::cout << info->dump(2) << "\n");
      std::cout << "version:   " << Str((*info)["version"]) << "\n"
                << "isolation: " << Str((*info)["isolation"])
                << ((*info)["isolationWarning"].is_null()
                        ? std::string()
                        : " (WARNING: " + Str((*info)["isolationWarning"]) + ")")
                << "\n"
                << "workers:   " << Str((*info)["workers"]) << "\n"
                << "queue:     " << DescribeDrain((*info)["drain"]) << "\n"
                << "jobs:      ";
      bool first = true;
      for (const auto& [status, count] : (*info)["jobs"].items()) {
        std::cout << (first ? "" : ", ") << status << " " << Str(count);
        first = false;
      }
      std::cout << (first ? "none" : "") << "\n";
    });
  }
}

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

// Prints a workflow run: its status and one row per node.
void PrintWorkflowRun(const json& run) {
  std::cout << "Workflow execution " << Str(run["id"]) << " of " << Str(run["workflowId"]) << ": "
            << Str(run["status"]);
  if (!Str(run["endReason"]).empty() && run["endReason"] != "") {
    std::cout << " (" << Str(run["endReason"]) << ")";
  }
  std::cout << "\nStarted " << Str(run["createdAt"]) << ", finished " << Str(run["finishedAt"])
            << ", trigger " << Str(run["trigger"]) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& node : run["nodes"]) {
    std::string output = node.contains("output") ? Str(node["output"]) : "";
    if (output.size() > 60) output = output.substr(0, 57) + "...";
    std::string reason = Str(node["endReason"]);
    if (reason.size() > 50) reason = reason.substr(0, 47) + "...";
    rows.push_back({Str(node["id"]), Str(node["status"]), Str(node["executionId"]),
                    Str(node["durationMs"]), Str(node["condition"]), output, reason});
  }
  PrintTable({"NODE", "STATUS", "EXECUTION", "MS", "CONDITION", "OUTPUT", "END REASON"}, rows);
}

// Reads a workflow definition from a file ('-' for stdin): JSON or YAML.
Result<json> ReadDefinition(const std::string& path) {
  CRONIUM_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path));
  // The server takes request bodies up to 2 MiB.
  if (text.size() > (2u << 20)) return InvalidArgument(fmt::format("{}: over 2 MiB", path));
  auto doc = ParseDefinition(text);
  if (!doc) return InvalidArgument(fmt::format("{}: {}", path, doc.error().message));
  if (!doc->is_object()) {
    return InvalidArgument(
        fmt::format("{}: the definition must be a mapping (name, nodes, edges)", path));
  }
  return doc;
}

void AddWorkflowCommands(CLI::App& app, CliState& state) {
  auto* workflow = app.add_subcommand(
      "workflow", "Create, list, show, run and cancel workflows (DAGs of events)");
  workflow->alias("wf");
  workflow->require_subcommand(1);

  for (const bool create : {true, false}) {
    auto* cmd =
        create ? workflow->add_subcommand("create", "Create a workflow from a JSON or YAML file")
               : workflow->add_subcommand("update",
                                          "Replace a workflow's fields with those of a file");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    AddCommon(cmd, *common);
    if (create) AddVerbose(cmd, *common);
    if (!create) cmd->add_option("id", *id, "Workflow id")->required();
    cmd->add_option("-f,--file", *file,
                    "Definition: name, description, status, tags, shared, nodes [{id, eventId, "
                    "label, position}], edges [{from, to, kind}] ('-' for stdin)")
        ->required();
    cmd->callback([&state, common, id, file, create] {
      auto doc = ReadDefinition(*file);
      if (!doc) return void(state.exit_code = Fail(doc.error()));
      auto saved = create
                       ? CreateOrReport(state, *common, "/api/v1/workflows", doc->dump())
                       : CallOrReport(state, *common, "PATCH",
                                      "/api/v1/workflows/" + http::PercentEncode(*id), doc->dump());
      if (!saved) return;
      if (common->json_output) return void(std::cout << saved->dump(2) << "\n");
      std::cout << (create ? "Created" : "Updated") << " workflow " << Str((*saved)["id"]) << " ("
                << Str((*saved)["name"]) << ", " << (*saved)["nodes"].size() << " nodes, "
                << (*saved)["edges"].size() << " edges)\nRun it with: cronium workflow run "
                << Str((*saved)["id"]) << " --wait\n";
      PrintWarnings(*saved);
    });
  }

  {
    auto* cmd = workflow->add_subcommand("list", "List workflows");
    auto common = std::make_shared<Common>();
    auto limit = std::make_shared<int>(50);
    AddCommon(cmd, *common);
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, limit] {
      ShowList(
          state, *common, "/api/v1/workflows?limit=" + std::to_string(*limit),
          {"ID", "NAME", "STATUS", "TRIGGER", "NEXT RUN", "UPDATED"},
          [](const json& w) -> std::vector<std::string> {
            const bool scheduled = w["schedule"].is_object();
            return {Str(w["id"]),
                    Str(w["name"]),
                    Str(w["status"]),
                    Str(w["trigger"]),
                    scheduled ? Str(w["schedule"]["nextRunAt"]) : std::string("-"),
                    Str(w["updatedAt"])};
          },
          "No workflows yet. Create one with: cronium workflow create -f workflow.yaml\n");
    });
  }

  {
    auto* cmd = workflow->add_subcommand("show", "Show a workflow's nodes and edges");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow id")->required();
    cmd->callback([&state, common, id] {
      auto shown =
          CallOrReport(state, *common, "GET", "/api/v1/workflows/" + http::PercentEncode(*id));
      if (!shown) return;
      if (common->json_output) return void(std::cout << shown->dump(2) << "\n");
      const json& w = *shown;
      std::cout << "Workflow " << Str(w["id"]) << ": " << Str(w["name"]) << "\nStatus "
                << Str(w["status"]) << ", trigger " << Str(w["trigger"])
                << (w["shared"] == true ? ", shared" : "") << "\n";
      if (w["schedule"].is_object()) {
        std::cout << "Schedule " << DescribeSchedule(w["schedule"]) << "\n";
      }
      if (!Str(w["description"]).empty()) std::cout << Str(w["description"]) << "\n";
      std::cout << "\n";
      std::vector<std::vector<std::string>> nodes;
      for (const auto& node : w["nodes"]) {
        nodes.push_back({Str(node["id"]), Str(node["eventId"]), Str(node["label"])});
      }
      PrintTable({"NODE", "EVENT", "LABEL"}, nodes);
      std::cout << "\n";
      std::vector<std::vector<std::string>> edges;
      for (const auto& edge : w["edges"]) {
        edges.push_back({Str(edge["from"]), Str(edge["to"]), Str(edge["kind"])});
      }
      if (edges.empty()) {
        std::cout << "No edges: every node starts with the workflow's input.\n";
      } else {
        PrintTable({"FROM", "TO", "KIND"}, edges);
      }
    });
  }

  {
    auto* cmd = workflow->add_subcommand("run", "Start a run of a workflow");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto input = std::make_shared<std::string>();
    auto wait = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    AddVerbose(cmd, *common);
    cmd->add_option("id", *id, "Workflow id")->required();
    cmd->add_option("--input", *input, "JSON input for the start nodes");
    cmd->add_flag("--wait", *wait,
                  "Wait for the end, print every node's outcome and exit 0 only on SUCCEEDED");
    cmd->callback([&state, common, id, input, wait] {
      json body = json::object();
      if (!input->empty()) {
        json parsed = json::parse(*input, nullptr, false);
        if (parsed.is_discarded()) {
          return void(state.exit_code =
                          Fail(Error{ErrorCode::kInvalidArgument, "--input is not valid JSON"}));
        }
        body["input"] = parsed;
      }
      auto started = CreateOrReport(
          state, *common, "/api/v1/workflows/" + http::PercentEncode(*id) + "/run", body.dump());
      if (!started) return;
      const std::string run_id = Str((*started)["id"]);
      if (!*wait) {
        if (common->json_output) return void(std::cout << started->dump(2) << "\n");
        std::cout << "Started workflow execution " << run_id
                  << "\nSee it with: cronium workflow execution " << run_id << "\n";
        return;
      }
      if (!common->json_output) std::cerr << "Running " << run_id << " ...\n";
      ApiClient client = MakeClient(*common);
      json run;
      for (;;) {
        auto latest = client.Call(
            "GET", "/api/v1/workflow-executions/" + http::PercentEncode(run_id) + "?wait=30");
        if (!latest) return void(state.exit_code = Fail(latest.error()));
        run = std::move(*latest);
        if (!run["finishedAt"].is_null()) break;
      }
      if (common->json_output) {
        std::cout << run.dump(2) << "\n";
      } else {
        PrintWorkflowRun(run);
      }
      state.exit_code = run["status"] == "SUCCEEDED" ? 0 : 1;
    });
  }

  {
    auto* cmd = workflow->add_subcommand("executions", "List a workflow's runs, newest first");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(20);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow id")->required();
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, id, limit] {
      ShowList(
          state, *common,
          "/api/v1/workflows/" + http::PercentEncode(*id) +
              "/executions?limit=" + std::to_string(*limit),
          {"ID", "STATUS", "TRIGGER", "STARTED", "MS", "NODES"},
          [](const json& r) -> std::vector<std::string> {
            std::string counts;
            for (const auto& [state_name, count] : r["counts"].items()) {
              if (!counts.empty()) counts += " ";
              counts += state_name + ":" + count.dump();
            }
            return {Str(r["id"]),        Str(r["status"]),     Str(r["trigger"]),
                    Str(r["createdAt"]), Str(r["durationMs"]), counts};
          },
          "No runs yet.\n");
    });
  }

  {
    auto* cmd = workflow->add_subcommand("execution", "Show one run with every node's outcome");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow execution id")->required();
    cmd->callback([&state, common, id] {
      auto shown = CallOrReport(state, *common, "GET",
                                "/api/v1/workflow-executions/" + http::PercentEncode(*id));
      if (!shown) return;
      if (common->json_output) return void(std::cout << shown->dump(2) << "\n");
      PrintWorkflowRun(*shown);
    });
  }

  {
    auto* cmd = workflow->add_subcommand("cancel", "Cancel a running workflow execution");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow execution id")->required();
    cmd->callback([&state, common, id] {
      auto cancelled =
          CallOrReport(state, *common, "POST",
                       "/api/v1/workflow-executions/" + http::PercentEncode(*id) + "/cancel");
      if (!cancelled) return;
      if (common->json_output) return void(std::cout << cancelled->dump(2) << "\n");
      std::cout << "Cancelled workflow execution " << *id << "; running nodes are being stopped\n";
    });
  }

  {
    auto* cmd = workflow->add_subcommand(
        "schedule", "Run a workflow on a schedule (trigger SCHEDULE), or stop with --clear");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto flags = std::make_shared<ScheduleFlags>();
    auto clear = std::make_shared<bool>(false);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow id")->required();
    flags->Add(cmd);
    cmd->add_flag("--clear", *clear, "Remove the schedule (the trigger becomes MANUAL)");
    cmd->callback([&state, common, id, flags, clear] {
      if (*clear == flags->Given()) {
        return void(state.exit_code =
                        Fail(Error{ErrorCode::kInvalidArgument,
                                   "give --cron, --interval or --at, or else --clear"}));
      }
      json body = *clear ? json{{"trigger", "MANUAL"}}
                         : json{{"trigger", "SCHEDULE"}, {"schedule", flags->ToJson()}};
      auto updated = CallOrReport(state, *common, "PATCH",
                                  "/api/v1/workflows/" + http::PercentEncode(*id), body.dump());
      if (!updated) return;
      if (common->json_output) return void(std::cout << updated->dump(2) << "\n");
      const json& schedule = (*updated)["schedule"];
      if (schedule.is_null()) {
        std::cout << "Workflow " << *id << " has no schedule now (trigger MANUAL).\n";
      } else {
        std::cout << "Workflow " << *id << ": " << DescribeSchedule(schedule) << "\nStatus "
                  << Str((*updated)["status"]) << "; only ACTIVE workflows run on schedule"
                  << ((*updated)["status"] == "ACTIVE"
                          ? ".\n"
                          : " (cronium workflow resume " + *id + ").\n");
        PrintWarnings(*updated);
      }
    });
  }

  {
    auto* cmd = workflow->add_subcommand("ledger", "What happened to each planned occurrence");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(50);
    AddCommon(cmd, *common);
    cmd->add_option("id", *id, "Workflow id")->required();
    cmd->add_option("--limit", *limit, "At most this many (1-200)");
    cmd->callback([&state, common, id, limit] {
      ShowList(state, *common,
               "/api/v1/workflows/" + http::PercentEncode(*id) +
                   "/ledger?limit=" + std::to_string(*limit),
               {"PLANNED", "FATE", "LATE MS", "WORKFLOW EXECUTION", "DETAIL"},
               [](const json& r) -> std::vector<std::string> {
                 return {Str(r["plannedAt"]), Str(r["fate"]), Str(r["latenessMs"]),
                         Str(r["workflowExecutionId"]), Str(r["detail"])};
               });
    });
  }

  for (const auto& [verb, status] : {std::pair{"pause", "PAUSED"}, std::pair{"resume", "ACTIVE"}}) {
    auto* cmd = workflow->add_subcommand(
        verb, std::string(verb == std::string("pause") ? "Stop scheduled runs (status PAUSED)"
                                                       : "Start scheduled runs (status ACTIVE)"));
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Workflow id")->required();
    const std::string new_status = status;
    cmd->callback([&state, common, id, new_status] {
      auto updated =
          CallOrReport(state, *common, "PATCH", "/api/v1/workflows/" + http::PercentEncode(*id),
                       json{{"status", new_status}}.dump());
      if (!updated) return;
      std::cout << "Workflow " << *id << " is " << new_status;
      if ((*updated)["schedule"].is_object()) {
        std::cout << "; next run " << Str((*updated)["schedule"]["nextRunAt"]);
      }
      std::cout << "\n";
    });
  }

  {
    auto* cmd = workflow->add_subcommand("delete", "Delete a workflow and its runs");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Workflow id")->required();
    cmd->callback([&state, common, id] {
      auto deleted =
          CallOrReport(state, *common, "DELETE", "/api/v1/workflows/" + http::PercentEncode(*id));
      if (!deleted) return;
      std::cout << "Deleted workflow " << *id << "\n";
    });
  }
}

void AddWebhookCommands(CLI::App& app, CliState& state) {
  auto* webhook = app.add_subcommand(
      "webhook", "Webhook triggers: signed POSTs that start a workflow or an event");
  webhook->require_subcommand(1);
  struct Target {
    std::string workflow, event;
    Result<std::string> Path() const {
      if (workflow.empty() == event.empty()) {
        return InvalidArgument("give --workflow ID or --event ID");
      }
      return workflow.empty() ? "/api/v1/events/" + http::PercentEncode(event) + "/webhooks"
                              : "/api/v1/workflows/" + http::PercentEncode(workflow) + "/webhooks";
    }
  };
  {
    auto* cmd = webhook->add_subcommand("create", "Create a webhook; prints its URL and secret");
    auto common = std::make_shared<Common>();
    auto target = std::make_shared<Target>();
    AddCommon(cmd, *common);
    cmd->add_option("--workflow", target->workflow, "The workflow it starts");
    cmd->add_option("--event", target->event, "The event it runs");
    cmd->callback([&state, common, target] {
      auto path = target->Path();
      if (!path) return void(state.exit_code = Fail(path.error()));
      auto created = CallOrReport(state, *common, "POST", *path, "{}");
      if (!created) return;
      if (common->json_output) return void(std::cout << created->dump(2) << "\n");
      std::cout << "Created webhook " << Str((*created)["id"]) << "\n"
                << "URL:    " << ServerOf(*common) << Str((*created)["url"]) << "\n"
                << "Secret: " << Str((*created)["secret"]) << "   (shown only now; keep it safe)\n"
                << "Sign each POST: X-Cronium-Timestamp: <Unix seconds>\n"
                << "                X-Cronium-Signature: sha256=<hex HMAC-SHA256 of "
                   "\"<timestamp>.<body>\" keyed with the secret>\n"
                << "The JSON body becomes the run's input; the target must be ACTIVE.\n";
    });
  }
  {
    auto* cmd = webhook->add_subcommand("list", "List the webhooks of a workflow or event");
    auto common = std::make_shared<Common>();
    auto target = std::make_shared<Target>();
    AddCommon(cmd, *common);
    cmd->add_option("--workflow", target->workflow, "The workflow");
    cmd->add_option("--event", target->event, "The event");
    cmd->callback([&state, common, target] {
      auto path = target->Path();
      if (!path) return void(state.exit_code = Fail(path.error()));
      ShowList(
          state, *common, *path, {"ID", "URL", "CREATED", "LAST USED"},
          [](const json& w) -> std::vector<std::string> {
            return {Str(w["id"]), Str(w["url"]), Str(w["createdAt"]), Str(w["lastUsedAt"])};
          },
          "No webhooks.\n");
    });
  }
  {
    auto* cmd = webhook->add_subcommand("delete", "Delete a webhook");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Webhook id")->required();
    cmd->callback([&state, common, id] {
      if (!CallOrReport(state, *common, "DELETE", "/api/v1/webhooks/" + http::PercentEncode(*id))) {
        return;
      }
      std::cout << "Deleted webhook " << *id << "\n";
    });
  }
}

}  // namespace

void AddClientCommands(CLI::App& app, CliState& state) {
  AddNodeCommands(app, state);
  AddScheduleCommands(app, state);
  AddKeyCommands(app, state);
  AddEventCommands(app, state);
  AddExecutionCommands(app, state);
  AddAccountCommands(app, state);
  AddUserCommands(app, state);
  AddTokenCommands(app, state);
  AddAuditCommand(app, state);
  AddVariableCommands(app, state);
  AddWorkflowCommands(app, state);
  AddWebhookCommands(app, state);
}

}  // namespace cronium::cli

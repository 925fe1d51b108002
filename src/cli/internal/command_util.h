#pragma once

// What the client commands (<domain>_commands.cc) share: the flags every command takes, the
// calls to the server, printing, and the schedule flags. Internal to cli/.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "cli/api_client.h"
#include "cli/commands.h"

namespace cronium::cli::internal {

using nlohmann::json;

struct Common {
  std::string server;
  bool json_output = false;
  bool verbose = false;  // say on stderr what happened besides the answer (replays)
};

void AddCommon(CLI::App* cmd, Common& common, bool with_json = true);
int Fail(const Error& error);
// The `warnings` of an answer (a schedule that may not mean what it seems), on stderr.
void PrintWarnings(const nlohmann::json& answer);
std::string Str(const json& value);
// After `cronium <kind> pause|resume ID`: "Event ID is PAUSED; ..." with, for a scheduled one,
// its next run when it is ACTIVE again, or how to resume it (a paused schedule sleeps).
void PrintStatusChange(const std::string& kind, const std::string& id,
                       const std::string& new_status, const json& answer);
// Columns that UTF-8 text takes on a terminal.
size_t Width(const std::string& text);
// Prints rows as aligned columns.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);
// "CRON '0 2 * * *' (days OR, tz Europe/Paris, overlap SKIP, next ..., runs 3)"
std::string DescribeSchedule(const json& sc);
void PrintLogs(const json& x);
// Polls with the server's long poll until the execution ends. With `follow_retries`, follows
// the job to its next attempt while it is retried, and returns the last attempt.
Result<json> WaitForEnd(ApiClient& client, std::string execution_id, bool follow_retries = false);
std::string ServerOf(const Common& common);
ApiClient MakeClient(const Common& common);
// One request; on failure it reports the error, sets the exit code and returns nullopt.
std::optional<json> CallOrReport(CliState& state, const Common& common, const std::string& method,
                                 const std::string& path, const std::string& body = "");
// A request that creates something (see ApiClient::CallIdempotent): a fresh Idempotency-Key,
// sent again with it when the connection was cut or the server answered 503 (5 tries, 0.2 s
// doubling, at most 2 s apart), each retry noted on stderr. A replayed answer (an earlier try
// was taken) looks like any other, except with --verbose.
std::optional<json> CreateOrReport(CliState& state, const Common& common, const std::string& path,
                                   const std::string& body);
// Adds --verbose to a command that creates something.
void AddVerbose(CLI::App* cmd, Common& common);
// GETs a list and prints its items as a table, or the answer as JSON with --json.
void ShowList(CliState& state, const Common& common, const std::string& path,
              const std::vector<std::string>& header,
              const std::function<std::vector<std::string>(const json&)>& row,
              std::string_view when_empty = "");
// The whole of a file named on the command line ('-' for stdin).
Result<std::string> ReadInputFile(const std::string& path);

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

// The commands of each domain, which AddClientCommands (commands.cc) adds.
void AddEventCommands(CLI::App& app, CliState& state);      // event_commands.cc
void AddScheduleCommands(CLI::App& app, CliState& state);   // schedule_commands.cc
void AddExecutionCommands(CLI::App& app, CliState& state);  // execution_commands.cc
void AddAccountCommands(CLI::App& app, CliState& state);    // user_commands.cc
void AddUserCommands(CLI::App& app, CliState& state);
void AddTokenCommands(CLI::App& app, CliState& state);
void AddVariableCommands(CLI::App& app, CliState& state);  // variable_commands.cc
void AddWorkflowCommands(CLI::App& app, CliState& state);  // workflow_commands.cc
void AddWebhookCommands(CLI::App& app, CliState& state);
void AddAuditCommand(CLI::App& app, CliState& state);  // system_commands.cc
void AddKeyCommands(CLI::App& app, CliState& state);
void AddNodeCommands(CLI::App& app, CliState& state);

}  // namespace cronium::cli::internal

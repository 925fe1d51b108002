// cronium event ...: create, list, show, change, run and delete events, their schedules, ledgers.

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {
namespace {

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

int ExitCodeOf(const json& x) {
  if (x["status"] == "SUCCEEDED") return 0;
  if (x["exitCode"].is_number_integer() && x["exitCode"].get<int>() != 0) {
    return x["exitCode"].get<int>();
  }
  return 1;
}

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

}  // namespace

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
      PrintStatusChange("event", *id, new_status, *updated);
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

}  // namespace cronium::cli::internal

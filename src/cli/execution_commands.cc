// cronium execution ...: list, show, logs and cancel executions.

#include <iostream>
#include <memory>

#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {
namespace {

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

}  // namespace

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

}  // namespace cronium::cli::internal

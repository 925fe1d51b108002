// cronium workflow ... and webhook ...: workflows, their executions, and webhooks.

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/internal/command_util.h"
#include "cli/yaml.h"
#include "http/message.h"

namespace cronium::cli::internal {
namespace {

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

}  // namespace

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
      PrintStatusChange("workflow", *id, new_status, *updated);
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

}  // namespace cronium::cli::internal

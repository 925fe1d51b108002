// cronium audit, key ..., nodes, drain, resume and system: administering the server.

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <thread>

#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {

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

}  // namespace cronium::cli::internal

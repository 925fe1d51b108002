#include "cli/commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/api_client.h"
#include "http/message.h"

namespace cronium::cli {
namespace {

using nlohmann::json;

struct Common {
  std::string server;
  bool json_output = false;
};

std::string DefaultServer() {
  const char* env = std::getenv("CRONIUM_SERVER");
  return env && *env ? env : "http://127.0.0.1:8080";
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

std::string Str(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// Prints rows as aligned columns.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << "\n";
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

void PrintEvent(const json& e) {
  std::cout << "id:        " << Str(e["id"]) << "\n"
            << "name:      " << Str(e["name"]) << "\n"
            << "type:      " << Str(e["type"]) << "\n"
            << "status:    " << Str(e["status"]) << "\n"
            << "timeout:   " << Str(e["timeoutSeconds"]) << "s\n"
            << "retries:   " << Str(e["retries"]) << "\n";
  if (!e["description"].get<std::string>().empty()) {
    std::cout << "describe:  " << Str(e["description"]) << "\n";
  }
  if (!e["tags"].empty()) std::cout << "tags:      " << e["tags"].dump() << "\n";
  for (const auto& [key, value] : e["envVars"].items()) {
    std::cout << "env:       " << key << "=" << Str(value) << "\n";
  }
  std::cout << "created:   " << Str(e["createdAt"]) << "\n"
            << "updated:   " << Str(e["updatedAt"]) << "\n";
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

bool IsTerminal(const json& x) {
  const std::string status = x["status"].get<std::string>();
  return status != "QUEUED" && status != "RUNNING";
}

// Polls with the server's long poll until the execution ends.
Result<json> WaitForEnd(ApiClient& client, const std::string& execution_id) {
  for (;;) {
    CRONIUM_ASSIGN_OR_RETURN(
        json x,
        client.Call("GET", "/api/v1/executions/" + http::PercentEncode(execution_id) + "?wait=30"));
    if (IsTerminal(x)) return x;
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

// One request; on failure it reports the error, sets the exit code and returns nullopt.
std::optional<json> CallOrReport(CliState& state, const Common& common, const std::string& method,
                                 const std::string& path, const std::string& body = "") {
  ApiClient client(ServerOf(common));
  auto result = client.Call(method, path, body);
  if (!result) {
    state.exit_code = Fail(result.error());
    return std::nullopt;
  }
  return std::move(*result);
}

struct EventFlags {
  std::string name, type, content, file, description, status;
  int64_t timeout = 0;
  int retries = -1;
  std::vector<std::string> env, tags;
  bool shared = false;
  std::string http_method, http_url, http_body;
  std::vector<std::string> http_headers;
};

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
    std::ifstream in(f.file == "-" ? "/dev/stdin" : f.file, std::ios::binary);
    if (!in) return InvalidArgument(fmt::format("cannot read {}", f.file));
    std::stringstream text;
    text << in.rdbuf();
    body["content"] = text.str();
  }
  if (f.timeout > 0) body["timeoutSeconds"] = f.timeout;
  if (f.retries >= 0) body["retries"] = f.retries;
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
  if (!f.tags.empty()) body["tags"] = f.tags;
  if (f.shared) body["shared"] = true;
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
    cmd->add_option("--name", flags->name, "Name")->required();
    cmd->add_option("--type", flags->type, "BASH, PYTHON, NODEJS or HTTP_REQUEST")->required();
    cmd->add_option("--content", flags->content, "Script text");
    cmd->add_option("--file", flags->file, "Read the script from a file ('-' for stdin)");
    cmd->add_option("--description", flags->description, "Description");
    cmd->add_option("--status", flags->status, "DRAFT (default), ACTIVE, PAUSED or ARCHIVED");
    cmd->add_option("--timeout", flags->timeout, "Timeout in seconds (default 30)");
    cmd->add_option("--retries", flags->retries, "Retries after a failure (0-10)");
    cmd->add_option("--env", flags->env, "Environment variable KEY=VALUE (repeatable)");
    cmd->add_option("--tag", flags->tags, "Tag (repeatable)");
    cmd->add_flag("--shared", flags->shared, "Share with all users (read and run)");
    cmd->add_option("--method", flags->http_method, "HTTP_REQUEST: method (default GET)");
    cmd->add_option("--url", flags->http_url, "HTTP_REQUEST: URL");
    cmd->add_option("--header", flags->http_headers, "HTTP_REQUEST: 'Name: value' (repeatable)");
    cmd->add_option("--body", flags->http_body, "HTTP_REQUEST: request body");
    cmd->callback([&state, common, flags] {
      auto body = EventBody(*flags);
      if (!body) {
        state.exit_code = Fail(body.error());
        return;
      }
      auto created = CallOrReport(state, *common, "POST", "/api/v1/events", body->dump());
      if (!created) return;
      if (common->json_output) {
        std::cout << created->dump(2) << "\n";
      } else {
        std::cout << "Created event " << Str((*created)["id"]) << " (" << Str((*created)["name"])
                  << ")\nRun it with: cronium event run " << Str((*created)["id"]) << " --wait\n";
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
      auto list = CallOrReport(state, *common, "GET", "/api/v1/events" + query);
      if (!list) return;
      if (common->json_output) {
        std::cout << list->dump(2) << "\n";
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& e : (*list)["items"]) {
        rows.push_back(
            {Str(e["id"]), Str(e["name"]), Str(e["type"]), Str(e["status"]), Str(e["updatedAt"])});
      }
      if (rows.empty()) {
        std::cout << "No events. Create one with: cronium event create --name NAME --type BASH "
                     "--content 'echo hello'\n";
        return;
      }
      PrintTable({"ID", "NAME", "TYPE", "STATUS", "UPDATED"}, rows);
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
      auto started =
          CallOrReport(state, *common, "POST",
                       "/api/v1/events/" + http::PercentEncode(*id) + "/run", body.dump());
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
      ApiClient client(ServerOf(*common));
      auto done = WaitForEnd(client, execution_id);
      if (!done) {
        state.exit_code = Fail(done.error());
        return;
      }
      if (common->json_output) {
        std::cout << done->dump(2) << "\n";
      } else {
        PrintLogs(*done);
        std::cerr << "Execution " << execution_id << ": " << Str((*done)["status"]) << " ("
                  << Str((*done)["endReason"]) << ")\n";
      }
      state.exit_code = ExitCodeOf(*done);
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
      ApiClient client(ServerOf(*common));
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
      ApiClient client(ServerOf(*common));
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
      auto list = CallOrReport(state, *common, "GET", "/api/v1/executions" + query);
      if (!list) return;
      if (common->json_output) {
        std::cout << list->dump(2) << "\n";
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& x : (*list)["items"]) {
        rows.push_back({Str(x["id"]), Str(x["eventId"]), Str(x["status"]), Str(x["exitCode"]),
                        Str(x["durationMs"]), Str(x["createdAt"])});
      }
      PrintTable({"ID", "EVENT", "STATUS", "EXIT", "MS", "CREATED"}, rows);
    });
  }

  {
    auto* cmd = execution->add_subcommand("cancel", "Cancel a queued or running execution");
    auto common = std::make_shared<Common>();
    auto id = std::make_shared<std::string>();
    AddCommon(cmd, *common, false);
    cmd->add_option("id", *id, "Execution id")->required();
    cmd->callback([&state, common, id] {
      ApiClient client(ServerOf(*common));
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

void AddClientCommands(CLI::App& app, CliState& state) {
  AddEventCommands(app, state);
  AddExecutionCommands(app, state);
}

}  // namespace cronium::cli

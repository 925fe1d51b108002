#pragma once

// The client subcommands of `cronium` (event ..., execution ...), which talk to a running server
// over the REST API: a file for each domain (<domain>_commands.cc), added here by
// AddClientCommands (commands.cc). CLI11 stays inside those files (through
// internal/command_util.h) and server/main.cc.

namespace CLI {
class App;
}

namespace cronium::cli {

struct CliState {
  int exit_code = 0;
};

// Adds the subcommands to `app`; a command's outcome lands in state.exit_code.
void AddClientCommands(CLI::App& app, CliState& state);

}  // namespace cronium::cli

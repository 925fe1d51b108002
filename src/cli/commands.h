#pragma once

// The client subcommands of `cronium` (event ..., execution ...), which talk to a running server
// over the REST API. CLI11 stays inside commands.cc and server/main.cc.

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

#include "cli/commands.h"

#include "cli/internal/command_util.h"

namespace cronium::cli {

void AddClientCommands(CLI::App& app, CliState& state) {
  internal::AddNodeCommands(app, state);
  internal::AddScheduleCommands(app, state);
  internal::AddKeyCommands(app, state);
  internal::AddEventCommands(app, state);
  internal::AddExecutionCommands(app, state);
  internal::AddAccountCommands(app, state);
  internal::AddUserCommands(app, state);
  internal::AddTokenCommands(app, state);
  internal::AddAuditCommand(app, state);
  internal::AddVariableCommands(app, state);
  internal::AddWorkflowCommands(app, state);
  internal::AddWebhookCommands(app, state);
}

}  // namespace cronium::cli

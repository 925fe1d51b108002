// cronium schedule preview: the next times a cron expression fires.

#include <iostream>
#include <memory>

#include "cli/internal/command_util.h"
#include "http/message.h"

namespace cronium::cli::internal {

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

}  // namespace cronium::cli::internal

#pragma once

// What a schedule says: when an event runs (manual, cron, interval, once), in which time zone,
// between which instants, how many times, and what to do about misfires, overlaps and DST.
// Values; JSON in and out with messages that name the field.

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/error.h"
#include "scheduler/cron_expression.h"

namespace cronium::scheduler {

enum class ScheduleKind { kManual, kCron, kInterval, kOnce };
enum class MisfirePolicy { kSkip, kRunOnce, kRunAll };
enum class OverlapPolicy { kSkip, kBufferOne, kBufferAll, kCancelPrevious, kAllow };

struct ScheduleSpec {
  ScheduleKind kind = ScheduleKind::kManual;
  std::string cron;
  int64_t interval_seconds = 0;
  std::optional<TimePoint> at;        // ONCE
  std::string timezone;               // "" = the server's zone
  std::optional<TimePoint> start_at;  // INTERVAL anchor; nothing fires before it
  std::optional<TimePoint> end_at;    // nothing fires after it
  int64_t max_runs = 0;               // 0 = unlimited
  MisfirePolicy misfire = MisfirePolicy::kSkip;
  int64_t catch_up_window_seconds = 3600;
  OverlapPolicy overlap = OverlapPolicy::kSkip;
  // The defaults of a new schedule. A stored spec may predate them: see SpecSource.
  DayMatch day_match = DayMatch::kOr;
  DstGapPolicy dst_gap = DstGapPolicy::kAuto;
  DstOverlapPolicy dst_overlap = DstOverlapPolicy::kAuto;
};

// Where a spec's JSON comes from, which decides what a missing field means.
//
// Upgrades keep stored schedules' meaning this way: ScheduleSpecToJson writes every field,
// dayMatch and both DST policies included, so a spec stored from now on says what it means.
// Specs stored before dayMatch existed have no "dayMatch" and meant VIXIE (the only rule then);
// their DST policies were always written (SHIFT and ONCE unless set). So a stored spec reads a
// missing dayMatch as VIXIE and missing DST policies as SHIFT and ONCE, while a request (a new
// schedule, or one replaced whole) gets the defaults above: OR and AUTO. No migration and no
// version field are needed.
enum class SpecSource { kRequest, kStored };

// A spec checked and compiled for computing occurrences. Immutable; thread-safe.
class CompiledSchedule {
 public:
  // kInvalidArgument naming the field. `created_at` anchors intervals without a start.
  static Result<CompiledSchedule> Compile(ScheduleSpec spec, TimePoint created_at);

  // The first occurrence strictly after `after`, within start and end; nullopt if none.
  std::optional<Occurrence> NextAfter(TimePoint after) const;

  const ScheduleSpec& spec() const { return spec_; }
  const date::time_zone& zone() const { return *zone_; }
  // The DST policies that apply (AUTO resolved by the cron expression's hour field; the spec's
  // own values for other kinds).
  DstGapPolicy applied_dst_gap() const;
  DstOverlapPolicy applied_dst_overlap() const;
  // What the user should know about this schedule, in plain words (CronExpression::Warnings).
  std::vector<std::string> Warnings() const;

 private:
  CompiledSchedule(ScheduleSpec spec, std::optional<CronExpression> cron,
                   const date::time_zone* zone, TimePoint anchor)
      : spec_(std::move(spec)), cron_(std::move(cron)), zone_(zone), anchor_(anchor) {}

  ScheduleSpec spec_;
  std::optional<CronExpression> cron_;
  const date::time_zone* zone_;
  TimePoint anchor_;  // first instant of an interval schedule
};

// kInvalidArgument naming the field ("schedule.dayMatch: 'SOME' is not one of OR, AND, VIXIE").
Result<ScheduleSpec> ScheduleSpecFromJson(const nlohmann::json& doc, SpecSource source);
// Every field, with its value (the DST policies as set: AUTO stays AUTO).
nlohmann::json ScheduleSpecToJson(const ScheduleSpec& spec);

std::string_view ToString(ScheduleKind kind);
std::string_view ToString(MisfirePolicy policy);
std::string_view ToString(OverlapPolicy policy);
std::string_view ToString(DayMatch match);
std::string_view ToString(DstGapPolicy policy);
std::string_view ToString(DstOverlapPolicy policy);

// A policy by name, as a query parameter gives it; kInvalidArgument naming `field` and the
// values allowed ("dayMatch: 'SOME' is not one of OR, AND, VIXIE").
Result<DayMatch> ParseDayMatch(std::string_view text, std::string_view field);
Result<DstGapPolicy> ParseDstGapPolicy(std::string_view text, std::string_view field);
Result<DstOverlapPolicy> ParseDstOverlapPolicy(std::string_view text, std::string_view field);

}  // namespace cronium::scheduler

#pragma once

// What a schedule says: when an event runs (manual, cron, interval, once), in which time zone,
// between which instants, how many times, and what to do about misfires, overlaps and DST.
// Values; JSON in and out with messages that name the field.

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

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
  DstGapPolicy dst_gap = DstGapPolicy::kShift;
  DstOverlapPolicy dst_overlap = DstOverlapPolicy::kOnce;
};

// A spec checked and compiled for computing occurrences. Immutable; thread-safe.
class CompiledSchedule {
 public:
  // kInvalidArgument naming the field. `created_at` anchors intervals without a start.
  static Result<CompiledSchedule> Compile(ScheduleSpec spec, TimePoint created_at);

  // The first occurrence strictly after `after`, within start and end; nullopt if none.
  std::optional<Occurrence> NextAfter(TimePoint after) const;

  const ScheduleSpec& spec() const { return spec_; }
  const date::time_zone& zone() const { return *zone_; }

 private:
  CompiledSchedule(ScheduleSpec spec, std::optional<CronExpression> cron,
                   const date::time_zone* zone, TimePoint anchor)
      : spec_(std::move(spec)), cron_(std::move(cron)), zone_(zone), anchor_(anchor) {}

  ScheduleSpec spec_;
  std::optional<CronExpression> cron_;
  const date::time_zone* zone_;
  TimePoint anchor_;  // first instant of an interval schedule
};

Result<ScheduleSpec> ScheduleSpecFromJson(const nlohmann::json& doc);
nlohmann::json ScheduleSpecToJson(const ScheduleSpec& spec);

std::string_view ToString(ScheduleKind kind);
std::string_view ToString(MisfirePolicy policy);
std::string_view ToString(OverlapPolicy policy);

}  // namespace cronium::scheduler

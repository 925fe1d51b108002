#include "scheduler/schedule_spec.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>

#include "base/time_format.h"

namespace cronium::scheduler {
namespace {

using nlohmann::json;

constexpr int64_t kMaxIntervalSeconds = 366LL * 24 * 3600;

template <class E, size_t N>
std::optional<E> FindName(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "";
}

template <class E, size_t N>
std::string Choices(const std::array<std::pair<E, std::string_view>, N>& table) {
  std::string out;
  for (const auto& [value, name] : table) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

constexpr std::array<std::pair<ScheduleKind, std::string_view>, 4> kKinds{{
    {ScheduleKind::kManual, "MANUAL"},
    {ScheduleKind::kCron, "CRON"},
    {ScheduleKind::kInterval, "INTERVAL"},
    {ScheduleKind::kOnce, "ONCE"},
}};
constexpr std::array<std::pair<MisfirePolicy, std::string_view>, 3> kMisfire{{
    {MisfirePolicy::kSkip, "SKIP"},
    {MisfirePolicy::kRunOnce, "RUN_ONCE"},
    {MisfirePolicy::kRunAll, "RUN_ALL"},
}};
constexpr std::array<std::pair<OverlapPolicy, std::string_view>, 5> kOverlap{{
    {OverlapPolicy::kSkip, "SKIP"},
    {OverlapPolicy::kBufferOne, "BUFFER_ONE"},
    {OverlapPolicy::kBufferAll, "BUFFER_ALL"},
    {OverlapPolicy::kCancelPrevious, "CANCEL_PREVIOUS"},
    {OverlapPolicy::kAllow, "ALLOW"},
}};
constexpr std::array<std::pair<DstGapPolicy, std::string_view>, 3> kGap{{
    {DstGapPolicy::kAuto, "AUTO"},
    {DstGapPolicy::kShift, "SHIFT"},
    {DstGapPolicy::kSkip, "SKIP"},
}};
constexpr std::array<std::pair<DstOverlapPolicy, std::string_view>, 3> kDstOverlap{{
    {DstOverlapPolicy::kAuto, "AUTO"},
    {DstOverlapPolicy::kOnce, "ONCE"},
    {DstOverlapPolicy::kTwice, "TWICE"},
}};
constexpr std::array<std::pair<DayMatch, std::string_view>, 3> kDayMatch{{
    {DayMatch::kOr, "OR"},
    {DayMatch::kAnd, "AND"},
    {DayMatch::kVixie, "VIXIE"},
}};

// `text` by name; kInvalidArgument naming `field` and the names allowed.
template <class E, size_t N>
Result<E> ParseName(const std::array<std::pair<E, std::string_view>, N>& table,
                    std::string_view text, std::string_view field) {
  auto value = FindName(table, text);
  if (!value) {
    return InvalidArgument(
        fmt::format("{}: '{}' is not one of {}", field, text.substr(0, 32), Choices(table)));
  }
  return *value;
}

template <class E, size_t N>
Status ReadEnum(const json& doc, const char* key,
                const std::array<std::pair<E, std::string_view>, N>& table, E& out) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) return InvalidArgument(fmt::format("schedule.{}: must be a string", key));
  CRONIUM_ASSIGN_OR_RETURN(
      out, ParseName(table, it->get<std::string>(), fmt::format("schedule.{}", key)));
  return OkStatus();
}

Status ReadInt(const json& doc, const char* key, int64_t& out) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return OkStatus();
  if (!it->is_number_integer()) {
    return InvalidArgument(fmt::format("schedule.{}: must be an integer", key));
  }
  out = it->get<int64_t>();
  return OkStatus();
}

Status ReadTime(const json& doc, const char* key, std::optional<TimePoint>& out) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return OkStatus();
  if (!it->is_string()) {
    return InvalidArgument(fmt::format("schedule.{}: an RFC 3339 timestamp", key));
  }
  auto parsed = ParseRfc3339(it->get<std::string>());
  if (!parsed) return InvalidArgument(fmt::format("schedule.{}: an RFC 3339 timestamp", key));
  out = *parsed;
  return OkStatus();
}

}  // namespace

std::string_view ToString(ScheduleKind kind) { return NameOf(kKinds, kind); }
std::string_view ToString(MisfirePolicy policy) { return NameOf(kMisfire, policy); }
std::string_view ToString(OverlapPolicy policy) { return NameOf(kOverlap, policy); }
std::string_view ToString(DayMatch match) { return NameOf(kDayMatch, match); }
std::string_view ToString(DstGapPolicy policy) { return NameOf(kGap, policy); }
std::string_view ToString(DstOverlapPolicy policy) { return NameOf(kDstOverlap, policy); }

Result<DayMatch> ParseDayMatch(std::string_view text, std::string_view field) {
  return ParseName(kDayMatch, text, field);
}
Result<DstGapPolicy> ParseDstGapPolicy(std::string_view text, std::string_view field) {
  return ParseName(kGap, text, field);
}
Result<DstOverlapPolicy> ParseDstOverlapPolicy(std::string_view text, std::string_view field) {
  return ParseName(kDstOverlap, text, field);
}

Result<ScheduleSpec> ScheduleSpecFromJson(const json& doc, SpecSource source) {
  if (!doc.is_object()) return InvalidArgument("schedule: must be an object");
  static constexpr std::array<std::string_view, 15> kKnown{"kind",
                                                           "cron",
                                                           "intervalSeconds",
                                                           "at",
                                                           "timezone",
                                                           "startAt",
                                                           "endAt",
                                                           "maxRuns",
                                                           "misfirePolicy",
                                                           "catchUpWindowSeconds",
                                                           "overlapPolicy",
                                                           "dstGapPolicy",
                                                           "dstOverlapPolicy",
                                                           "dayMatch",
                                                           "nextRunAt"};
  for (const auto& [key, value] : doc.items()) {
    bool ok = key == "runCount";
    for (auto known : kKnown) ok = ok || key == known;
    if (!ok) {
      return InvalidArgument(fmt::format("schedule: unknown field '{}'", key.substr(0, 64)));
    }
  }
  ScheduleSpec spec;
  if (source == SpecSource::kStored) {
    // What a stored spec without these fields meant when it was written (see SpecSource).
    spec.day_match = DayMatch::kVixie;
    spec.dst_gap = DstGapPolicy::kShift;
    spec.dst_overlap = DstOverlapPolicy::kOnce;
  }
  if (!doc.contains("kind"))
    return InvalidArgument("schedule.kind: required (" + Choices(kKinds) + ")");
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "kind", kKinds, spec.kind));
  if (auto it = doc.find("cron"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("schedule.cron: must be a string");
    spec.cron = it->get<std::string>();
  }
  if (auto it = doc.find("timezone"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return InvalidArgument("schedule.timezone: must be a string");
    spec.timezone = it->get<std::string>();
  }
  CRONIUM_RETURN_IF_ERROR(ReadInt(doc, "intervalSeconds", spec.interval_seconds));
  CRONIUM_RETURN_IF_ERROR(ReadTime(doc, "at", spec.at));
  CRONIUM_RETURN_IF_ERROR(ReadTime(doc, "startAt", spec.start_at));
  CRONIUM_RETURN_IF_ERROR(ReadTime(doc, "endAt", spec.end_at));
  CRONIUM_RETURN_IF_ERROR(ReadInt(doc, "maxRuns", spec.max_runs));
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "misfirePolicy", kMisfire, spec.misfire));
  CRONIUM_RETURN_IF_ERROR(ReadInt(doc, "catchUpWindowSeconds", spec.catch_up_window_seconds));
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "overlapPolicy", kOverlap, spec.overlap));
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "dstGapPolicy", kGap, spec.dst_gap));
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "dstOverlapPolicy", kDstOverlap, spec.dst_overlap));
  CRONIUM_RETURN_IF_ERROR(ReadEnum(doc, "dayMatch", kDayMatch, spec.day_match));
  return spec;
}

json ScheduleSpecToJson(const ScheduleSpec& spec) {
  auto time = [](const std::optional<TimePoint>& t) {
    return t ? json(FormatRfc3339(*t)) : json(nullptr);
  };
  return {{"kind", ToString(spec.kind)},
          {"cron", spec.kind == ScheduleKind::kCron ? json(spec.cron) : json(nullptr)},
          {"intervalSeconds",
           spec.kind == ScheduleKind::kInterval ? json(spec.interval_seconds) : json(nullptr)},
          {"at", time(spec.at)},
          {"timezone", spec.timezone.empty() ? json(nullptr) : json(spec.timezone)},
          {"startAt", time(spec.start_at)},
          {"endAt", time(spec.end_at)},
          {"maxRuns", spec.max_runs > 0 ? json(spec.max_runs) : json(nullptr)},
          {"misfirePolicy", ToString(spec.misfire)},
          {"catchUpWindowSeconds", spec.catch_up_window_seconds},
          {"overlapPolicy", ToString(spec.overlap)},
          {"dstGapPolicy", NameOf(kGap, spec.dst_gap)},
          {"dstOverlapPolicy", NameOf(kDstOverlap, spec.dst_overlap)},
          {"dayMatch", NameOf(kDayMatch, spec.day_match)}};
}

Result<CompiledSchedule> CompiledSchedule::Compile(ScheduleSpec spec, TimePoint created_at) {
  const date::time_zone* zone = &ServerZone();
  if (!spec.timezone.empty()) {
    CRONIUM_ASSIGN_OR_RETURN(zone, LocateZone(spec.timezone));
  }
  std::optional<CronExpression> cron;
  switch (spec.kind) {
    case ScheduleKind::kManual:
      break;
    case ScheduleKind::kCron: {
      if (spec.cron.empty()) return InvalidArgument("schedule.cron: required for CRON");
      if (spec.cron.size() > 256) return InvalidArgument("schedule.cron: at most 256 characters");
      auto parsed = CronExpression::Parse(spec.cron, spec.day_match);
      if (!parsed) return InvalidArgument("schedule.cron: " + parsed.error().message);
      cron = std::move(*parsed);
      break;
    }
    case ScheduleKind::kInterval:
      if (spec.interval_seconds < 1 || spec.interval_seconds > kMaxIntervalSeconds) {
        return InvalidArgument(fmt::format("schedule.intervalSeconds: from 1 to {} for INTERVAL",
                                           kMaxIntervalSeconds));
      }
      break;
    case ScheduleKind::kOnce:
      if (!spec.at) return InvalidArgument("schedule.at: required for ONCE");
      break;
  }
  if (spec.kind != ScheduleKind::kCron && !spec.cron.empty()) {
    return InvalidArgument("schedule.cron: only for CRON");
  }
  if (spec.kind != ScheduleKind::kInterval && spec.interval_seconds != 0) {
    return InvalidArgument("schedule.intervalSeconds: only for INTERVAL");
  }
  if (spec.kind != ScheduleKind::kOnce && spec.at)
    return InvalidArgument("schedule.at: only for ONCE");
  if (spec.start_at && spec.end_at && *spec.end_at <= *spec.start_at) {
    return InvalidArgument("schedule.endAt: must be after startAt");
  }
  if (spec.max_runs < 0) return InvalidArgument("schedule.maxRuns: 0 (unlimited) or more");
  if (spec.catch_up_window_seconds < 0 || spec.catch_up_window_seconds > 30LL * 24 * 3600) {
    return InvalidArgument("schedule.catchUpWindowSeconds: from 0 to 2592000 (30 days)");
  }
  const TimePoint anchor =
      std::chrono::floor<std::chrono::seconds>(spec.start_at.value_or(created_at));
  return CompiledSchedule(std::move(spec), std::move(cron), zone, anchor);
}

std::optional<Occurrence> CompiledSchedule::NextAfter(TimePoint after) const {
  // Nothing fires before the start: look from just before it.
  if (spec_.start_at && after < *spec_.start_at)
    after = *spec_.start_at - std::chrono::milliseconds(1);
  std::optional<Occurrence> next;
  switch (spec_.kind) {
    case ScheduleKind::kManual:
      return std::nullopt;
    case ScheduleKind::kCron:
      next = cron_->NextAfter(after, *zone_, spec_.dst_gap, spec_.dst_overlap);
      break;
    case ScheduleKind::kInterval: {
      const auto step = std::chrono::seconds(spec_.interval_seconds);
      if (after < anchor_) {
        next = Occurrence{anchor_};
      } else {
        const auto periods = (after - anchor_) / step + 1;
        next = Occurrence{anchor_ + periods * step};
      }
      break;
    }
    case ScheduleKind::kOnce:
      if (*spec_.at > after) next = Occurrence{*spec_.at};
      break;
  }
  if (next && spec_.end_at && next->instant > *spec_.end_at) return std::nullopt;
  return next;
}

DstGapPolicy CompiledSchedule::applied_dst_gap() const {
  return cron_ ? cron_->Resolve(spec_.dst_gap) : spec_.dst_gap;
}

DstOverlapPolicy CompiledSchedule::applied_dst_overlap() const {
  return cron_ ? cron_->Resolve(spec_.dst_overlap) : spec_.dst_overlap;
}

std::vector<std::string> CompiledSchedule::Warnings() const {
  return cron_ ? cron_->Warnings() : std::vector<std::string>{};
}

}  // namespace cronium::scheduler

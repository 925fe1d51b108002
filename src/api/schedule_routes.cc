// Schedules of events and workflows: checking and setting one, rendering it, its ledger, and
// previews of the runs it plans (/api/v1/schedules/preview and the events' and workflows'
// schedule/preview).

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/internal/handlers.h"
#include "api/json_body.h"
#include "base/time_format.h"
#include "scheduler/cron_expression.h"
#include "scheduler/schedule_spec.h"
#include "scheduler/scheduler.h"
#include "store/store.h"

namespace cronium::api::internal {
namespace {

using http::Request;
using http::Response;

}  // namespace

Result<scheduler::ScheduleSpec> ParseSchedule(const json& schedule, TimePoint now) {
  CRONIUM_ASSIGN_OR_RETURN(
      auto spec, scheduler::ScheduleSpecFromJson(schedule, scheduler::SpecSource::kRequest));
  CRONIUM_RETURN_IF_ERROR(scheduler::CompiledSchedule::Compile(spec, now));
  return spec;
}

json ScheduleWarnings(const json& schedule) {
  json warnings = json::array();
  if (!schedule.is_object()) return warnings;
  auto spec = scheduler::ScheduleSpecFromJson(schedule, scheduler::SpecSource::kStored);
  if (!spec) return warnings;
  auto compiled = scheduler::CompiledSchedule::Compile(*spec, TimePoint{});
  if (!compiled) return warnings;
  for (auto& warning : compiled->Warnings()) warnings.push_back(std::move(warning));
  return warnings;
}

Result<Response> Handlers::LedgerOf(Request& request, const std::string& target_id) {
  int limit = 50;
  std::string cursor;
  CRONIUM_RETURN_IF_ERROR(ReadPaging(request, limit, cursor));
  CRONIUM_ASSIGN_OR_RETURN(auto rows, ctx_.store.ListLedger(target_id, cursor, limit));
  // A workflow's occurrences start runs (workflow executions), an event's start jobs.
  const bool workflow = target_id.starts_with("wfl_");
  json items = json::array();
  for (const auto& row : rows) {
    json item{{"id", row.id},
              {"plannedAt", FormatRfc3339(row.planned_at)},
              {"enqueuedAt", TimeOrNull(row.enqueued_at)},
              {"latenessMs", row.lateness_ms ? json(*row.lateness_ms) : json(nullptr)},
              {"fate", row.fate},
              {"detail", row.detail},
              // A pause's rows: RESUMED says how many occurrences it covered, to which one.
              {"occurrences", row.occurrences ? json(*row.occurrences) : json(nullptr)},
              {"lastPlannedAt", TimeOrNull(row.last_planned_at)}};
    const json execution = row.execution_id.empty() ? json(nullptr) : json(row.execution_id);
    if (workflow) {
      item["workflowExecutionId"] = execution;
    } else {
      item["jobId"] = row.job_id.empty() ? json(nullptr) : json(row.job_id);
      item["executionId"] = execution;
    }
    items.push_back(std::move(item));
  }
  const bool full = static_cast<int>(rows.size()) == limit;
  return JsonResponse(
      200, {{"items", items}, {"nextCursor", full ? json(rows.back().id) : json(nullptr)}});
}

Status Handlers::CheckSchedule(const json& schedule) {
  return ParseSchedule(schedule, ctx_.clock.Now()).map([](auto&&) {});
}

Result<store::NewSchedule> Handlers::PlanWorkflowSchedule(const store::WorkflowRecord& workflow,
                                                          const json& schedule,
                                                          const auth::Principal& principal) {
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ParseSchedule(schedule, ctx_.clock.Now()));
  return ctx_.scheduler.PlanNew(store::ScheduleTarget::kWorkflow, workflow.id, workflow.created_at,
                                spec, principal.ToActor());
}

Status Handlers::SetSchedule(const std::string& target_id, bool workflow, const json& schedule,
                             const auth::Principal& principal) {
  if (schedule.is_null()) {
    if (!ctx_.store.GetSchedule(target_id)) return OkStatus();
    return ctx_.scheduler.RemoveSchedule(target_id, principal.ToActor());
  }
  CRONIUM_ASSIGN_OR_RETURN(auto spec, ParseSchedule(schedule, ctx_.clock.Now()));
  if (workflow) {
    CRONIUM_RETURN_IF_ERROR(
        ctx_.scheduler.SetWorkflowSchedule(target_id, spec, principal.ToActor()));
  } else {
    CRONIUM_RETURN_IF_ERROR(ctx_.scheduler.SetSchedule(target_id, spec, principal.ToActor()));
  }
  return OkStatus();
}

void Handlers::RefreshSchedule(const std::string& target_id) { ctx_.scheduler.Refresh(target_id); }

json Handlers::RenderSchedule(const std::string& target_id) {
  auto record = ctx_.store.GetSchedule(target_id);
  if (!record) return nullptr;
  return RenderSchedule(*record);
}

json Handlers::RenderSchedule(const store::ScheduleRecord& record) {
  json doc = json::parse(record.spec_json, nullptr, false);
  if (!doc.is_object()) return nullptr;
  // Every field with the value in force: a spec stored before a field existed shows what it
  // means (a missing dayMatch is VIXIE).
  if (auto spec = scheduler::ScheduleSpecFromJson(doc, scheduler::SpecSource::kStored)) {
    doc = scheduler::ScheduleSpecToJson(*spec);
  }
  doc["nextRunAt"] = TimeOrNull(record.next_due_at);
  doc["runCount"] = record.run_count;
  return doc;
}

// ?count= for previews: 1 to 100, default 10.
Result<int> ReadCount(const Request& request) {
  auto text = request.QueryParam("count");
  if (!text) return 10;
  char* end = nullptr;
  const long value = std::strtol(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || value < 1 || value > 100) {
    return InvalidArgument("count: an integer from 1 to 100");
  }
  return static_cast<int>(value);
}

// One previewed run, preceded by the wall-clock times a DST gap removed (SKIP policy).
void AppendPreview(json& instants, const scheduler::Occurrence& next, const date::time_zone& zone) {
  if (next.skipped > 0) {
    instants.push_back(
        {{"utc", FormatRfc3339(next.skipped_at)},
         {"local",
          FormatRfc3339(TimePoint(std::chrono::seconds(next.skipped_first.count()))).substr(0, 19)},
         {"dst", "SKIPPED"},
         {"skipped", next.skipped}});
  }
  instants.push_back({{"utc", FormatRfc3339(next.instant)},
                      {"local", scheduler::FormatLocal(next.instant, zone)},
                      {"dst", next.dst == scheduler::DstMark::kShifted    ? json("SHIFTED")
                              : next.dst == scheduler::DstMark::kRepeated ? json("REPEATED")
                                                                          : json(nullptr)}});
}

// ?dayMatch=, ?dstGapPolicy= and ?dstOverlapPolicy= over `spec`'s own values: a preview tries
// a rule without changing anything.
Result<scheduler::ScheduleSpec> WithPolicyParams(const Request& request,
                                                 scheduler::ScheduleSpec spec) {
  if (auto text = request.QueryParam("dayMatch")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.day_match, scheduler::ParseDayMatch(*text, "dayMatch"));
  }
  if (auto text = request.QueryParam("dstGapPolicy")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.dst_gap, scheduler::ParseDstGapPolicy(*text, "dstGapPolicy"));
  }
  if (auto text = request.QueryParam("dstOverlapPolicy")) {
    CRONIUM_ASSIGN_OR_RETURN(spec.dst_overlap,
                             scheduler::ParseDstOverlapPolicy(*text, "dstOverlapPolicy"));
  }
  return spec;
}

// The next `count` runs of `compiled` after `from`, after `head`'s fields, with the rules they
// follow: dayMatch and the DST policies as set, what AUTO chose (cron only), and the warnings.
json PreviewBody(const scheduler::CompiledSchedule& compiled, TimePoint from, int count,
                 json head) {
  json instants = json::array();
  TimePoint cursor = from;
  for (int n = 0; n < count; ++n) {
    auto next = compiled.NextAfter(cursor);
    if (!next) break;
    AppendPreview(instants, *next, compiled.zone());
    cursor = next->instant;
  }
  const scheduler::ScheduleSpec& spec = compiled.spec();
  const bool cron = spec.kind == scheduler::ScheduleKind::kCron;
  head["timezone"] = compiled.zone().name();
  head["dayMatch"] = scheduler::ToString(spec.day_match);
  head["dstGapPolicy"] = scheduler::ToString(spec.dst_gap);
  head["dstOverlapPolicy"] = scheduler::ToString(spec.dst_overlap);
  head["appliedDstGapPolicy"] =
      cron ? json(scheduler::ToString(compiled.applied_dst_gap())) : json(nullptr);
  head["appliedDstOverlapPolicy"] =
      cron ? json(scheduler::ToString(compiled.applied_dst_overlap())) : json(nullptr);
  head["instants"] = instants;
  head["never"] = instants.empty();
  head["warnings"] = compiled.Warnings();
  return head;
}

// GET /api/v1/schedules/preview?cron=&tz=&count=&from=&dayMatch=&dstGapPolicy=&dstOverlapPolicy=
// A new schedule's defaults apply (dayMatch OR, DST policies AUTO).
Result<Response> Handlers::PreviewSchedule(Request& request, const auth::Principal&) {
  const auto cron_text = request.QueryParam("cron");
  if (!cron_text || cron_text->empty()) return InvalidArgument("cron: required");
  if (cron_text->size() > 256) return InvalidArgument("cron: at most 256 characters");
  CRONIUM_RETURN_IF_ERROR(scheduler::CronExpression::Parse(*cron_text));  // errors name the field
  scheduler::ScheduleSpec spec;
  spec.kind = scheduler::ScheduleKind::kCron;
  spec.cron = *cron_text;
  spec.timezone = request.QueryParam("tz").value_or("");
  CRONIUM_ASSIGN_OR_RETURN(spec, WithPolicyParams(request, std::move(spec)));
  CRONIUM_ASSIGN_OR_RETURN(const int count, ReadCount(request));
  TimePoint from = ctx_.clock.Now();
  if (auto text = request.QueryParam("from")) {
    CRONIUM_ASSIGN_OR_RETURN(from, ParseRfc3339(*text));
  }
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, scheduler::CompiledSchedule::Compile(spec, from));
  return JsonResponse(200, PreviewBody(compiled, from, count, {{"cron", *cron_text}}));
}

// POST /api/v1/schedules/preview {"schedule": {...}, "count": 10, "from": "..."}: the runs a
// schedule of any kind would plan if it were saved now (the editor's preview before saving).
// Checked like a save, so a 400 names the field (schedule.cron: ...). An interval without a
// start counts from `from`, as a new event's would count from its creation; a run limit caps
// the list.
Result<Response> Handlers::PreviewScheduleSpec(Request& request, const auth::Principal&) {
  CRONIUM_ASSIGN_OR_RETURN(JsonBody body, JsonBody::Parse(request));
  CRONIUM_RETURN_IF_ERROR(body.RejectUnknown({"schedule", "count", "from"}));
  const json* schedule = body.Get("schedule");
  if (schedule == nullptr || schedule->is_null()) return InvalidArgument("schedule: required");
  CRONIUM_ASSIGN_OR_RETURN(auto count, body.Int("count"));
  if (count && (*count < 1 || *count > 100)) return InvalidArgument("count: from 1 to 100");
  TimePoint from = ctx_.clock.Now();
  CRONIUM_ASSIGN_OR_RETURN(auto from_text, body.String("from"));
  if (from_text) {
    auto parsed = ParseRfc3339(*from_text);
    if (!parsed) return InvalidArgument("from: an RFC 3339 timestamp");
    from = *parsed;
  }
  CRONIUM_ASSIGN_OR_RETURN(
      auto spec, scheduler::ScheduleSpecFromJson(*schedule, scheduler::SpecSource::kRequest));
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, scheduler::CompiledSchedule::Compile(spec, from));
  int64_t n = count.value_or(10);
  if (spec.max_runs > 0) n = std::min<int64_t>(n, spec.max_runs);
  return JsonResponse(200, PreviewBody(compiled, from, static_cast<int>(n),
                                       {{"kind", scheduler::ToString(spec.kind)}}));
}

Result<Response> Handlers::PreviewOf(Request& request, const std::string& target_id,
                                     TimePoint created_at, json head) {
  CRONIUM_ASSIGN_OR_RETURN(auto record, ctx_.store.GetSchedule(target_id));
  CRONIUM_ASSIGN_OR_RETURN(
      auto spec, scheduler::ScheduleSpecFromJson(json::parse(record.spec_json, nullptr, false),
                                                 scheduler::SpecSource::kStored));
  CRONIUM_ASSIGN_OR_RETURN(spec, WithPolicyParams(request, std::move(spec)));
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, scheduler::CompiledSchedule::Compile(spec, created_at));
  CRONIUM_ASSIGN_OR_RETURN(const int count, ReadCount(request));
  return JsonResponse(200, PreviewBody(compiled, ctx_.clock.Now(), count, std::move(head)));
}

}  // namespace cronium::api::internal

namespace cronium::api::internal {
namespace {

// One schedule's coming occurrences, produced one at a time for the merge below.
struct Upcoming {
  const store::ScheduleWithTarget* target;
  scheduler::CompiledSchedule compiled;
  scheduler::Occurrence next;
  int64_t left;  // runs its run limit still allows (or INT64_MAX)
};

bool ParseInt64(std::string_view text, int64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

// GET /api/v1/schedules/upcoming?hours=24&limit=100&cursor=: every planned run of the active
// events and workflows the caller can see in the next `hours`, soonest first, merged from each
// schedule's own occurrences (its zone, DST and day rules, end and run limit). Paged: the
// cursor is the last item's instant and target.
Result<Response> Handlers::UpcomingSchedules(Request& request, const auth::Principal& principal) {
  int64_t hours = 24, limit = 100;
  if (auto text = request.QueryParam("hours")) {
    if (!ParseInt64(*text, hours) || hours < 1 || hours > 168) {
      return InvalidArgument("hours: a whole number of hours from 1 to 168");
    }
  }
  if (auto text = request.QueryParam("limit")) {
    if (!ParseInt64(*text, limit) || limit < 1 || limit > 500) {
      return InvalidArgument("limit: from 1 to 500");
    }
  }
  const TimePoint now = ctx_.clock.Now();
  const TimePoint until = now + std::chrono::hours(hours);
  // The cursor: "<unix ms>.<target id>", the last item of the page before.
  TimePoint after = now;
  std::optional<TimePoint> cursor_at;
  std::string after_id;
  if (auto text = request.QueryParam("cursor"); text && !text->empty()) {
    const size_t dot = text->find('.');
    int64_t ms = 0;
    if (dot == std::string::npos || !ParseInt64(text->substr(0, dot), ms) || ms < 0) {
      return InvalidArgument("cursor: not one this endpoint gave");
    }
    cursor_at = FromUnixMillis(ms);
    after = std::max(now, *cursor_at - std::chrono::milliseconds(1));
    after_id = text->substr(dot + 1);
  }
  const bool admin = principal.role == store::UserRole::kAdmin;
  CRONIUM_ASSIGN_OR_RETURN(auto targets, ctx_.store.ListSchedulesWithTargets());
  std::vector<Upcoming> schedules;
  for (const store::ScheduleWithTarget& target : targets) {
    if (target.status != store::EventStatus::kActive) continue;
    if (!admin && !target.shared && target.owner_id != principal.user_id) continue;
    auto spec = scheduler::ScheduleSpecFromJson(
        json::parse(target.schedule.spec_json, nullptr, false), scheduler::SpecSource::kStored);
    if (!spec || spec->kind == scheduler::ScheduleKind::kManual) continue;
    auto compiled = scheduler::CompiledSchedule::Compile(*spec, target.created_at);
    if (!compiled) continue;
    int64_t left = std::numeric_limits<int64_t>::max();
    std::optional<scheduler::Occurrence> next;
    if (spec->max_runs > 0) {
      // A run limit counts from now: walk the occurrences the pages before showed.
      left = spec->max_runs - target.schedule.run_count;
      next = compiled->NextAfter(now);
      while (next && left > 0 && next->instant <= after) {
        --left;
        next = compiled->NextAfter(next->instant);
      }
    } else {
      next = compiled->NextAfter(after);
    }
    if (left <= 0 || !next || next->instant > until) continue;
    schedules.push_back(Upcoming{&target, std::move(*compiled), *next, left - 1});
  }
  // Soonest first; ties by target id (the cursor's order).
  auto later = [&](size_t a, size_t b) {
    const Upcoming& x = schedules[a];
    const Upcoming& y = schedules[b];
    if (x.next.instant != y.next.instant) return x.next.instant > y.next.instant;
    return x.target->schedule.target_id > y.target->schedule.target_id;
  };
  std::vector<size_t> heap(schedules.size());
  for (size_t i = 0; i < heap.size(); ++i) heap[i] = i;
  std::make_heap(heap.begin(), heap.end(), later);
  json items = json::array();
  std::string cursor;
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    Upcoming& item = schedules[heap.back()];
    const scheduler::Occurrence occurrence = item.next;
    const std::string& id = item.target->schedule.target_id;
    // Items at the cursor's own instant came on the page before up to its target.
    const bool seen = cursor_at && occurrence.instant <= *cursor_at && id <= after_id;
    if (!seen) {
      if (static_cast<int64_t>(items.size()) == limit) {
        std::push_heap(heap.begin(), heap.end(), later);
        break;
      }
      items.push_back(
          {{"at", FormatRfc3339(occurrence.instant)},
           {"local", scheduler::FormatLocal(occurrence.instant, item.compiled.zone())},
           {"timezone", item.compiled.zone().name()},
           {"targetType",
            item.target->schedule.target == store::ScheduleTarget::kEvent ? "EVENT" : "WORKFLOW"},
           {"targetId", id},
           {"name", item.target->name}});
      cursor = std::to_string(ToUnixMillis(occurrence.instant)) + "." + id;
    }
    auto next = item.left > 0 ? item.compiled.NextAfter(occurrence.instant) : std::nullopt;
    if (next && next->instant <= until) {
      item.next = *next;
      --item.left;
      std::push_heap(heap.begin(), heap.end(), later);
    } else {
      heap.pop_back();
    }
  }
  return JsonResponse(200, {{"from", FormatRfc3339(now)},
                            {"until", FormatRfc3339(until)},
                            {"items", items},
                            {"nextCursor", heap.empty() ? json(nullptr) : json(cursor)}});
}

}  // namespace cronium::api::internal

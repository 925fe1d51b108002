#include "scheduler/scheduler.h"

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/time_format.h"

namespace cronium::scheduler {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const store::Actor kSchedulerActor{.type = "system", .id = "", .name = "scheduler", .source = ""};

// Drops what an in-memory schedule state does not need: the map key names the event or
// workflow and the store keeps the spec text. Swapping with empty strings frees their buffers.
void Slim(store::ScheduleRecord& state) {
  std::string().swap(state.target_id);
  std::string().swap(state.spec_json);
}

int64_t Millis(std::chrono::system_clock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

const char* TargetName(store::ScheduleTarget target) {
  return target == store::ScheduleTarget::kWorkflow ? "workflow" : "event";
}

// Which DST rule did it, for the ledger: "dstGapPolicy SKIP", or for AUTO "dstGapPolicy AUTO
// (SKIP: the hour field follows the clock)".
std::string DstNote(std::string_view field, bool automatic, std::string_view applied,
                    bool follows_clock) {
  if (!automatic) return fmt::format("{} {}", field, applied);
  return fmt::format("{} AUTO ({}: the hour field {})", field, applied,
                     follows_clock ? "follows the clock" : "names fixed hours");
}

std::string DstNote(DstGapPolicy set, DstGapPolicy applied) {
  return DstNote("dstGapPolicy", set == DstGapPolicy::kAuto, ToString(applied),
                 applied == DstGapPolicy::kSkip);
}

std::string DstNote(DstOverlapPolicy set, DstOverlapPolicy applied) {
  return DstNote("dstOverlapPolicy", set == DstOverlapPolicy::kAuto, ToString(applied),
                 applied == DstOverlapPolicy::kTwice);
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, store::Store& store, queue::JobQueue& queue,
                     events::EventService& events, const Clock& clock, workflow::Engine* workflows)
    : options_(options),
      store_(store),
      queue_(queue),
      events_(events),
      clock_(clock),
      workflows_(workflows) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Push(const std::string& event_id, Entry& entry) {
  entry.version = next_version_++;
  if ((entry.active || entry.paused) && entry.state.next_due_at) {
    heap_.push({*entry.state.next_due_at, {event_id, entry.version}});
  }
}

Result<store::ScheduleWithTarget> Scheduler::ReadTarget(store::ScheduleTarget target,
                                                        const std::string& id) {
  store::ScheduleWithTarget read;
  read.schedule.target = target;
  read.schedule.target_id = id;
  if (target == store::ScheduleTarget::kWorkflow) {
    CRONIUM_ASSIGN_OR_RETURN(auto workflow, store_.GetWorkflow(id));
    read.status = workflow.status;
    read.owner_id = workflow.owner_id;
    read.created_at = workflow.created_at;
    return read;
  }
  CRONIUM_ASSIGN_OR_RETURN(auto event, store_.GetEvent(id));
  read.status = event.status;
  read.owner_id = event.owner_id;
  read.retries = event.retries;
  read.timeout_seconds = event.timeout_seconds;
  read.priority = event.priority;
  read.kind = store::JobKindOf(event.type);
  read.created_at = event.created_at;
  return read;
}

void Scheduler::ApplyTarget(const store::ScheduleWithTarget& target, Entry& entry) {
  entry.active = target.status == store::EventStatus::kActive;
  entry.paused = target.status == store::EventStatus::kPaused;
  entry.owner_id = target.owner_id;
  entry.retries = target.retries;
  entry.timeout_seconds = target.timeout_seconds;
  entry.priority = target.priority;
  entry.kind = target.kind;
}

Status Scheduler::LoadOne(const store::ScheduleRecord& record, TimePoint now) {
  auto target = ReadTarget(record.target, record.target_id);
  if (!target) {
    entries_.erase(record.target_id);
    ++next_version_;
    return OkStatus();
  }
  target->schedule = record;
  LoadEntry(*target, now);
  return OkStatus();
}

void Scheduler::LoadEntry(const store::ScheduleWithTarget& item, TimePoint now) {
  const store::ScheduleRecord& record = item.schedule;
  if (record.target == store::ScheduleTarget::kWorkflow && workflows_ == nullptr) {
    spdlog::warn("schedule of workflow {} not loaded: this scheduler runs no workflows",
                 record.target_id);
    return;
  }
  Entry entry;
  entry.target = record.target;
  entry.state = record;
  const json doc = json::parse(record.spec_json, nullptr, false);
  auto spec = ScheduleSpecFromJson(doc, SpecSource::kStored);
  if (!spec) {
    spdlog::warn("schedule of {} {} cannot be loaded: {}", TargetName(record.target),
                 record.target_id, spec.error().message);
    return;
  }
  auto compiled = CompiledSchedule::Compile(*spec, item.created_at);
  if (!compiled) {
    spdlog::warn("schedule of {} {} is invalid: {}", TargetName(record.target), record.target_id,
                 compiled.error().message);
    return;
  }
  entry.compiled = std::move(*compiled);
  // In memory the map key names the event and the store keeps the spec text: drop both
  // (swapping with an empty string frees the buffers; clear() would keep them).
  Slim(entry.state);
  ApplyTarget(item, entry);
  if (entry.active && !entry.state.next_due_at && !entry.state.last_planned_at) {
    // Never planned yet: start from now.
    if (auto next = entry.compiled->NextAfter(now)) {
      entry.state.next_due_at = next->instant;
      entry.next = *next;
    }
  } else if (entry.state.next_due_at) {
    // The occurrence with its DST mark: after the last one planned, or, never planned yet,
    // after the moment the schedule was set (SetSchedule and PlanNew plan from then).
    auto next = entry.compiled->NextAfter(entry.state.last_planned_at.value_or(record.updated_at));
    if (next && next->instant == *entry.state.next_due_at) entry.next = *next;
  }
  auto& slot = entries_[record.target_id];
  slot = std::move(entry);
  Push(record.target_id, slot);
}

Status Scheduler::Load() {
  CRONIUM_ASSIGN_OR_RETURN(auto records, store_.ListSchedulesWithTargets());
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_.Now();
  for (const auto& record : records) LoadEntry(record, now);
  spdlog::info("scheduler: {} schedule(s) loaded", records.size());
  records.clear();
  records.shrink_to_fit();
  // Loading many schedules leaves large freed blocks behind; hand them back to the system.
  malloc_trim(0);
  return OkStatus();
}

void Scheduler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop() {
  bool leading = !options_.leads;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto wait = options_.max_sleep;
    if (!heap_.empty()) {
      const auto until_due = heap_.top().first - clock_.Now();
      wait = std::clamp(std::chrono::duration_cast<milliseconds>(until_due), milliseconds(0),
                        options_.max_sleep);
    }
    if (!leading) wait = std::min(wait, options_.standby_poll);
    if (wait > milliseconds(0)) {
      const uint64_t version = next_version_;
      cv_.wait_for(lock, wait, [&] { return stopping_ || next_version_ != version; });
      if (stopping_) break;
    }
    lock.unlock();
    if (options_.leads) {
      const bool leads = options_.leads();
      if (leads && !leading) {
        spdlog::info("scheduler: this node leads now; reading every schedule again");
        if (Status reloaded = ReloadAll(); !reloaded) {
          spdlog::warn("scheduler: {}", reloaded.error().message);
          lock.lock();
          continue;
        }
      } else if (!leads && leading) {
        spdlog::warn("scheduler: this node no longer leads; standing by");
      }
      leading = leads;
      if (!leading) {
        lock.lock();
        continue;
      }
    }
    const TimePoint now = clock_.Now();
    auto fired = RunDue(now);
    if (!fired) spdlog::warn("scheduler: {}", fired.error().message);
    if (workflows_ != nullptr && now - last_sweep_ >= options_.max_sleep) {
      // Held workflow runs start when a run ends; should that ever fail, they start here.
      last_sweep_ = now;
      if (Status swept = workflows_->ReleaseAllHeld(); !swept) {
        spdlog::warn("scheduler: held workflow runs: {}", swept.error().message);
      }
    }
    lock.lock();
  }
}

Result<store::ScheduleRecord> Scheduler::SetSchedule(const std::string& event_id,
                                                     const ScheduleSpec& spec,
                                                     const store::Actor& actor) {
  return Set(store::ScheduleTarget::kEvent, event_id, spec, actor);
}

Result<store::ScheduleRecord> Scheduler::SetWorkflowSchedule(const std::string& workflow_id,
                                                             const ScheduleSpec& spec,
                                                             const store::Actor& actor) {
  if (workflows_ == nullptr) {
    return FailedPrecondition("this scheduler does not run workflows");
  }
  return Set(store::ScheduleTarget::kWorkflow, workflow_id, spec, actor);
}

Result<store::ScheduleRecord> Scheduler::Set(store::ScheduleTarget target, const std::string& id,
                                             const ScheduleSpec& spec, const store::Actor& actor) {
  CRONIUM_ASSIGN_OR_RETURN(auto read, ReadTarget(target, id));
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, CompiledSchedule::Compile(spec, read.created_at));
  std::unique_lock lock(mutex_);
  const TimePoint now = clock_.Now();
  store::ScheduleRecord record;
  // Keep the run count and what was planned, as stored: what this node holds in memory may be
  // behind when another node leads (under the mutex the store agrees with the leader's memory).
  if (auto stored = store_.GetSchedule(id)) {
    record = *stored;
  } else if (stored.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(stored.error());
  }
  record.target = target;
  record.target_id = id;
  record.spec_json = ScheduleSpecToJson(spec).dump();
  record.next_due_at.reset();
  Occurrence mark;
  if (auto next = compiled.NextAfter(now)) {
    record.next_due_at = next->instant;
    mark = *next;
  }
  record.updated_at = now;
  CRONIUM_RETURN_IF_ERROR(store_.PutSchedule(
      record,
      store::MakeAudit(actor, now, "schedule.set", TargetName(target), id, record.spec_json)));
  Entry& entry = entries_[id];
  entry = Entry{};
  entry.target = target;
  ApplyTarget(read, entry);
  entry.compiled = std::move(compiled);
  entry.state = record;
  Slim(entry.state);
  entry.next = mark;
  Push(id, entry);
  cv_.notify_all();
  lock.unlock();
  if (on_change) on_change(id);
  return record;
}

Result<store::NewSchedule> Scheduler::PlanNew(store::ScheduleTarget target, const std::string& id,
                                              TimePoint created_at, const ScheduleSpec& spec,
                                              const store::Actor& actor) {
  if (target == store::ScheduleTarget::kWorkflow && workflows_ == nullptr) {
    return FailedPrecondition("this scheduler does not run workflows");
  }
  CRONIUM_ASSIGN_OR_RETURN(auto compiled, CompiledSchedule::Compile(spec, created_at));
  const TimePoint now = clock_.Now();
  store::NewSchedule planned;
  store::ScheduleRecord& record = planned.record;
  record.target = target;
  record.target_id = id;
  record.spec_json = ScheduleSpecToJson(spec).dump();
  if (auto next = compiled.NextAfter(now)) record.next_due_at = next->instant;
  record.updated_at = now;
  planned.audit =
      store::MakeAudit(actor, now, "schedule.set", TargetName(target), id, record.spec_json);
  return planned;
}

void Scheduler::Adopt(const std::string& target_id) {
  Reload(target_id);
  if (on_change) on_change(target_id);
}

Status Scheduler::RemoveSchedule(const std::string& target_id, const store::Actor& actor) {
  {
    std::lock_guard lock(mutex_);
    CRONIUM_ASSIGN_OR_RETURN(auto record, store_.GetSchedule(target_id));
    CRONIUM_RETURN_IF_ERROR(
        store_.DeleteSchedule(target_id, store::MakeAudit(actor, clock_.Now(), "schedule.remove",
                                                          TargetName(record.target), target_id)));
    entries_.erase(target_id);
    ++next_version_;
  }
  cv_.notify_all();
  if (on_change) on_change(target_id);
  return OkStatus();
}

void Scheduler::Reload(const std::string& target_id) {
  RefreshEntry(target_id);  // its event's or workflow's status (a resume plans from now)
  std::lock_guard lock(mutex_);
  auto stored = store_.GetSchedule(target_id);
  if (!stored) {
    if (stored.error().code == ErrorCode::kNotFound) {
      entries_.erase(target_id);
    } else {
      spdlog::warn("scheduler: cannot read the schedule of {}: {}", target_id,
                   stored.error().message);
    }
  } else if (Status loaded = LoadOne(*stored, clock_.Now()); !loaded) {
    spdlog::warn("scheduler: cannot load the schedule of {}: {}", target_id,
                 loaded.error().message);
  }
  ++next_version_;
  cv_.notify_all();
}

Status Scheduler::ReloadAll() {
  CRONIUM_ASSIGN_OR_RETURN(auto records, store_.ListSchedulesWithTargets());
  {
    std::lock_guard lock(mutex_);
    entries_.clear();
    heap_ = {};
    const TimePoint now = clock_.Now();
    for (const auto& record : records) LoadEntry(record, now);
    ++next_version_;
  }
  cv_.notify_all();
  return OkStatus();
}

void Scheduler::Refresh(const std::string& target_id) {
  RefreshEntry(target_id);
  if (on_change) on_change(target_id);
}

void Scheduler::RefreshEntry(const std::string& target_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(target_id);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  const bool was_active = entry.active;
  auto read = ReadTarget(entry.target, target_id);
  if (!read) {
    entries_.erase(it);  // deleted
    ++next_version_;
    return;
  }
  ApplyTarget(*read, entry);
  if (entry.active && !was_active && entry.compiled) {
    // Resumed: what would have fired while paused is not owed; plan from now.
    const TimePoint now = clock_.Now();
    entry.state.next_due_at.reset();
    if (auto next = entry.compiled->NextAfter(now)) {
      entry.state.next_due_at = next->instant;
      entry.next = *next;
    }
    entry.state.updated_at = now;
    if (auto stored = store_.GetSchedule(target_id)) {
      // The stored progress (another node may have led since this one loaded it), planned
      // from now.
      store::ScheduleRecord record = *stored;
      record.next_due_at = entry.state.next_due_at;
      record.updated_at = now;
      if (auto closed = ClosePause(target_id, *entry.compiled, *stored, now)) {
        // The pause's end and the schedule's new start, in one transaction.
        store::ScheduleStep step;
        step.ledger = std::move(*closed);
        step.state = record;
        (void)store_.ApplyScheduleSteps({step});
      } else {
        (void)store_.PutSchedule(record, {});
      }
      entry.state.run_count = record.run_count;
      entry.state.last_planned_at = record.last_planned_at;
    }
  }
  Push(target_id, entry);
  cv_.notify_all();
}

std::optional<store::LedgerRecord> Scheduler::ClosePause(const std::string& target_id,
                                                         const CompiledSchedule& compiled,
                                                         const store::ScheduleRecord& stored,
                                                         TimePoint now) {
  // A pause that covered an occurrence left the schedule asleep (no next occurrence) with its
  // PAUSED row last in the ledger. A node that reads the schedule after another one closed the
  // pause finds it planned again, and writes nothing.
  if (stored.next_due_at) return std::nullopt;
  auto last = store_.ListLedger(target_id, "", 1);
  if (!last || last->empty() || last->front().fate != "PAUSED") return std::nullopt;
  const TimePoint first = last->front().planned_at;
  // Counted up to a bound: a per-second schedule paused for a year is "at least 100,000".
  constexpr int64_t kMaxCounted = 100'000;
  int64_t count = 1;
  TimePoint last_covered = first;
  while (count < kMaxCounted) {
    auto next = compiled.NextAfter(last_covered);
    if (!next || next->instant > now) break;  // resuming plans after `now`
    last_covered = next->instant;
    ++count;
  }
  store::LedgerRecord row;
  row.id = NewId("led", now);
  row.target_id = target_id;
  row.planned_at = first;
  row.fate = "RESUMED";
  row.occurrences = count;
  row.last_planned_at = last_covered;
  row.detail = fmt::format(
      "{}{} occurrence(s) from {} to {} were not run while paused; planned "
      "from {} on",
      count == kMaxCounted ? "at least " : "", count, FormatRfc3339(first),
      FormatRfc3339(last_covered), FormatRfc3339(now));
  return row;
}

Result<int> Scheduler::RunDue(TimePoint now) {
  std::lock_guard lock(mutex_);
  int fired = 0;
  Batch batch;
  while (!heap_.empty() && heap_.top().first <= now) {
    const auto [due, key] = heap_.top();
    heap_.pop();
    auto it = entries_.find(key.first);
    if (it == entries_.end() || it->second.version != key.second ||
        !(it->second.active || it->second.paused)) {
      continue;
    }
    batch.events.push_back(key.first);
    Status handled = Handle(key.first, it->second, now, batch);
    if (!handled) {
      spdlog::warn("scheduler: event {}: {}", key.first, handled.error().message);
      // Try again shortly rather than spinning.
      heap_.push({now + milliseconds(1000), {key.first, it->second.version}});
    } else {
      Push(key.first, it->second);
    }
    // Keep transactions (and the time before the first job is visible) bounded.
    if (batch.steps.size() >= 256) fired += Flush(batch);
  }
  fired += Flush(batch);
  // Pausing is a change of the event or workflow, audited as such; it comes after every job
  // of the pass is visible, so that a burst of finished schedules does not delay the others.
  for (const auto& [target, id] : batch.to_pause) {
    Status paused = OkStatus();
    if (target == store::ScheduleTarget::kWorkflow) {
      const TimePoint at = clock_.Now();
      paused = store_.SetWorkflowStatus(
          id, store::EventStatus::kPaused, at,
          store::MakeAudit(kSchedulerActor, at, "workflow.update", "workflow", id,
                           json{{"status", "PAUSED"}, {"reason", "its schedule is over"}}.dump()));
    } else {
      events::EventFields pause;
      pause.status = store::EventStatus::kPaused;
      if (auto updated = events_.Update(id, pause, kSchedulerActor); !updated) {
        paused = tl::unexpected(updated.error());
      }
    }
    if (!paused && paused.error().code != ErrorCode::kNotFound) {
      spdlog::warn("scheduler: cannot pause {} {}: {}", TargetName(target), id,
                   paused.error().message);
    }
  }
  return fired;
}

int Scheduler::Flush(Batch& batch) {
  int fired = 0;
  if (!batch.steps.empty()) {
    // Jobs become visible when this transaction commits: that is when they are enqueued.
    const TimePoint at = clock_.Now();
    for (auto& step : batch.steps) {
      if (!step.job && !step.workflow_run) continue;
      const TimePoint enqueued = std::max(at, *step.ledger.enqueued_at);
      step.ledger.enqueued_at = enqueued;
      step.ledger.lateness_ms = Millis(enqueued - step.ledger.planned_at);
    }
    auto written = store_.ApplyScheduleSteps(batch.steps);
    if (!written) {
      // Nothing was stored: let the touched schedules start again from what the store has.
      spdlog::warn("scheduler: cannot record {} occurrence(s): {}", batch.steps.size(),
                   written.error().message);
      const TimePoint now = clock_.Now();
      for (const auto& id : batch.events) {
        if (auto record = store_.GetSchedule(id)) (void)LoadOne(*record, now);
      }
    } else {
      for (size_t idx = 0; idx < written->size(); ++idx) {
        if (!(*written)[idx]) {
          // Its event or workflow was deleted behind the scheduler's back (with its user):
          // forget the schedule.
          const std::string& id = batch.steps[idx].state.target_id;
          auto stored = store_.GetSchedule(id);
          if (!stored && stored.error().code == ErrorCode::kNotFound && entries_.erase(id) > 0) {
            ++next_version_;
          }
          continue;
        }
        if (batch.steps[idx].job) ++fired;
        if (batch.steps[idx].workflow_run) {
          ++fired;
          workflows_->Written(*batch.steps[idx].workflow_run);
        }
      }
      if (fired > 0) queue_.Wake();
    }
  }
  batch.steps.clear();
  batch.pending_fires.clear();
  batch.pending_held.clear();
  batch.events.clear();
  return fired;
}

Status Scheduler::Handle(const std::string& id, Entry& entry, TimePoint now, Batch& batch) {
  const CompiledSchedule& schedule = *entry.compiled;
  const ScheduleSpec& spec = schedule.spec();
  // Every occurrence due by now, in order; the first not yet due becomes the next due.
  std::vector<Occurrence> due;
  std::optional<Occurrence> cursor = entry.next;
  cursor->instant = *entry.state.next_due_at;
  if (entry.state.last_planned_at && cursor->instant <= *entry.state.last_planned_at) {
    cursor = schedule.NextAfter(*entry.state.last_planned_at);
  }
  while (cursor && cursor->instant <= now &&
         static_cast<int>(due.size()) < options_.max_occurrences_per_pass) {
    due.push_back(*cursor);
    cursor = schedule.NextAfter(cursor->instant);
  }
  const std::optional<TimePoint> next_due =
      cursor ? std::optional<TimePoint>(cursor->instant) : std::nullopt;
  entry.next = cursor ? *cursor : Occurrence{};

  // Which missed occurrences the misfire policy runs.
  std::vector<bool> catch_up(due.size(), false);
  {
    std::vector<size_t> eligible;
    for (size_t idx = 0; idx < due.size(); ++idx) {
      const auto late = now - due[idx].instant;
      if (late > options_.misfire_grace &&
          late <= std::chrono::seconds(spec.catch_up_window_seconds)) {
        eligible.push_back(idx);
      }
    }
    if (spec.misfire == MisfirePolicy::kRunOnce && !eligible.empty()) {
      catch_up[eligible.back()] = true;
    } else if (spec.misfire == MisfirePolicy::kRunAll) {
      const size_t first = eligible.size() > static_cast<size_t>(options_.max_catch_up_runs)
                               ? eligible.size() - options_.max_catch_up_runs
                               : 0;
      for (size_t idx = first; idx < eligible.size(); ++idx) catch_up[eligible[idx]] = true;
    }
  }

  for (size_t idx = 0; idx < due.size(); ++idx) {
    const Occurrence& occurrence = due[idx];
    if (occurrence.skipped > 0) {
      // Wall-clock times that a spring-forward change removed, under dstGapPolicy SKIP.
      store::LedgerRecord gap;
      gap.id = NewId("led", now);
      gap.target_id = id;
      gap.planned_at = occurrence.skipped_at;
      gap.fate = "DST_SKIPPED";
      gap.detail = fmt::format(
          "{} occurrence(s) from {} local did not exist (clocks moved forward); {}",
          occurrence.skipped,
          FormatRfc3339(TimePoint(std::chrono::seconds(occurrence.skipped_first.count())))
              .substr(0, 19),
          DstNote(spec.dst_gap, schedule.applied_dst_gap()));
      store::ScheduleRecord unchanged = entry.state;
      unchanged.target = entry.target;
      unchanged.target_id = id;
      batch.steps.push_back({.ledger = gap, .state = unchanged});
    }
    const bool last = idx + 1 == due.size();
    store::ScheduleRecord state = entry.state;
    state.target = entry.target;
    state.target_id = id;
    state.last_planned_at = occurrence.instant;
    state.next_due_at = last ? next_due : std::optional<TimePoint>(due[idx + 1].instant);
    state.updated_at = now;
    store::LedgerRecord ledger;
    ledger.id = NewId("led", now);
    ledger.target_id = id;
    ledger.planned_at = occurrence.instant;
    const int64_t lateness = Millis(now - occurrence.instant);
    const bool missed = now - occurrence.instant > options_.misfire_grace;

    auto record = [&](std::string fate, std::string detail) -> Status {
      ledger.fate = std::move(fate);
      ledger.detail = std::move(detail);
      batch.steps.push_back({.ledger = ledger, .state = state});
      entry.state = state;
      Slim(entry.state);
      return OkStatus();
    };

    if (entry.paused) {
      // One row for the whole pause, at the first occurrence it covers; the schedule then sleeps
      // (no next occurrence) until the pause ends, and RefreshEntry writes the row that closes
      // it with how many occurrences it covered. A paused per-second schedule writes two rows,
      // not 86,400 a day.
      state.next_due_at.reset();
      CRONIUM_RETURN_IF_ERROR(record(
          "PAUSED", fmt::format("the {} is paused; its occurrences are not run, and resuming "
                                "plans from then",
                                TargetName(entry.target))));
      return OkStatus();
    }
    if (missed && !catch_up[idx]) {
      CRONIUM_RETURN_IF_ERROR(
          record("MISSED_DOWNTIME",
                 fmt::format("{} ms late; misfire policy {}", lateness, ToString(spec.misfire))));
      continue;
    }
    if (spec.max_runs > 0 && entry.state.run_count >= spec.max_runs) {
      state.next_due_at.reset();
      CRONIUM_RETURN_IF_ERROR(
          record("RUN_LIMIT_REACHED", fmt::format("maxRuns {} reached; the {} was paused",
                                                  spec.max_runs, TargetName(entry.target))));
      batch.to_pause.emplace_back(entry.target, id);
      entry.active = false;
      return OkStatus();
    }

    // Overlap with runs still queued or running.
    bool serialize = false;
    std::string fate = catch_up[idx]                         ? "CAUGHT_UP"
                       : occurrence.dst == DstMark::kShifted ? "DST_SHIFTED"
                                                             : "FIRED";
    std::string detail;
    if (occurrence.dst == DstMark::kShifted) {
      detail =
          "its wall-clock time did not exist (clocks moved forward): run at the end of the "
          "gap; " +
          DstNote(spec.dst_gap, schedule.applied_dst_gap());
    } else if (occurrence.dst == DstMark::kRepeated) {
      detail = "repeated wall-clock time (clocks moved back); " +
               DstNote(spec.dst_overlap, schedule.applied_dst_overlap());
    }
    // What is still active: an event's jobs, or a workflow's runs (a run held QUEUED counts as
    // buffered, like a QUEUED job).
    const bool workflow = entry.target == store::ScheduleTarget::kWorkflow;
    std::vector<store::JobRecord> active_jobs;
    std::vector<store::WorkflowRunRecord> active_runs;
    if (spec.overlap != OverlapPolicy::kAllow) {  // ALLOW needs no look at what runs
      if (workflow) {
        CRONIUM_ASSIGN_OR_RETURN(active_runs, store_.ActiveWorkflowRuns(id));
        const bool only_held = !active_runs.empty() &&
                               std::all_of(active_runs.begin(), active_runs.end(), [](auto& r) {
                                 return r.status == store::RunStatus::kQueued;
                               });
        if (only_held) {
          // Held runs with nothing running before them: start them now rather than let them
          // block this occurrence.
          CRONIUM_RETURN_IF_ERROR(workflows_->ReleaseHeld(id));
          CRONIUM_ASSIGN_OR_RETURN(active_runs, store_.ActiveWorkflowRuns(id));
        }
      } else {
        CRONIUM_ASSIGN_OR_RETURN(active_jobs, store_.ActiveJobs(id));
      }
    }
    const bool any_queued =
        std::any_of(active_jobs.begin(), active_jobs.end(),
                    [](auto& j) { return j.status == store::RunStatus::kQueued; }) ||
        std::any_of(active_runs.begin(), active_runs.end(),
                    [](auto& r) { return r.status == store::RunStatus::kQueued; });
    const int pending = batch.pending_fires[id];  // fired by this pass, not yet stored
    // Waiting ones among them: every job of an event waits to be claimed; a workflow's run
    // waits only when it was held.
    const int pending_waiting = workflow ? batch.pending_held[id] : pending;
    if (!active_jobs.empty() || !active_runs.empty() || pending > 0) {
      switch (spec.overlap) {
        case OverlapPolicy::kSkip:
          CRONIUM_RETURN_IF_ERROR(record("SKIPPED_OVERLAP", "the previous run is still active"));
          continue;
        case OverlapPolicy::kBufferOne: {
          if (pending_waiting > 0 || any_queued) {
            CRONIUM_RETURN_IF_ERROR(record("SKIPPED_OVERLAP", "one run is already buffered"));
            continue;
          }
          serialize = true;
          fate = "BUFFERED";
          break;
        }
        case OverlapPolicy::kBufferAll:
          serialize = true;
          fate = "BUFFERED";
          break;
        case OverlapPolicy::kCancelPrevious: {
          size_t cancelled = 0;
          for (const auto& job : active_jobs) {
            if (cancel_run) cancel_run(job.current_execution_id);
            ++cancelled;
          }
          for (const auto& run : active_runs) {
            if (run.status == store::RunStatus::kCancelled) continue;  // stopping already
            Status stopped = workflows_->Cancel(
                run.id, "cancelled by the next scheduled run (overlap policy CANCEL_PREVIOUS)",
                kSchedulerActor);
            if (!stopped && stopped.error().code != ErrorCode::kFailedPrecondition) {
              spdlog::warn("scheduler: cannot cancel workflow execution {}: {}", run.id,
                           stopped.error().message);
            }
            ++cancelled;
          }
          detail = fmt::format("{}cancelled {} previous run(s)",
                               detail.empty() ? "" : detail + "; ", cancelled);
          break;
        }
        case OverlapPolicy::kAllow:
          break;
      }
    }

    store::ScheduleStep step;
    ledger.fate = fate;
    ledger.detail = detail;
    // Lateness is measured when this job is enqueued, not when the pass started.
    const TimePoint enqueued = std::max(now, clock_.Now());
    ledger.enqueued_at = enqueued;
    ledger.lateness_ms = Millis(enqueued - occurrence.instant);
    state.run_count = entry.state.run_count + 1;
    step.ledger = std::move(ledger);
    step.state = state;
    if (Status fired = Fire(id, entry, occurrence, serialize, now, enqueued, step); !fired) {
      const ErrorCode code = fired.error().code;
      if (code != ErrorCode::kInvalidArgument && code != ErrorCode::kNotFound &&
          code != ErrorCode::kFailedPrecondition) {
        return fired;  // the store is unwell: this occurrence is tried again shortly
      }
      // The workflow cannot start (it was archived, or its graph no longer holds): say so in the
      // ledger rather than trying again forever.
      state.run_count = entry.state.run_count;
      ledger = std::move(step.ledger);
      ledger.enqueued_at.reset();
      ledger.lateness_ms.reset();
      CRONIUM_RETURN_IF_ERROR(record("START_FAILED", fired.error().message));
      continue;
    }
    batch.steps.push_back(std::move(step));
    ++batch.pending_fires[id];
    if (serialize) ++batch.pending_held[id];
    entry.state = state;
    Slim(entry.state);
  }
  if (due.empty()) entry.state.next_due_at = next_due;
  if (!next_due && (entry.active || entry.paused)) {
    // The schedule is over (a one-time run happened, or the end time passed): say so by
    // pausing the event rather than leaving it ACTIVE with nothing to do.
    batch.to_pause.emplace_back(entry.target, id);
    entry.active = false;
  }
  return OkStatus();
}

Status Scheduler::Fire(const std::string& id, Entry& entry, const Occurrence& occurrence,
                       bool serialize, TimePoint now, TimePoint enqueued,
                       store::ScheduleStep& step) {
  const std::string unique_key = fmt::format("{}@{}", id, ToUnixMillis(occurrence.instant));
  json details{{"trigger", "SCHEDULE"}, {"plannedAt", FormatRfc3339(occurrence.instant)}};
  if (entry.target == store::ScheduleTarget::kWorkflow) {
    if (workflows_ == nullptr) return FailedPrecondition("this scheduler runs no workflows");
    CRONIUM_ASSIGN_OR_RETURN(auto workflow, store_.GetWorkflow(id));
    CRONIUM_ASSIGN_OR_RETURN(auto start, workflows_->Plan(workflow, {.actor = kSchedulerActor,
                                                                     .trigger = "SCHEDULE",
                                                                     .input_json = "{}",
                                                                     .unique_key = unique_key,
                                                                     .hold = serialize}));
    step.ledger.execution_id = start.run.id;
    details["workflowId"] = id;
    step.audit = store::MakeAudit(kSchedulerActor, enqueued, "workflow.run", "workflow_execution",
                                  start.run.id, details.dump());
    step.workflow_run = std::move(start);
    return OkStatus();
  }
  auto [job, execution] = queue::NewJob({.event_id = id,
                                         .owner_id = entry.owner_id,
                                         .kind = entry.kind,
                                         .trigger = "SCHEDULE",
                                         .priority = entry.priority,
                                         .max_attempts = 1 + entry.retries,
                                         .timeout = queue::TimeoutOf(entry.timeout_seconds),
                                         .unique_key = unique_key,
                                         .serialize = serialize},
                                        now);
  step.ledger.job_id = job.id;
  step.ledger.execution_id = execution.id;
  details["eventId"] = id;
  step.audit = store::MakeAudit(kSchedulerActor, enqueued, "run.start", "execution", execution.id,
                                details.dump());
  step.job = std::move(job);
  step.execution = std::move(execution);
  return OkStatus();
}

}  // namespace cronium::scheduler

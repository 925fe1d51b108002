#pragma once

// Records the store benchmarks write: the event whose jobs they run, and what a worker writes
// when a trivial run ends, as the real worker would (the execution's final state and its
// `run.end` audit row).

#include <string>

#include "base/clock.h"
#include "base/ids.h"
#include "store/records.h"

namespace cronium::bench {

// An ACTIVE Bash event running `true`, created now.
inline store::EventRecord TrueEvent(TimePoint now) {
  store::EventRecord event;
  event.id = NewId("evt", now);
  event.name = "bench";
  event.type = store::EventType::kBash;
  event.content = "true";
  event.status = store::EventStatus::kActive;
  event.created_at = event.updated_at = now;
  return event;
}

// The execution as a run of `true` that started at `start` and ended at `end` leaves it.
inline store::ExecutionRecord Succeeded(store::ExecutionRecord execution, TimePoint start,
                                        TimePoint end) {
  execution.status = store::RunStatus::kSucceeded;
  execution.exit_code = 0;
  execution.end_reason = "exited with code 0";
  execution.isolation = "process";
  execution.started_at = start;
  execution.finished_at = end;
  execution.duration_ms = 1;
  execution.cpu_time_ms = 1;
  execution.max_rss_kb = 3000;
  return execution;
}

inline store::AuditEntry EndAudit(const store::ExecutionRecord& execution, TimePoint end) {
  return store::MakeAudit(store::Actor{}, end, "run.end", "execution", execution.id,
                          R"({"eventId":")" + execution.event_id + R"(","jobId":")" +
                              execution.job_id +
                              R"(","status":"SUCCEEDED","exitCode":0,"attempt":1,"retry":null})");
}

}  // namespace cronium::bench

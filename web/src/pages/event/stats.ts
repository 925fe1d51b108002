// Figures of an event's recent runs, computed from one page of summaries (no per-run requests).
import type { RunStatus } from "@/api/types";

export interface RunLike {
  status: RunStatus;
  durationMs: number | null;
}

export interface RunStats {
  /** Runs looked at (the page). */
  total: number;
  counts: Record<RunStatus, number>;
  /** Runs that ended with a verdict: succeeded, failed, timed out or lost (not cancelled). */
  judged: number;
  succeeded: number;
  /** succeeded / judged, 0..1; null when nothing has ended yet. */
  successRate: number | null;
  /** Over the ended runs that have a duration. */
  timed: number;
  avgMs: number | null;
  p95Ms: number | null;
}

const STATUSES: RunStatus[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "CANCELLED", "LOST"];
const JUDGED: RunStatus[] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "LOST"];
const ENDED: RunStatus[] = [...JUDGED, "CANCELLED"];

/**
 * The p-th percentile by the nearest-rank method: the smallest value with at least p % of the
 * values at or below it (p95 of 20 values is the 19th smallest). null for no values.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? null;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function runStats(runs: readonly RunLike[]): RunStats {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
  for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1;
  const judged = JUDGED.reduce((n, s) => n + counts[s], 0);
  const durations = runs
    .filter((r) => ENDED.includes(r.status) && typeof r.durationMs === "number" && r.durationMs >= 0)
    .map((r) => r.durationMs as number);
  return {
    total: runs.length,
    counts,
    judged,
    succeeded: counts.SUCCEEDED,
    successRate: judged === 0 ? null : counts.SUCCEEDED / judged,
    timed: durations.length,
    avgMs: mean(durations),
    p95Ms: percentile(durations, 95),
  };
}

/** 0.9666 → "96.7%", 1 → "100%", null → "—". */
export function formatRate(rate: number | null): string {
  if (rate === null) return "—";
  const pct = rate * 100;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}

// The schedule policies in words: a label and a one-line explanation for each choice, as the
// server's scheduler applies it (README "Schedules"; src/scheduler/schedule_spec.h).
import type { DayMatch, DstGapPolicy, DstOverlapPolicy, MisfirePolicy, OverlapPolicy } from "@/api/schedules";

export interface Choice<T extends string> {
  value: T;
  label: string;
  explain: string;
}

export const DAY_MATCH: readonly Choice<DayMatch>[] = [
  {
    value: "OR",
    label: "Either day field (OR, default)",
    explain:
      "When both day of month and day of week are restricted, a day runs if it matches either one (1-7 and MON: the 1st to 7th and every Monday).",
  },
  {
    value: "AND",
    label: "Both day fields (AND)",
    explain: "A day runs only if it matches both day fields (1-7 and MON: the first Monday of the month).",
  },
  {
    value: "VIXIE",
    label: "System cron (VIXIE)",
    explain:
      "As OR, but a day field that starts with * (like */2) makes both fields count together, as system cron does (*/2 and MON: odd days that are Mondays).",
  },
];

export const DST_GAP: readonly Choice<DstGapPolicy>[] = [
  {
    value: "AUTO",
    label: "Automatic (default)",
    explain:
      "Fixed hours (2, 9-17, */3) run at the end of the gap; an hour field of * or a step of up to 2 hours follows the clock and skips the missing hour.",
  },
  {
    value: "SHIFT",
    label: "Shift to after the gap",
    explain: "A time the spring-forward change skips runs at the first instant after the gap.",
  },
  {
    value: "SKIP",
    label: "Skip",
    explain: "A time the spring-forward change skips does not run that day.",
  },
];

export const DST_OVERLAP: readonly Choice<DstOverlapPolicy>[] = [
  {
    value: "AUTO",
    label: "Automatic (default)",
    explain:
      "Fixed hours run once; an hour field of * or a step of up to 2 hours follows the clock and runs at both instants.",
  },
  {
    value: "ONCE",
    label: "Once",
    explain: "A time the fall-back change repeats runs once, at its first instant.",
  },
  {
    value: "TWICE",
    label: "Twice",
    explain: "A time the fall-back change repeats runs at both instants, an hour apart.",
  },
];

export const MISFIRE: readonly Choice<MisfirePolicy>[] = [
  {
    value: "SKIP",
    label: "Skip missed runs (default)",
    explain: "Runs missed while the server was down or overloaded are not made up; the ledger records them as missed.",
  },
  {
    value: "RUN_ONCE",
    label: "Run the latest once",
    explain: "After downtime, the latest missed run within the catch-up window runs once.",
  },
  {
    value: "RUN_ALL",
    label: "Run all missed",
    explain: "After downtime, every missed run within the catch-up window runs (at most 100).",
  },
];

export const OVERLAP: readonly Choice<OverlapPolicy>[] = [
  {
    value: "SKIP",
    label: "Skip the new run (default)",
    explain: "A run due while the previous one is still queued or running does not start; the ledger says so.",
  },
  {
    value: "BUFFER_ONE",
    label: "Queue one",
    explain: "One run waits and starts when the current one ends; more while it waits are skipped.",
  },
  {
    value: "BUFFER_ALL",
    label: "Queue all",
    explain: "Every run due meanwhile waits its turn; they start one after another.",
  },
  {
    value: "CANCEL_PREVIOUS",
    label: "Cancel the previous run",
    explain: "The run still going is cancelled and the new one starts at once.",
  },
  {
    value: "ALLOW",
    label: "Run alongside",
    explain: "The new run starts at once, alongside the previous one.",
  },
];

export function explain<T extends string>(choices: readonly Choice<T>[], value: T): string {
  return choices.find((c) => c.value === value)?.explain ?? "";
}

export function labelOf<T extends string>(choices: readonly Choice<T>[], value: T): string {
  return choices.find((c) => c.value === value)?.label ?? value;
}

/** What a DST mark in the preview means, for its legend and tooltip. */
export const DST_MARKS = {
  SHIFTED: {
    label: "Shifted",
    explain: "This wall time does not exist that day (clocks spring forward); it runs at the end of the gap.",
  },
  REPEATED: {
    label: "Repeated",
    explain: "This wall time happens twice that day (clocks fall back); this is its second run.",
  },
  SKIPPED: {
    label: "Skipped",
    explain: "Clocks spring forward over this wall time, so it does not run.",
  },
} as const;

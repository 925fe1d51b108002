// The schedule's policies and limits, collapsed by default; each choice with one line on what
// it does.
import { ChevronRight } from "lucide-react";
import { useEffect, useId, useState } from "react";
import type { ScheduleSpec, SchedulePreview } from "@/api/schedules";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { cn } from "@/lib/utils";
import { DurationInput } from "./DurationInput";
import { DEFAULT_CATCH_UP_SECONDS, MAX_CATCH_UP_SECONDS } from "./durations";
import { type Choice, DAY_MATCH, DST_GAP, DST_OVERLAP, explain, labelOf, MISFIRE, OVERLAP } from "./policies";
import type { SpecField } from "./spec";
import { ZonedDateTimeInput } from "./ZonedDateTimeInput";

function PolicySelect<T extends string>({
  id,
  label,
  choices,
  value,
  onChange,
  note,
  error,
}: {
  id: string;
  label: string;
  choices: readonly Choice<T>[];
  value: T;
  onChange: (value: T) => void;
  note?: string | null;
  error?: string | null;
}) {
  return (
    <Field id={id} label={label} hint={[explain(choices, value), note].filter(Boolean).join(" ")} error={error ?? undefined}>
      {(p) => (
        <Select {...p} value={value} onChange={(e) => onChange(e.target.value as T)}>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

function MaxRunsInput({
  id,
  value,
  onChange,
  error,
}: {
  id: string;
  value: number | null | undefined;
  onChange: (n: number | null) => void;
  error?: string | null;
}) {
  const [text, setText] = useState(value ? String(value) : "");
  useEffect(() => {
    const mine = /^\d+$/.test(text.trim()) && Number(text) > 0 ? Number(text) : null;
    if ((value ?? null) !== mine) setText(value ? String(value) : "");
    // (text left out on purpose: typing must not reset it.)
  }, [value]);
  const t = text.trim();
  const localError = t && !/^\d+$/.test(t) ? "Enter a whole number, or leave it empty for no limit." : null;
  return (
    <Field
      id={id}
      label="Run limit"
      hint="After this many scheduled runs the schedule ends and the event pauses itself. Empty: no limit."
      error={localError ?? error ?? undefined}
    >
      {(p) => (
        <div>
          <Input
            {...p}
            type="number"
            inputMode="numeric"
            min={1}
            step={1}
            placeholder="No limit"
            value={text}
            className="w-32 tabular-nums"
            onChange={(e) => {
              setText(e.target.value);
              const v = e.target.value.trim();
              if (!v) onChange(null);
              else if (/^\d+$/.test(v)) onChange(Number(v) === 0 ? null : Number(v));
            }}
          />
        </div>
      )}
    </Field>
  );
}

/** How many policies differ from the defaults, for the collapsed header. */
export function changedFromDefaults(spec: ScheduleSpec): number {
  let n = 0;
  if (spec.kind === "CRON") {
    if ((spec.dayMatch ?? "OR") !== "OR") n++;
    if ((spec.dstGapPolicy ?? "AUTO") !== "AUTO") n++;
    if ((spec.dstOverlapPolicy ?? "AUTO") !== "AUTO") n++;
  }
  if ((spec.misfirePolicy ?? "SKIP") !== "SKIP") n++;
  if ((spec.overlapPolicy ?? "SKIP") !== "SKIP") n++;
  if (spec.kind === "CRON" || spec.kind === "INTERVAL") {
    if (spec.startAt) n++;
    if (spec.endAt) n++;
    if (spec.maxRuns) n++;
  }
  return n;
}

export function AdvancedSection({
  spec,
  zone,
  onPatch,
  errors,
  preview,
  forceOpen = false,
}: {
  spec: ScheduleSpec;
  /** The zone start and end are typed in. */
  zone: string;
  onPatch: (patch: Partial<ScheduleSpec>) => void;
  errors: Partial<Record<SpecField, string>>;
  preview: SchedulePreview | undefined;
  /** Open and not closable (a read-only view). */
  forceOpen?: boolean;
}) {
  const id = useId();
  const hasError = (["dayMatch", "dstGapPolicy", "dstOverlapPolicy", "misfirePolicy", "catchUpWindowSeconds",
    "overlapPolicy", "startAt", "endAt", "maxRuns"] as const).some((f) => errors[f]);
  const [open, setOpen] = useState(false);
  const expanded = open || forceOpen || hasError;
  const changed = changedFromDefaults(spec);
  const cron = spec.kind === "CRON";
  const bounded = spec.kind === "CRON" || spec.kind === "INTERVAL";
  const misfire = spec.misfirePolicy ?? "SKIP";
  const gap = spec.dstGapPolicy ?? "AUTO";
  const fold = spec.dstOverlapPolicy ?? "AUTO";
  const applied = preview && preview.kind === "CRON" ? preview : undefined;

  return (
    <section className="rounded-md border border-border">
      <h3 className="text-sm font-semibold">
        <button
          type="button"
          aria-expanded={expanded}
          aria-controls={`${id}-body`}
          onClick={() => setOpen((o) => !o)}
          className="flex w-full items-center gap-1.5 rounded-md px-3 py-2 text-left hover:bg-accent/50 focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring"
        >
          <ChevronRight className={cn("size-4 shrink-0 transition-transform", expanded && "rotate-90")} aria-hidden="true" />
          <span className="flex-1">Advanced: policies and limits</span>
          {changed ? <span className="text-xs font-normal text-muted-foreground">{changed} changed</span> : null}
        </button>
      </h3>
      {expanded ? (
        <div id={`${id}-body`} className="grid gap-4 border-t border-border p-3 sm:grid-cols-2">
          {cron ? (
            <PolicySelect
              id={`${id}-daymatch`}
              label="Day of month and day of week"
              choices={DAY_MATCH}
              value={spec.dayMatch ?? "OR"}
              onChange={(dayMatch) => onPatch({ dayMatch })}
              error={errors.dayMatch}
            />
          ) : null}
          {cron ? <div className="hidden sm:block" /> : null}
          {cron ? (
            <PolicySelect
              id={`${id}-dstgap`}
              label="DST: a time the clocks skip"
              choices={DST_GAP}
              value={gap}
              onChange={(dstGapPolicy) => onPatch({ dstGapPolicy })}
              note={
                gap === "AUTO" && applied?.appliedDstGapPolicy
                  ? `Here: ${labelOf(DST_GAP, applied.appliedDstGapPolicy).toLowerCase()}.`
                  : null
              }
              error={errors.dstGapPolicy}
            />
          ) : null}
          {cron ? (
            <PolicySelect
              id={`${id}-dstoverlap`}
              label="DST: a time the clocks repeat"
              choices={DST_OVERLAP}
              value={fold}
              onChange={(dstOverlapPolicy) => onPatch({ dstOverlapPolicy })}
              note={
                fold === "AUTO" && applied?.appliedDstOverlapPolicy
                  ? `Here: ${labelOf(DST_OVERLAP, applied.appliedDstOverlapPolicy).toLowerCase()}.`
                  : null
              }
              error={errors.dstOverlapPolicy}
            />
          ) : null}
          <PolicySelect
            id={`${id}-misfire`}
            label="Missed runs (server down)"
            choices={MISFIRE}
            value={misfire}
            onChange={(misfirePolicy) => onPatch({ misfirePolicy })}
            error={errors.misfirePolicy}
          />
          {misfire !== "SKIP" ? (
            <DurationInput
              id={`${id}-catchup`}
              label="Catch-up window"
              value={spec.catchUpWindowSeconds ?? DEFAULT_CATCH_UP_SECONDS}
              onChange={(s) => onPatch({ catchUpWindowSeconds: s ?? undefined })}
              units={["minutes", "hours", "days"]}
              min={0}
              max={MAX_CATCH_UP_SECONDS}
              hint="Only runs missed within this long before the server came back are made up (up to 30 days)."
              error={errors.catchUpWindowSeconds}
            />
          ) : (
            <div className="hidden sm:block" />
          )}
          <PolicySelect
            id={`${id}-overlap`}
            label="A run due while the previous one still runs"
            choices={OVERLAP}
            value={spec.overlapPolicy ?? "SKIP"}
            onChange={(overlapPolicy) => onPatch({ overlapPolicy })}
            error={errors.overlapPolicy}
          />
          {bounded ? <div className="hidden sm:block" /> : null}
          {bounded ? (
            <ZonedDateTimeInput
              id={`${id}-start`}
              label="Start"
              value={spec.startAt}
              zone={zone}
              clearable
              onChange={(startAt) => onPatch({ startAt })}
              hint={
                spec.kind === "INTERVAL"
                  ? "The first run; the interval counts from here. Empty: from when you save."
                  : "No run before this. Empty: from now."
              }
              error={errors.startAt}
            />
          ) : null}
          {bounded ? (
            <ZonedDateTimeInput
              id={`${id}-end`}
              label="End"
              value={spec.endAt}
              zone={zone}
              clearable
              onChange={(endAt) => onPatch({ endAt })}
              hint="No run after this; then the event pauses itself. Empty: no end."
              error={errors.endAt}
            />
          ) : null}
          {bounded ? <MaxRunsInput id={`${id}-maxruns`} value={spec.maxRuns} onChange={(maxRuns) => onPatch({ maxRuns })} error={errors.maxRuns} /> : null}
        </div>
      ) : null}
    </section>
  );
}

// The schedule builder: when an event (or a workflow) runs. Controlled: it shows `value` and
// reports every edit as a whole new spec through `onChange`. The next runs always come from the
// server's own scheduler (POST /schedules/preview), so what it shows is what will happen.
import { Check } from "lucide-react";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { ScheduleKind, ScheduleSpec } from "@/api/schedules";
import { Field, InlineError } from "@/components/ui/field";
import { formatInterval } from "@/lib/time";
import { cn } from "@/lib/utils";
import { AdvancedSection } from "./AdvancedSection";
import { CronEditor } from "./CronEditor";
import { DurationInput } from "./DurationInput";
import { MAX_INTERVAL_SECONDS } from "./durations";
import { PreviewList } from "./PreviewList";
import { KINDS, type KindMemory, placeError, rememberKind, type SpecField, withKind, withZone } from "./spec";
import { useSchedulePreview } from "./useSchedulePreview";
import { ZonedDateTimeInput } from "./ZonedDateTimeInput";
import { ZonePicker } from "./ZonePicker";
import { browserZone } from "./zones";

export interface ScheduleBuilderProps {
  /**
   * The schedule; null for a new one (shown as Manual, and the first edit sets the zone to the
   * browser's). A spec whose `timezone` is null keeps the server's zone until one is chosen.
   */
  value: ScheduleSpec | null;
  /** Every edit, as a whole spec (fields of other kinds cleared). */
  onChange: (spec: ScheduleSpec) => void;
  /**
   * The server's message from a failed save ("schedule.cron: minute field ..."), shown at the
   * field it names (or above the preview). The caller clears it.
   */
  error?: string | null;
  /** Read-only (a viewer): everything shows, nothing edits; Advanced is open. */
  disabled?: boolean;
  /** The kinds offered, in this order (a workflow's schedule trigger has no Manual). */
  kinds?: readonly ScheduleKind[];
  /** How many runs the preview lists (default 10). */
  previewCount?: number;
  /** The group's accessible name (default "Schedule"). */
  label?: string;
}

const ALL_KINDS: readonly ScheduleKind[] = ["MANUAL", "INTERVAL", "CRON", "ONCE"];

/** The fields a kind shows; a message about another one shows above the preview. */
function visibleFields(kind: ScheduleKind): readonly SpecField[] {
  const policies: SpecField[] = ["misfirePolicy", "catchUpWindowSeconds", "overlapPolicy"];
  switch (kind) {
    case "CRON":
      return ["cron", "timezone", "dayMatch", "dstGapPolicy", "dstOverlapPolicy", "startAt", "endAt", "maxRuns", ...policies];
    case "INTERVAL":
      return ["intervalSeconds", "timezone", "startAt", "endAt", "maxRuns", ...policies];
    case "ONCE":
      return ["at", "timezone", ...policies];
    default:
      return [];
  }
}

export function ScheduleBuilder({
  value,
  onChange,
  error,
  disabled = false,
  kinds = ALL_KINDS,
  previewCount = 10,
  label = "Schedule",
}: ScheduleBuilderProps) {
  const id = useId();
  const browser = useMemo(browserZone, []);
  const spec: ScheduleSpec = value ?? { kind: kinds.includes("MANUAL") ? "MANUAL" : (kinds[0] ?? "MANUAL"), timezone: browser };
  const memory = useRef<KindMemory>({});
  const [serverZone, setServerZone] = useState<string | null>(null);
  const preview = useSchedulePreview(spec, previewCount);
  const data = preview.query.data;

  // The server's zone, named by a preview of a schedule without one.
  useEffect(() => {
    if (!spec.timezone && data?.timezone && !preview.stale) setServerZone(data.timezone);
  }, [spec.timezone, data?.timezone, preview.stale]);

  const zone = spec.timezone ?? serverZone ?? "UTC";
  const kind = spec.kind;

  // Server messages at the field they name; the rest above the preview.
  const placed: Partial<Record<SpecField, string>> = {};
  const general: string[] = [];
  let previewGeneral: string | null = null;
  for (const [source, message] of [
    ["preview", preview.invalid],
    ["save", error],
  ] as const) {
    if (!message) continue;
    const { field, text } = placeError(message);
    if (field && visibleFields(kind).includes(field)) {
      placed[field] ??= text;
    } else if (source === "preview") {
      previewGeneral = message;
    } else if (!general.includes(message) && message !== previewGeneral) {
      general.push(message);
    }
  }

  function setKind(next: ScheduleKind) {
    if (next === kind) return;
    memory.current = rememberKind(memory.current, spec);
    onChange(withKind(spec, next, memory.current, zone));
  }

  function setZone(next: string | null) {
    onChange(withZone(spec, next, zone, next ?? serverZone ?? "UTC"));
  }

  function patch(p: Partial<ScheduleSpec>) {
    onChange({ ...spec, ...p });
  }

  const kindInfo = KINDS.find((k) => k.kind === kind);
  const offered = KINDS.filter((k) => kinds.includes(k.kind));

  return (
    <fieldset disabled={disabled} className="min-w-0 space-y-4" aria-label={label}>
      <fieldset className="min-w-0 space-y-1.5">
        <legend className="mb-1.5 text-sm font-medium">Runs</legend>
        <div className="inline-flex max-w-full flex-wrap gap-0.5 rounded-md border border-input bg-card p-0.5">
          {offered.map((k) => {
            const checked = k.kind === kind;
            return (
              <label
                key={k.kind}
                className={cn(
                  "inline-flex h-7 cursor-pointer items-center gap-1 rounded-sm px-3 text-sm font-medium",
                  "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-1 has-[:focus-visible]:outline-ring",
                  checked ? "bg-primary text-primary-foreground" : "text-foreground hover:bg-accent",
                  disabled && "cursor-default",
                )}
              >
                <input
                  type="radio"
                  name={`${id}-kind`}
                  value={k.kind}
                  checked={checked}
                  onChange={() => setKind(k.kind)}
                  className="sr-only"
                />
                {checked ? <Check className="size-3.5" aria-hidden="true" /> : null}
                {k.label}
              </label>
            );
          })}
        </div>
        {kindInfo ? <p className="text-xs text-muted-foreground">{kindInfo.explain}</p> : null}
      </fieldset>

      {kind !== "MANUAL" ? (
        <Field
          id={`${id}-zone`}
          label="Time zone"
          error={placed.timezone}
          hint={
            spec.timezone === browser
              ? "Your browser's zone. The schedule's times are read in it."
              : `The schedule's times are read in it. Yours is ${browser}.`
          }
        >
          {(p) => (
            <ZonePicker
              id={p.id}
              aria-describedby={p["aria-describedby"]}
              invalid={p["aria-invalid"]}
              value={spec.timezone ?? null}
              onChange={setZone}
              serverZone={serverZone}
              disabled={disabled}
            />
          )}
        </Field>
      ) : null}

      {kind === "CRON" ? (
        <CronEditor
          expression={spec.cron ?? ""}
          onExpression={(cron, pastedZone) =>
            onChange(pastedZone ? withZone({ ...spec, cron }, pastedZone, zone, pastedZone) : { ...spec, cron })
          }
          dayMatch={spec.dayMatch ?? "OR"}
          error={placed.cron}
          disabled={disabled}
        />
      ) : null}

      {kind === "INTERVAL" ? (
        <DurationInput
          id={`${id}-interval`}
          label="Every"
          value={spec.intervalSeconds}
          onChange={(intervalSeconds) => patch({ intervalSeconds })}
          units={["seconds", "minutes", "hours", "days"]}
          min={1}
          max={MAX_INTERVAL_SECONDS}
          hint={`${spec.intervalSeconds ? `Runs ${formatInterval(spec.intervalSeconds)}, ` : ""}counted from the start (Advanced) or from when you save. Up to 366 days.`}
          error={placed.intervalSeconds}
        />
      ) : null}

      {kind === "ONCE" ? (
        <ZonedDateTimeInput
          id={`${id}-at`}
          label="Date and time"
          value={spec.at}
          zone={zone}
          onChange={(at) => patch({ at })}
          error={placed.at}
        />
      ) : null}

      {general.map((message) => (
        <InlineError key={message}>{message}</InlineError>
      ))}

      {kind !== "MANUAL" ? (
        <>
          <PreviewList
            data={data}
            error={preview.query.error}
            invalid={preview.invalid}
            generalError={previewGeneral}
            skip={preview.skip}
            pending={preview.pending}
            stale={preview.stale}
            viewerZone={browser}
            count={previewCount}
            onRetry={() => void preview.query.refetch()}
          />
          <AdvancedSection
            spec={spec}
            zone={zone}
            onPatch={patch}
            errors={placed}
            preview={preview.stale ? undefined : data}
            forceOpen={disabled}
          />
        </>
      ) : null}
    </fieldset>
  );
}

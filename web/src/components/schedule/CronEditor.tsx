// Cron mode: a preset with its parameters, the expression (typed or pasted from a crontab),
// the expression in words, and field-by-field pickers. All of them write the one expression.
import { ChevronRight, Info } from "lucide-react";
import { type ClipboardEvent, useEffect, useId, useState } from "react";
import type { DayMatch } from "@/api/schedules";
import { Field } from "@/components/ui/field";
import { Input, Label, Select } from "@/components/ui/input";
import { cn } from "@/lib/utils";
import {
  CRON_FIELDS,
  type CronFieldName,
  type CronParts,
  DAY_LONG,
  FIELD_ORDER,
  fieldOfCronError,
  joinCron,
  splitCron,
} from "./cron-fields";
import { describePaste, parseCronPaste } from "./crontab-paste";
import { describeCron } from "./describe";
import { FieldPicker } from "./FieldPicker";
import { buildPreset, DEFAULT_PARAMS, EVERY_MINUTES, matchPreset, PRESETS, type PresetId, type PresetParams } from "./presets";

/** Whitespace collapsed: what the schedule stores for a typed expression. */
export function normaliseCron(text: string): string {
  return text.trim().split(/\s+/).filter(Boolean).join(" ");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The parameters an expression suggests for a preset (its minute and hour when plain). */
function paramsFrom(expression: string): PresetParams {
  const match = matchPreset(expression);
  if (match) return match.params;
  const parts = splitCron(expression);
  const p = { ...DEFAULT_PARAMS };
  if (parts && /^\d{1,2}$/.test(parts.minute)) p.minute = Math.min(59, Number(parts.minute));
  if (parts && /^\d{1,2}$/.test(parts.hour)) p.hour = Math.min(23, Number(parts.hour));
  return p;
}

function PresetControls({
  id,
  preset,
  params,
  onParams,
}: {
  id: string;
  preset: PresetId;
  params: PresetParams;
  onParams: (p: Partial<PresetParams>) => void;
}) {
  const uses = PRESETS.find((p) => p.id === preset)?.uses ?? [];
  const time = `${pad(params.hour)}:${pad(params.minute)}`;
  const everyChoices = EVERY_MINUTES.includes(params.every as never)
    ? EVERY_MINUTES
    : [...EVERY_MINUTES, params.every].sort((a, b) => a - b);
  return (
    <div className="flex flex-wrap items-end gap-3">
      {uses.includes("every") ? (
        <div className="space-y-1.5">
          <Label className="block" htmlFor={`${id}-every`}>Minutes between runs</Label>
          <Select
            id={`${id}-every`}
            value={params.every}
            className="w-auto"
            onChange={(e) => onParams({ every: Number(e.target.value) })}
          >
            {everyChoices.map((n) => (
              <option key={n} value={n}>
                {n === 1 ? "every minute" : `every ${n} minutes`}
              </option>
            ))}
          </Select>
        </div>
      ) : null}
      {uses.includes("dayOfWeek") ? (
        <div className="space-y-1.5">
          <Label className="block" htmlFor={`${id}-dow`}>Day</Label>
          <Select
            id={`${id}-dow`}
            value={params.dayOfWeek}
            className="w-auto"
            onChange={(e) => onParams({ dayOfWeek: Number(e.target.value) })}
          >
            {[1, 2, 3, 4, 5, 6, 0].map((d) => (
              <option key={d} value={d}>
                {DAY_LONG[d]}
              </option>
            ))}
          </Select>
        </div>
      ) : null}
      {uses.includes("dayOfMonth") ? (
        <div className="space-y-1.5">
          <Label className="block" htmlFor={`${id}-dom`}>Day of month</Label>
          <Select
            id={`${id}-dom`}
            value={params.dayOfMonth}
            className="w-auto"
            onChange={(e) => onParams({ dayOfMonth: Number(e.target.value) })}
          >
            {Array.from({ length: 31 }, (_, i) => i + 1).map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </Select>
        </div>
      ) : null}
      {uses.includes("hour") ? (
        <div className="space-y-1.5">
          <Label className="block" htmlFor={`${id}-time`}>Time</Label>
          <Input
            id={`${id}-time`}
            type="time"
            step={60}
            value={time}
            className="w-32 tabular-nums"
            onChange={(e) => {
              const m = /^(\d{2}):(\d{2})/.exec(e.target.value);
              if (m) onParams({ hour: Number(m[1]), minute: Number(m[2]) });
            }}
          />
        </div>
      ) : uses.includes("minute") ? (
        <div className="space-y-1.5">
          <Label className="block" htmlFor={`${id}-minute`}>Minute past the hour</Label>
          <Select
            id={`${id}-minute`}
            value={params.minute}
            className="w-auto"
            onChange={(e) => onParams({ minute: Number(e.target.value) })}
          >
            {Array.from({ length: 60 }, (_, i) => i).map((m) => (
              <option key={m} value={m}>
                :{pad(m)}
              </option>
            ))}
          </Select>
        </div>
      ) : null}
      {preset === "monthly" && params.dayOfMonth > 28 ? (
        <p className="basis-full text-xs text-muted-foreground">
          Months without day {params.dayOfMonth} have no run.
        </p>
      ) : null}
    </div>
  );
}

export function CronEditor({
  expression,
  onExpression,
  dayMatch,
  error,
  disabled = false,
}: {
  expression: string;
  /** A new expression; with the zone a pasted crontab named (CRON_TZ=...), if any. */
  onExpression: (cron: string, pastedZone?: string) => void;
  dayMatch: DayMatch;
  /** The server's message about the expression (preview or save). */
  error?: string | null;
  disabled?: boolean;
}) {
  const id = useId();
  const [draft, setDraft] = useState(expression);
  const [note, setNote] = useState<string | null>(null);
  const [pickersOpen, setPickersOpen] = useState(false);

  useEffect(() => {
    if (normaliseCron(draft) !== expression) setDraft(expression);
    // (draft left out on purpose: typing must not reset it.)
  }, [expression]);

  function apply(text: string, pastedZone?: string) {
    setDraft(text);
    onExpression(normaliseCron(text), pastedZone);
  }

  function applyPaste(text: string): boolean {
    const p = parseCronPaste(text);
    if (!p.changed && !p.timezone && !p.error) return false;
    setNote(describePaste(p));
    if (!p.error) apply(p.cron, p.timezone ?? undefined);
    return true;
  }

  function onPaste(e: ClipboardEvent<HTMLInputElement>) {
    const text = e.clipboardData.getData("text");
    if (applyPaste(text)) e.preventDefault();
  }

  const match = matchPreset(expression);
  const params = paramsFrom(expression);
  const parts = splitCron(expression);
  const words = describeCron(expression, dayMatch);
  const badField = error ? fieldOfCronError(error) : null;

  function setField(name: CronFieldName, text: string) {
    if (!parts) return;
    apply(joinCron({ ...parts, [name]: text } as CronParts));
  }

  const pickersExpanded = pickersOpen && !disabled;

  return (
    <div className="space-y-4">
      <div className="space-y-1.5">
        <Label className="block" htmlFor={`${id}-preset`}>Preset</Label>
        <Select
          id={`${id}-preset`}
          value={match?.id ?? "custom"}
          className="sm:w-80"
          onChange={(e) => {
            const value = e.target.value;
            if (value === "custom") {
              setPickersOpen(true);
              return;
            }
            setNote(null);
            apply(buildPreset(value as PresetId, params));
          }}
        >
          <option value="custom">Custom expression</option>
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </Select>
      </div>
      {match ? (
        <PresetControls
          id={id}
          preset={match.id}
          params={match.params}
          onParams={(p) => {
            setNote(null);
            apply(buildPreset(match.id, { ...match.params, ...p }));
          }}
        />
      ) : null}

      <Field
        id={`${id}-cron`}
        label="Cron expression"
        error={error ?? undefined}
        hint="minute hour day-of-month month day-of-week, or 6 fields with seconds first. Paste a crontab line or @daily to convert it."
      >
        {(p) => (
          <Input
            {...p}
            value={draft}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            placeholder="*/5 * * * *"
            className="font-mono text-[13px]"
            onChange={(e) => {
              setNote(null);
              apply(e.target.value);
            }}
            onPaste={onPaste}
            onBlur={() => {
              // A typed macro becomes fields too; other text stays as typed (the server says
              // what is wrong with it).
              if (draft.trim().startsWith("@")) applyPaste(draft);
            }}
          />
        )}
      </Field>
      {note ? (
        <p role="status" className="flex items-start gap-1.5 text-xs text-foreground">
          <Info className="mt-px size-3.5 shrink-0 text-info" aria-hidden="true" />
          <span>{note}</span>
        </p>
      ) : null}
      {words && !error ? (
        <p className="text-sm">
          <span className="text-muted-foreground">In words: </span>
          <span data-testid="cron-words">{words}</span>
        </p>
      ) : null}

      <div hidden={disabled}>
        <button
          type="button"
          aria-expanded={pickersExpanded}
          aria-controls={`${id}-pickers`}
          onClick={() => setPickersOpen((o) => !o)}
          className="inline-flex items-center gap-1 rounded-md text-sm font-medium text-foreground hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
        >
          <ChevronRight className={cn("size-4 transition-transform", pickersExpanded && "rotate-90")} aria-hidden="true" />
          Edit field by field
        </button>
        {pickersExpanded ? (
          <div id={`${id}-pickers`} className="mt-3 space-y-2">
            {parts ? (
              <>
                <label className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="size-4 accent-primary"
                    checked={parts.second !== null}
                    onChange={(e) => apply(joinCron({ ...parts, second: e.target.checked ? "0" : null }))}
                  />
                  Seconds field (runs within the minute)
                </label>
                <div className="grid gap-2">
                  {FIELD_ORDER.filter((name) => name !== "second" || parts.second !== null).map((name) => (
                    <FieldPicker
                      key={name}
                      def={CRON_FIELDS[name]}
                      text={parts[name] ?? "0"}
                      onChange={(text) => setField(name, text)}
                      invalid={badField === name}
                    />
                  ))}
                </div>
              </>
            ) : (
              <p className="text-sm text-muted-foreground">
                The pickers need an expression of 5 or 6 fields; fix the one above or choose a preset.
              </p>
            )}
          </div>
        ) : null}
      </div>
    </div>
  );
}


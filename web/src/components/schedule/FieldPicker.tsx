// One cron field picked by shape: every, every N, specific values, a range, or custom text.
import { useEffect, useId, useState } from "react";
import { Input, Select } from "@/components/ui/input";
import { cn } from "@/lib/utils";
import {
  type CronFieldDef,
  DAY_LONG,
  type FieldMode,
  type FieldModel,
  formatField,
  MONTH_LABELS,
  parseField,
  parseValueList,
  switchMode,
} from "./cron-fields";

const MODE_LABELS: Record<FieldMode, string> = {
  every: "Every",
  step: "Every N",
  list: "Specific",
  range: "Range",
  custom: "Custom",
};

function valueLabel(def: CronFieldDef, v: number): string {
  if (def.name === "month") return MONTH_LABELS[v - 1] ?? String(v);
  if (def.name === "dayOfWeek") return DAY_LONG[v % 7] ?? String(v);
  if (def.name === "hour" || def.name === "minute" || def.name === "second") return String(v).padStart(2, "0");
  return String(v);
}

function values(def: CronFieldDef): number[] {
  const max = def.name === "dayOfWeek" ? 6 : def.max;
  return Array.from({ length: max - def.min + 1 }, (_, i) => def.min + i);
}

function ValueSelect({
  def,
  label,
  value,
  onChange,
}: {
  def: CronFieldDef;
  label: string;
  value: number;
  onChange: (v: number) => void;
}) {
  return (
    <Select aria-label={label} value={value} className="w-auto" onChange={(e) => onChange(Number(e.target.value))}>
      {values(def).map((v) => (
        <option key={v} value={v}>
          {valueLabel(def, v)}
        </option>
      ))}
    </Select>
  );
}

export function FieldPicker({
  def,
  text,
  onChange,
  invalid = false,
}: {
  def: CronFieldDef;
  /** The field's text in the expression. */
  text: string;
  onChange: (text: string) => void;
  invalid?: boolean;
}) {
  const id = useId();
  const [model, setModel] = useState<FieldModel>(() => parseField(text, def));
  const [listText, setListText] = useState(() => (model.mode === "list" ? model.values.join(",") : ""));

  // Follow the expression when it changes elsewhere (typed, a preset).
  useEffect(() => {
    if (formatField(model, def) !== text.trim()) {
      const next = parseField(text, def);
      setModel(next);
      if (next.mode === "list") setListText(next.values.join(","));
    }
    // (model left out on purpose: it is what the text is compared against.)
  }, [text, def]);

  function update(next: FieldModel) {
    setModel(next);
    const t = formatField(next, def);
    if (t !== null && t !== text.trim()) onChange(t);
  }

  const label = def.label;
  const span = def.max - def.min + 1;
  const chips = def.name === "month" || def.name === "dayOfWeek";
  const emptyList = model.mode === "list" && model.values.length === 0;
  const badList = model.mode === "list" && !chips && parseValueList(listText, def) === null;
  const problem = emptyList ? "Choose at least one." : badList ? `Use values from ${def.min} to ${def.max}, separated by commas.` : null;

  return (
    <fieldset
      className={cn(
        "min-w-0 rounded-md border border-border p-2.5",
        invalid && "border-destructive",
      )}
      aria-invalid={invalid || undefined}
    >
      <legend className="px-1 text-xs font-medium text-muted-foreground">
        {label}
        {invalid ? <span className="text-danger"> (see the error above)</span> : null}
      </legend>
      <div className="flex flex-wrap items-center gap-2">
        <Select
          aria-label={`${label}: how`}
          value={model.mode}
          className="w-auto"
          onChange={(e) => {
            const next = switchMode(model, e.target.value as FieldMode, def);
            if (next.mode === "list") setListText(next.values.join(","));
            update(next);
          }}
        >
          {(Object.keys(MODE_LABELS) as FieldMode[]).map((mode) => (
            <option key={mode} value={mode}>
              {MODE_LABELS[mode]}
            </option>
          ))}
        </Select>

        {model.mode === "every" ? <span className="text-sm text-muted-foreground">every {label.toLowerCase()}</span> : null}

        {model.mode === "step" ? (
          <>
            <span className="text-sm">every</span>
            <Select
              aria-label={`${label}: every how many`}
              value={model.step}
              className="w-auto"
              onChange={(e) => update({ ...model, step: Number(e.target.value) })}
            >
              {Array.from({ length: span - 1 }, (_, i) => i + 1).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
            <span className="text-sm">from</span>
            <ValueSelect def={def} label={`${label}: starting at`} value={model.from} onChange={(from) => update({ ...model, from })} />
          </>
        ) : null}

        {model.mode === "range" ? (
          <>
            <ValueSelect def={def} label={`${label}: from`} value={model.from} onChange={(from) => update({ ...model, from })} />
            <span className="text-sm">to</span>
            <ValueSelect def={def} label={`${label}: to`} value={model.to} onChange={(to) => update({ ...model, to })} />
            {model.from > model.to ? <span className="text-xs text-danger">The range runs backwards.</span> : null}
          </>
        ) : null}

        {model.mode === "list" && !chips ? (
          <Input
            aria-label={`${label}: values`}
            aria-describedby={problem ? `${id}-problem` : undefined}
            aria-invalid={Boolean(problem)}
            value={listText}
            placeholder={def.name === "minute" ? "0,15,30,45" : def.name === "hour" ? "9,17" : "1,15"}
            className="w-40 font-mono text-[13px]"
            onChange={(e) => {
              setListText(e.target.value);
              const parsed = parseValueList(e.target.value, def);
              if (parsed) update({ mode: "list", values: parsed });
            }}
          />
        ) : null}

        {model.mode === "custom" ? (
          <Input
            aria-label={`${label}: custom text`}
            value={model.text}
            className="w-40 font-mono text-[13px]"
            onChange={(e) => update({ mode: "custom", text: e.target.value })}
          />
        ) : null}
      </div>

      {model.mode === "list" && chips ? (
        <div className="mt-2 flex flex-wrap gap-1" role="group" aria-label={`${label}: values`}>
          {values(def).map((v) => {
            const on = model.values.includes(v);
            return (
              <button
                key={v}
                type="button"
                aria-pressed={on}
                onClick={() =>
                  update({ mode: "list", values: on ? model.values.filter((x) => x !== v) : [...model.values, v] })
                }
                className={cn(
                  "h-7 min-w-10 rounded-md border px-2 text-xs font-medium",
                  "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring",
                  on ? "border-primary bg-primary text-primary-foreground" : "border-input bg-card hover:bg-accent",
                )}
              >
                {def.name === "dayOfWeek" ? (
                  <>
                    <span aria-hidden="true">{valueLabel(def, v).slice(0, 3)}</span>
                    <span className="sr-only">{valueLabel(def, v)}</span>
                  </>
                ) : (
                  valueLabel(def, v)
                )}
              </button>
            );
          })}
        </div>
      ) : null}
      {problem ? (
        <p id={`${id}-problem`} className="mt-1.5 text-xs text-danger">
          {problem}
        </p>
      ) : null}
    </fieldset>
  );
}

// A number and a unit (seconds, minutes, hours, days) kept as whole seconds.
import { useEffect, useState } from "react";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { checkDuration, type DurationUnit, splitDuration } from "./durations";

export function DurationInput({
  id,
  label,
  value,
  onChange,
  units,
  min,
  max,
  hint,
  error,
}: {
  id: string;
  label: string;
  /** Seconds; null when not set or not valid. */
  value: number | null | undefined;
  /** null when the text is not a valid duration (the field shows why). */
  onChange: (seconds: number | null) => void;
  units: readonly DurationUnit[];
  min: number;
  max: number;
  hint?: string;
  /** From the server. */
  error?: string | null;
}) {
  const initial = splitDuration(value ?? 0, units);
  const [amount, setAmount] = useState(value === null || value === undefined ? "" : String(initial.amount));
  const [unit, setUnit] = useState<DurationUnit>(initial.unit);

  // Follow outside changes (switching back to this kind, a reset) but not our own.
  useEffect(() => {
    const mine = checkDuration(amount, unit, { min, max }).seconds ?? null;
    if (value !== null && value !== undefined && value !== mine) {
      const s = splitDuration(value, units);
      setAmount(String(s.amount));
      setUnit(s.unit);
    }
    // (amount and unit left out on purpose: they are what the value is compared against.)
  }, [value, units, min, max]);

  const checked = checkDuration(amount, unit, { min, max });
  const localError = checked.error;

  function update(nextAmount: string, nextUnit: DurationUnit) {
    setAmount(nextAmount);
    setUnit(nextUnit);
    const r = checkDuration(nextAmount, nextUnit, { min, max });
    onChange(r.seconds ?? null);
  }

  return (
    <Field id={id} label={label} hint={hint} error={localError ?? error ?? undefined}>
      {(p) => (
        <div className="flex gap-2">
          <Input
            {...p}
            type="number"
            inputMode="numeric"
            min={min === 0 ? 0 : 1}
            step={1}
            value={amount}
            className="w-28 tabular-nums"
            onChange={(e) => update(e.target.value, unit)}
          />
          <Select
            aria-label={`${label}: unit`}
            value={unit}
            className="w-auto"
            onChange={(e) => {
              const nextUnit = e.target.value as DurationUnit;
              update(amount, nextUnit);
            }}
          >
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </Select>
        </div>
      )}
    </Field>
  );
}

// The runs lists' status filter: all, a group (e.g. "ended badly"), or one status; a value from
// the URL that is none of these (a hand-written list) stays selectable as it is.
import type { RunStatus } from "@/api/types";
import { Select } from "@/components/ui/input";
import { RUN_STATUS } from "@/components/ui/status";
import { RUN_STATUSES, STATUS_GROUPS } from "./filters";

export function RunStatusSelect({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) {
  const other = value && !RUN_STATUSES.includes(value as RunStatus) && !STATUS_GROUPS.some((g) => g.value === value);
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-muted-foreground">
        Status
      </label>
      <Select id={id} className="w-auto" value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">All statuses</option>
        {STATUS_GROUPS.map((g) => (
          <option key={g.value} value={g.value}>
            {g.label}
          </option>
        ))}
        {RUN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {RUN_STATUS[s].label}
          </option>
        ))}
        {other ? <option value={value}>{value.toLowerCase().replaceAll(",", ", ")}</option> : null}
      </Select>
    </div>
  );
}

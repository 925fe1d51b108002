// A date and time typed in the schedule's zone, kept as an RFC 3339 UTC instant. Says so when
// the wall time falls in a DST gap (moved) or overlap (the first of the two taken).
import { X } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { utcToZonedLocal, zonedLocalToUtc } from "./zoned-time";

export function ZonedDateTimeInput({
  id,
  label,
  value,
  zone,
  onChange,
  hint,
  error,
  clearable = false,
}: {
  id: string;
  label: string;
  value: string | null | undefined;
  zone: string;
  onChange: (iso: string | null) => void;
  hint?: string;
  error?: string | null;
  clearable?: boolean;
}) {
  const [text, setText] = useState(() => utcToZonedLocal(value, zone));

  // Follow the value when it changes from outside (another zone, a reset), not while typing.
  useEffect(() => {
    const typed = text ? (zonedLocalToUtc(text, zone)?.utc ?? null) : null;
    const current = value ? new Date(value).getTime() : null;
    const mine = typed ? new Date(typed).getTime() : null;
    if (current !== mine) setText(utcToZonedLocal(value, zone));
    // (`text` is left out of the dependencies on purpose: typing must not reset it.)
  }, [value, zone]);

  const resolved = text ? zonedLocalToUtc(text, zone) : null;
  let note: string | null = null;
  if (resolved?.adjustment?.kind === "gap") {
    note = `${text.replace("T", " ")} does not exist in ${zone} (clocks spring forward): it means ${resolved.adjustment.local.replace("T", " ")}.`;
  } else if (resolved?.adjustment?.kind === "ambiguous") {
    note = `${text.replace("T", " ")} happens twice in ${zone} (clocks fall back): the first one is used.`;
  }
  const hints = [hint, `In ${zone}.`, note].filter(Boolean).join(" ");

  return (
    <Field id={id} label={label} hint={hints} error={error ?? undefined}>
      {(p) => (
        <div className="flex items-center gap-1.5">
          <Input
            {...p}
            type="datetime-local"
            step={60}
            value={text}
            className="min-w-0 flex-1 tabular-nums"
            onChange={(e) => {
              const next = e.target.value;
              setText(next);
              if (!next) {
                onChange(null);
                return;
              }
              const r = zonedLocalToUtc(next, zone);
              if (r) onChange(r.utc);
            }}
          />
          {clearable && text ? (
            <Button
              variant="ghost"
              size="icon-sm"
              aria-label={`Clear ${label.toLowerCase()}`}
              onClick={() => {
                setText("");
                onChange(null);
              }}
            >
              <X aria-hidden="true" />
            </Button>
          ) : null}
        </div>
      )}
    </Field>
  );
}

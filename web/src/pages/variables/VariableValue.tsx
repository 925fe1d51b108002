import { Eye, EyeOff } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { jsonKind, looksSecret, MASK, previewJson } from "@/lib/variables";

/** A value cell: a one-line preview, masked behind a button when the key looks secret. */
export function VariableValue({ name, value }: { name: string; value: unknown }) {
  const secret = looksSecret(name);
  const [shown, setShown] = useState(false);
  const kind = jsonKind(value);
  const hidden = secret && !shown;
  return (
    <div className="flex min-w-0 items-center gap-1.5">
      {secret ? (
        <Button
          variant="ghost"
          size="icon-sm"
          aria-pressed={shown}
          aria-label={shown ? `Hide the value of ${name}` : `Reveal the value of ${name}`}
          title={shown ? "Hide" : "Reveal"}
          onClick={() => setShown((s) => !s)}
        >
          {shown ? <EyeOff aria-hidden="true" /> : <Eye aria-hidden="true" />}
        </Button>
      ) : null}
      {hidden ? (
        <span className="font-mono text-xs tracking-wider text-muted-foreground">
          <span aria-hidden="true">{MASK}</span>
          <span className="sr-only">hidden</span>
        </span>
      ) : (
        <code
          className="min-w-0 truncate rounded bg-muted px-1.5 py-0.5 font-mono text-xs"
          title={previewJson(value, 2000)}
        >
          {kind === "string" ? JSON.stringify(value) : previewJson(value)}
        </code>
      )}
    </div>
  );
}

export function KindLabel({ value }: { value: unknown }) {
  return <span className="text-xs text-muted-foreground">{jsonKind(value)}</span>;
}

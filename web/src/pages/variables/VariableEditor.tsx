import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Eye } from "lucide-react";
import { type FormEvent, useEffect, useId, useState } from "react";
import { toast } from "sonner";
import { ApiError, errorMessage } from "@/api/client";
import { listVariables, putVariable, type Variable } from "@/api/variables";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Input, Textarea } from "@/components/ui/input";
import { checkJson, formatJson, looksSecret, MAX_KEY_BYTES, validateVariableKey } from "@/lib/variables";
import { cn } from "@/lib/utils";

type Mode = "json" | "text";

function initialText(variable: Variable | null): { mode: Mode; text: string } {
  if (!variable) return { mode: "json", text: "" };
  if (typeof variable.value === "string") return { mode: "text", text: variable.value };
  return { mode: "json", text: formatJson(variable.value) };
}

/** Create (variable = null) or edit one variable. */
export function VariableEditor({
  open,
  onOpenChange,
  variable,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  variable: Variable | null;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const editing = variable !== null;
  const [key, setKey] = useState("");
  const [keyTouched, setKeyTouched] = useState(false);
  const [mode, setMode] = useState<Mode>("json");
  const [text, setText] = useState("");
  const [revealed, setRevealed] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    if (!open) return;
    const start = initialText(variable);
    setKey(variable?.key ?? "");
    setKeyTouched(false);
    setMode(start.mode);
    setText(start.text);
    setRevealed(!variable || !looksSecret(variable.key));
    setProblem(null);
  }, [open, variable]);

  const keyError = editing ? null : validateVariableKey(key);
  const json = mode === "json" ? checkJson(text) : null;
  const valueError = json && !json.ok && text !== "" ? json.message : null;
  const canSave = !keyError && (mode === "text" || (json?.ok ?? false));

  const save = useMutation({
    mutationFn: async () => {
      const value = mode === "text" ? text : json?.ok ? json.value : undefined;
      if (!editing) {
        // PUT replaces silently; a new variable must not overwrite one that exists.
        // (A list by prefix rather than GET /variables/{key}: no 404 in the console.)
        const found = await listVariables({ prefix: key, limit: 1 });
        if (found.items[0]?.key === key) {
          throw new ApiError(409, "ALREADY_EXISTS", `A variable named ${key} already exists; edit it from the list.`);
        }
      }
      return putVariable(key, value);
    },
    onSuccess: (saved) => {
      toast.success(editing ? `Saved ${saved.key}` : `Created ${saved.key}`, {
        description: `Version ${saved.version}`,
      });
      void queryClient.invalidateQueries({ queryKey: ["variables"] });
      onOpenChange(false);
    },
    onError: (error) => setProblem(errorMessage(error)),
  });

  function switchMode(next: Mode) {
    if (next === mode) return;
    if (next === "text") {
      const parsed = checkJson(text);
      setText(parsed.ok && typeof parsed.value === "string" ? parsed.value : text);
    } else {
      setText(text === "" ? "" : JSON.stringify(text));
    }
    setMode(next);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    setKeyTouched(true);
    if (!canSave) {
      if (mode === "json" && text.trim() === "") setProblem("Enter a value.");
      return;
    }
    setProblem(null);
    save.mutate();
  }

  const hidden = !revealed;
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={editing ? `Edit ${variable.key}` : "New variable"}
      description={
        editing
          ? "Saving replaces the value; scripts see it on their next read."
          : "Scripts read it with cronium.getVariable(key); values are encrypted at rest."
      }
      className="max-w-2xl"
    >
      <form onSubmit={submit} noValidate className="space-y-4">
        {editing ? null : (
          <Field
            id={`${id}-key`}
            label="Key"
            error={keyTouched || key ? keyError : null}
            hint={`Any text up to ${MAX_KEY_BYTES} bytes without control characters, e.g. API_URL or orders/total.`}
          >
            {(p) => (
              <Input
                {...p}
                className="font-mono"
                autoComplete="off"
                spellCheck={false}
                autoFocus
                value={key}
                onChange={(e) => setKey(e.target.value)}
                onBlur={() => setKeyTouched(true)}
              />
            )}
          </Field>
        )}

        <fieldset className="space-y-1.5">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <legend className="text-sm font-medium">Value</legend>
            <div role="radiogroup" aria-label="Value type" className="inline-flex rounded-md border border-input p-0.5">
              {(["json", "text"] as const).map((m) => (
                <button
                  key={m}
                  type="button"
                  role="radio"
                  aria-checked={mode === m}
                  onClick={() => switchMode(m)}
                  className={cn(
                    "rounded px-2.5 py-0.5 text-xs font-medium text-muted-foreground",
                    mode === m && "bg-accent text-foreground",
                  )}
                >
                  {m === "json" ? "JSON" : "Text"}
                </button>
              ))}
            </div>
          </div>
          {hidden ? (
            <div className="flex min-h-24 flex-col items-center justify-center gap-2 rounded-md border border-dashed border-input p-4 text-center text-sm text-muted-foreground">
              <span>The value is hidden because the key looks secret.</span>
              <Button size="sm" onClick={() => setRevealed(true)}>
                <Eye aria-hidden="true" /> Reveal and edit
              </Button>
            </div>
          ) : (
            <>
              <label htmlFor={`${id}-value`} className="sr-only">
                Value ({mode === "json" ? "JSON" : "text"})
              </label>
              <Textarea
                id={`${id}-value`}
                rows={10}
                spellCheck={false}
                autoComplete="off"
                aria-invalid={Boolean(valueError)}
                aria-describedby={`${id}-value-status`}
                placeholder={mode === "json" ? '{"url": "https://example.com", "retries": 3}' : "plain text, stored as a JSON string"}
                value={text}
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                    e.preventDefault();
                    e.currentTarget.form?.requestSubmit();
                  }
                }}
              />
              <p id={`${id}-value-status`} aria-live="polite" className="text-xs">
                {mode === "text" ? (
                  <span className="text-muted-foreground">Stored as a JSON string, exactly as typed.</span>
                ) : valueError ? (
                  <span className="text-danger">{valueError}</span>
                ) : json?.ok ? (
                  <span className="text-muted-foreground">
                    Valid JSON ({json.kind}).{" "}
                    <button
                      type="button"
                      className="text-primary underline-offset-2 hover:underline"
                      onClick={() => setText(formatJson(json.value))}
                    >
                      Format
                    </button>
                  </span>
                ) : (
                  <span className="text-muted-foreground">Any JSON: "text", 42, true, null, a list or an object.</span>
                )}
              </p>
            </>
          )}
        </fieldset>

        <InlineError>{problem}</InlineError>
        <div className="flex flex-wrap items-center justify-end gap-2">
          <span className="mr-auto hidden text-xs text-muted-foreground sm:inline">Ctrl+Enter saves</span>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={save.isPending || (hidden && editing)}>
            {save.isPending ? "Saving…" : editing ? "Save" : "Create"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

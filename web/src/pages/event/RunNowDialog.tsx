// "Run now" with an optional JSON input, checked before it is sent; Ctrl+Enter runs.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Play } from "lucide-react";
import { type FormEvent, type KeyboardEvent, useState } from "react";
import { useNavigate } from "react-router";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { startRun } from "@/api/events";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Textarea } from "@/components/ui/input";
import { parseRunInput } from "./run-input";

export function RunNowDialog({
  eventId,
  eventName,
  open,
  onOpenChange,
}: {
  eventId: string;
  eventName: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [inputError, setInputError] = useState<string | null>(null);

  const run = useMutation({
    mutationFn: (input: unknown) => startRun(eventId, input),
    onSuccess: (started) => {
      toast.success(`Started "${eventName}"`, {
        description: `Run ${started.executionId}`,
        action: { label: "View run", onClick: () => void navigate(`/runs/${started.executionId}`) },
      });
      void queryClient.invalidateQueries({ queryKey: ["executions"] });
      void queryClient.invalidateQueries({ queryKey: ["events"] });
      onOpenChange(false);
      setText("");
      void navigate(`/runs/${started.executionId}`);
    },
  });

  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (run.isPending) return;
    const parsed = parseRunInput(text);
    if (!parsed.ok) {
      setInputError(parsed.error);
      return;
    }
    setInputError(null);
    run.mutate(parsed.input);
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) {
          setInputError(null);
          run.reset();
        }
        onOpenChange(o);
      }}
      title={`Run "${eventName}" now`}
      description="The run starts at once, outside the schedule."
      className="max-w-lg"
    >
      <form onSubmit={submit} onKeyDown={onKeyDown} className="space-y-4">
        <Field
          id="run-input"
          label="Input (JSON, optional)"
          hint={
            <>
              The script reads it with <code className="font-mono">cronium.input()</code>. Leave it blank for no input.
            </>
          }
          error={inputError}
        >
          {(props) => (
            <Textarea
              {...props}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                if (inputError) setInputError(null);
              }}
              rows={7}
              spellCheck={false}
              placeholder={'{\n  "date": "2026-01-31"\n}'}
              autoFocus
            />
          )}
        </Field>
        {run.isError ? <InlineError>Could not start the run: {errorMessage(run.error)}</InlineError> : null}
        <div className="flex flex-wrap items-center justify-end gap-2">
          <span className="mr-auto hidden text-xs text-muted-foreground sm:inline">
            <kbd className="rounded border border-border px-1 font-mono text-[11px]">Ctrl</kbd>+
            <kbd className="rounded border border-border px-1 font-mono text-[11px]">Enter</kbd> runs
          </span>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={run.isPending} title="Run now (Ctrl+Enter)">
            <Play aria-hidden="true" />
            {run.isPending ? "Starting…" : "Run now"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

// The editor's sections below Basics: HTTP request, execution, environment and conditional
// actions. Each takes the form, a setter for a part of it and the errors by field path.
import { Eye, EyeOff, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import type { CroniumEvent } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, Label, Select } from "@/components/ui/input";
import { CodeEditor } from "@/components/code/CodeEditor";
import { ACTION_TRIGGERS, type EventForm, type FieldErrors, HTTP_METHODS } from "./form";

export type Patch = (patch: Partial<EventForm>) => void;

const TRIGGER_TEXT: Record<string, string> = {
  ON_SUCCESS: "when a run succeeds",
  ON_FAILURE: "when a run fails (after its retries)",
  ALWAYS: "after every run",
  ON_CONDITION: "when the script set its condition to true",
};

export function HttpSection({ form, set, errors, onSave }: { form: EventForm; set: Patch; errors: FieldErrors; onSave: () => void }) {
  const headers = form.httpHeaders;
  const bodyIsJson = (() => {
    if (!form.httpBody.trim()) return null;
    try {
      JSON.parse(form.httpBody);
      return true;
    } catch {
      return false;
    }
  })();
  return (
    <div className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <Field id="http-method" label="Method">
          {(p) => (
            <Select {...p} value={form.httpMethod} onChange={(e) => set({ httpMethod: e.target.value })}>
              {HTTP_METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          id="httpRequest.url"
          label="URL"
          error={errors["httpRequest.url"]}
          hint="Private and loopback addresses are refused unless an administrator allows them."
        >
          {(p) => (
            <Input
              {...p}
              type="url"
              inputMode="url"
              placeholder="https://example.com/hook"
              value={form.httpUrl}
              onChange={(e) => set({ httpUrl: e.target.value })}
            />
          )}
        </Field>
      </div>
      <fieldset className="space-y-2" id="httpRequest.headers" tabIndex={-1}>
        <legend className="text-sm font-medium">Headers</legend>
        {headers.length === 0 ? <p className="text-xs text-muted-foreground">No headers.</p> : null}
        {headers.map((h, i) => (
          <div key={i} className="flex flex-wrap items-start gap-2">
            <Input
              aria-label={`Header ${i + 1} name`}
              aria-invalid={Boolean(errors[`httpRequest.headers[${i}]`])}
              className="w-full sm:w-48"
              placeholder="Authorization"
              value={h.key}
              onChange={(e) => set({ httpHeaders: headers.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)) })}
            />
            <Input
              aria-label={`Header ${i + 1} value`}
              className="min-w-0 flex-1"
              value={h.value}
              onChange={(e) => set({ httpHeaders: headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })}
            />
            <Button
              variant="ghost"
              size="icon"
              aria-label={`Remove header ${h.key || i + 1}`}
              onClick={() => set({ httpHeaders: headers.filter((_, j) => j !== i) })}
            >
              <Trash2 aria-hidden="true" />
            </Button>
            {errors[`httpRequest.headers[${i}]`] ? (
              <p className="w-full text-xs text-danger">{errors[`httpRequest.headers[${i}]`]}</p>
            ) : null}
          </div>
        ))}
        {errors["httpRequest.headers"] ? <p className="text-xs text-danger">{errors["httpRequest.headers"]}</p> : null}
        <Button size="sm" onClick={() => set({ httpHeaders: [...headers, { key: "", value: "" }] })}>
          <Plus aria-hidden="true" /> Add header
        </Button>
      </fieldset>
      {form.httpMethod !== "GET" && form.httpMethod !== "HEAD" ? (
        <div className="space-y-1.5">
          <Label htmlFor="http-body">Body</Label>
          <CodeEditor
            value={form.httpBody}
            onChange={(httpBody) => set({ httpBody })}
            language="json"
            label="Request body"
            minHeight="8rem"
            onSave={onSave}
          />
          <p className="text-xs text-muted-foreground" id="http-body">
            {bodyIsJson === null
              ? "Sent as is; JSON is checked as you type."
              : bodyIsJson
                ? "Valid JSON."
                : "Not JSON: it will be sent as plain text."}
          </p>
        </div>
      ) : null}
      {errors.httpRequest ? <p className="text-xs text-danger">{errors.httpRequest}</p> : null}
    </div>
  );
}

function NumberField({
  id,
  label,
  hint,
  value,
  onChange,
  error,
  step,
  unit,
}: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  step?: string;
  unit?: string;
}) {
  return (
    <Field id={id} label={unit ? `${label} (${unit})` : label} hint={hint} error={error}>
      {(p) => <Input {...p} inputMode={step ? "decimal" : "numeric"} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

export function ExecutionSection({ form, set, errors }: { form: EventForm; set: Patch; errors: FieldErrors }) {
  const toggleRetryOn = (status: string) =>
    set({ retryOn: form.retryOn.includes(status) ? form.retryOn.filter((s) => s !== status) : [...form.retryOn, status] });
  return (
    <div className="space-y-5">
      <div className="grid gap-3 sm:grid-cols-3">
        <NumberField id="timeoutSeconds" label="Timeout" unit="s" value={form.timeoutSeconds} onChange={(timeoutSeconds) => set({ timeoutSeconds })} error={errors.timeoutSeconds} hint="A run longer than this is stopped." />
        <Field id="priority" label="Priority" hint="Higher runs first when workers are busy." error={errors.priority}>
          {(p) => (
            <Select {...p} value={form.priority} onChange={(e) => set({ priority: e.target.value })}>
              {["LOW", "NORMAL", "HIGH", "CRITICAL"].map((v) => (
                <option key={v} value={v}>
                  {v.charAt(0) + v.slice(1).toLowerCase()}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <NumberField id="maxConcurrent" label="At most at once" value={form.maxConcurrent} onChange={(maxConcurrent) => set({ maxConcurrent })} error={errors.maxConcurrent} hint="Runs of this event at the same time; 0: no limit." />
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Retries</legend>
        <div className="grid gap-3 sm:grid-cols-3">
          <NumberField id="retries" label="Retries" value={form.retries} onChange={(retries) => set({ retries })} error={errors.retries} hint="0 to 10 more attempts." />
          <NumberField id="retryDelaySeconds" label="First delay" unit="s" value={form.retryDelaySeconds} onChange={(retryDelaySeconds) => set({ retryDelaySeconds })} error={errors.retryDelaySeconds} hint="Doubles after each attempt…" />
          <NumberField id="retryMaxDelaySeconds" label="Longest delay" unit="s" value={form.retryMaxDelaySeconds} onChange={(retryMaxDelaySeconds) => set({ retryMaxDelaySeconds })} error={errors.retryMaxDelaySeconds} hint="…up to this." />
        </div>
        <div className="flex flex-wrap gap-x-4 gap-y-1 text-sm" role="group" aria-label="Retry when a run">
          <span className="text-muted-foreground">Retry when a run:</span>
          {[
            ["FAILED", "fails"],
            ["TIMED_OUT", "times out"],
            ["LOST", "is lost (its node died)"],
          ].map(([status, text]) => (
            <label key={status} className="inline-flex items-center gap-1.5">
              <input type="checkbox" className="size-4 accent-primary" checked={form.retryOn.includes(status!)} onChange={() => toggleRetryOn(status!)} />
              {text}
            </label>
          ))}
        </div>
        {errors.retryOn ? <p className="text-xs text-danger">{errors.retryOn}</p> : null}
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Limits and network</legend>
        <p className="text-xs text-muted-foreground">0 uses the server's default. The server refuses values above its ceilings.</p>
        <div className="grid gap-3 sm:grid-cols-3">
          <NumberField id="limits.memoryMb" label="Memory" unit="MiB" value={form.memoryMb} onChange={(memoryMb) => set({ memoryMb })} error={errors["limits.memoryMb"]} />
          <NumberField id="limits.cpus" label="CPUs" step="0.01" value={form.cpus} onChange={(cpus) => set({ cpus })} error={errors["limits.cpus"]} hint="e.g. 0.5 or 2" />
          <NumberField id="limits.cpuSeconds" label="CPU time" unit="s" value={form.cpuSeconds} onChange={(cpuSeconds) => set({ cpuSeconds })} error={errors["limits.cpuSeconds"]} />
          <NumberField id="limits.pids" label="Processes" value={form.pids} onChange={(pids) => set({ pids })} error={errors["limits.pids"]} />
          <NumberField id="limits.diskMb" label="Disk (/work, /tmp)" unit="MiB" value={form.diskMb} onChange={(diskMb) => set({ diskMb })} error={errors["limits.diskMb"]} />
          <NumberField id="limits.outputKb" label="Output kept" unit="KiB" value={form.outputKb} onChange={(outputKb) => set({ outputKb })} error={errors["limits.outputKb"]} />
        </div>
        <Field
          id="network"
          label="Network"
          error={errors.network}
          hint={form.network === "host" ? "The script reaches every network the server does." : "Only a private loopback: the script reaches nothing outside."}
        >
          {(p) => (
            <Select {...p} className="block w-full sm:w-72" value={form.network} onChange={(e) => set({ network: e.target.value })}>
              <option value="none">None (isolated)</option>
              <option value="host">Host network (if the server allows it)</option>
            </Select>
          )}
        </Field>
      </fieldset>
    </div>
  );
}

export function EnvSection({ form, set, errors }: { form: EventForm; set: Patch; errors: FieldErrors }) {
  const [shown, setShown] = useState<Record<number, boolean>>({});
  const rows = form.env;
  const update = (i: number, patch: Partial<(typeof rows)[number]>) => set({ env: rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  return (
    <div className="space-y-2" id="env" tabIndex={-1}>
      <p className="text-xs text-muted-foreground">
        Set in the script's environment. Values are stored encrypted and shown masked; a masked value is kept as it is
        unless you replace it.
      </p>
      {rows.length === 0 ? <p className="text-sm text-muted-foreground">No variables.</p> : null}
      {rows.map((row, i) => (
        <div key={i} className="flex flex-wrap items-start gap-2">
          <Input
            id={`env[${i}]`}
            aria-label={`Variable ${i + 1} name`}
            aria-invalid={Boolean(errors[`env[${i}]`])}
            className="w-full font-mono sm:w-56"
            placeholder="API_URL"
            value={row.key}
            onChange={(e) => update(i, { key: e.target.value.toUpperCase().replace(/[^A-Z0-9_]/g, "_") })}
          />
          {row.masked ? (
            <div className="flex min-w-0 flex-1 items-center gap-2">
              <Input aria-label={`Variable ${row.key || i + 1} value`} className="min-w-0 flex-1" value="••••••••" readOnly />
              <Button size="sm" onClick={() => update(i, { masked: false, value: "" })}>
                Replace
              </Button>
            </div>
          ) : (
            <div className="flex min-w-0 flex-1 items-center gap-1">
              <Input
                aria-label={`Variable ${row.key || i + 1} value`}
                type={shown[i] ? "text" : "password"}
                autoComplete="off"
                className="min-w-0 flex-1 font-mono"
                value={row.value}
                onChange={(e) => update(i, { value: e.target.value })}
              />
              <Button
                variant="ghost"
                size="icon"
                aria-label={shown[i] ? `Hide ${row.key || "value"}` : `Show ${row.key || "value"}`}
                aria-pressed={Boolean(shown[i])}
                onClick={() => setShown((s) => ({ ...s, [i]: !s[i] }))}
              >
                {shown[i] ? <EyeOff aria-hidden="true" /> : <Eye aria-hidden="true" />}
              </Button>
            </div>
          )}
          <Button variant="ghost" size="icon" aria-label={`Remove ${row.key || `variable ${i + 1}`}`} onClick={() => set({ env: rows.filter((_, j) => j !== i) })}>
            <Trash2 aria-hidden="true" />
          </Button>
          {errors[`env[${i}]`] ? <p className="w-full text-xs text-danger">{errors[`env[${i}]`]}</p> : null}
        </div>
      ))}
      {errors.env ? <p className="text-xs text-danger" role="alert">{errors.env}</p> : null}
      <Button size="sm" onClick={() => set({ env: [...rows, { key: "", value: "", masked: false }] })}>
        <Plus aria-hidden="true" /> Add variable
      </Button>
    </div>
  );
}

export function ActionsSection({
  form,
  set,
  errors,
  events,
  selfId,
}: {
  form: EventForm;
  set: Patch;
  errors: FieldErrors;
  events: Pick<CroniumEvent, "id" | "name">[];
  selfId?: string;
}) {
  const actions = form.actions;
  const update = (i: number, patch: Partial<(typeof actions)[number]>) =>
    set({ actions: actions.map((a, j) => (j === i ? { ...a, ...patch } : a)) });
  return (
    <div className="space-y-2" id="actions" tabIndex={-1}>
      <p className="text-xs text-muted-foreground">What starts when a run of this event ends for good (after its retries).</p>
      {actions.length === 0 ? <p className="text-sm text-muted-foreground">No actions.</p> : null}
      {actions.map((a, i) => {
        const known = events.some((e) => e.id === a.targetEventId) || a.targetEventId === selfId;
        const error = errors[`actions[${i}].targetEventId`] ?? errors[`actions[${i}].trigger`] ?? errors[`actions[${i}]`];
        return (
          <div key={i} className="flex flex-wrap items-start gap-2">
            <Select aria-label={`Action ${i + 1}: when`} className="w-full sm:w-64" value={a.trigger} onChange={(e) => update(i, { trigger: e.target.value })}>
              {ACTION_TRIGGERS.map((t) => (
                <option key={t} value={t}>
                  {TRIGGER_TEXT[t]}
                </option>
              ))}
            </Select>
            <Select
              id={`actions[${i}].targetEventId`}
              aria-label={`Action ${i + 1}: run event`}
              aria-invalid={Boolean(error)}
              className="min-w-0 flex-1"
              value={a.targetEventId}
              onChange={(e) => update(i, { targetEventId: e.target.value })}
            >
              <option value="">Run event…</option>
              {selfId ? <option value={selfId}>this event (again)</option> : null}
              {!known && a.targetEventId ? <option value={a.targetEventId}>{a.targetEventId}</option> : null}
              {events
                .filter((e) => e.id !== selfId)
                .map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.name}
                  </option>
                ))}
            </Select>
            <Button variant="ghost" size="icon" aria-label={`Remove action ${i + 1}`} onClick={() => set({ actions: actions.filter((_, j) => j !== i) })}>
              <Trash2 aria-hidden="true" />
            </Button>
            {error ? <p className="w-full text-xs text-danger">{error}</p> : null}
          </div>
        );
      })}
      {errors.actions ? <p className="text-xs text-danger">{errors.actions}</p> : null}
      <Button size="sm" onClick={() => set({ actions: [...actions, { trigger: "ON_SUCCESS", type: "RUN_EVENT", targetEventId: "" }] })}>
        <Plus aria-hidden="true" /> Add action
      </Button>
    </div>
  );
}

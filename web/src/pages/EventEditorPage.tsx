// /events/new (also ?from=<id> to duplicate, ?type= to start with a type) and /events/:id/edit:
// one form for an event's every setting. Errors from the server appear next to their fields;
// Ctrl+S saves, Ctrl+Enter saves and runs; leaving with unsaved changes asks first.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Play, Save } from "lucide-react";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useBlocker, useNavigate, useParams, useSearchParams } from "react-router";
import { toast } from "sonner";
import { ApiError, errorMessage } from "@/api/client";
import { listEvents, runEvent } from "@/api/endpoints";
import type { ScheduleSpec } from "@/api/schedules";
import type { EventType } from "@/api/types";
import { CodeEditor } from "@/components/code/CodeEditor";
import { starterScript } from "@/components/code/helpers";
import { ScheduleBuilder } from "@/components/schedule/ScheduleBuilder";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Input, Label, Select, Textarea } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { PageLoading } from "@/components/ui/spinner";
import { ErrorState } from "@/components/ui/states";
import { canWrite, useMe } from "@/lib/auth";
import { cn } from "@/lib/utils";
import { createEventFull, type EventDetail, getEventDetail, updateEventFull } from "./editor/api";
import {
  checkForm,
  type EventForm,
  type FieldErrors,
  fieldOfError,
  formFromEvent,
  formsDiffer,
  formToBody,
  languageOf,
  newEventForm,
  SCRIPT_TYPES,
  sectionOf,
} from "./editor/form";
import { ActionsSection, EnvSection, ExecutionSection, HttpSection } from "./editor/sections";

const TYPES: { value: EventType; label: string }[] = [
  { value: "BASH", label: "Bash script" },
  { value: "PYTHON", label: "Python script" },
  { value: "NODEJS", label: "Node.js script" },
  { value: "HTTP_REQUEST", label: "HTTP request" },
];

function Section({ id, title, description, children }: { id: string; title: string; description?: string; children: ReactNode }) {
  return (
    <Card className="scroll-mt-4 p-4 sm:p-5" id={`section-${id}`} aria-labelledby={`section-${id}-title`} role="region">
      <h2 id={`section-${id}-title`} className="text-base font-semibold">
        {title}
      </h2>
      {description ? <p className="mt-0.5 text-sm text-muted-foreground">{description}</p> : null}
      <div className="mt-4">{children}</div>
    </Card>
  );
}

/** Focuses the first field with an error (its element has the field's path as id). */
function focusField(field: string) {
  const element =
    document.getElementById(field) ??
    document.getElementById(field.replace(/\[\d+\].*$/, "")) ??
    document.getElementById(`section-${sectionOf(field)}`);
  element?.scrollIntoView({ block: "center" });
  if (element instanceof HTMLElement) element.focus({ preventScroll: true });
}

export default function EventEditorPage() {
  const { id } = useParams();
  const [search] = useSearchParams();
  const from = search.get("from");
  const me = useMe();
  const loadId = id ?? from;
  const query = useQuery({
    queryKey: ["event-detail", loadId, id ? "edit" : "copy"],
    enabled: Boolean(loadId),
    // A duplicate copies the env values too when the caller owns the original (an audited read).
    queryFn: async ({ signal }) => {
      if (id) return getEventDetail(loadId!, { signal });
      try {
        return await getEventDetail(loadId!, { reveal: true, signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 403) return getEventDetail(loadId!, { signal });
        throw error;
      }
    },
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });

  if (!canWrite(me)) {
    return (
      <>
        <PageHeader title={id ? "Edit event" : "New event"} />
        <InlineError>Your account can read but not change events.</InlineError>
      </>
    );
  }
  if (loadId && query.isPending) return <PageLoading />;
  if (loadId && query.isError) {
    return (
      <>
        <PageHeader title={id ? "Edit event" : "New event"} />
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </>
    );
  }
  const owner = query.data?.ownerId;
  if (id && owner && owner !== me.id && me.role !== "ADMIN") {
    return (
      <>
        <PageHeader title={`Edit ${query.data!.name}`} />
        <InlineError>This event is shared with you to read and run; only its owner changes it.</InlineError>
      </>
    );
  }
  const initialType = (search.get("type") as EventType | null) ?? "BASH";
  return (
    <EditorForm
      key={`${id ?? "new"}:${from ?? ""}`}
      event={id ? query.data : undefined}
      initial={query.data ? formFromEvent(query.data, !id) : newEventForm(TYPES.some((t) => t.value === initialType) ? initialType : "BASH")}
      duplicateOf={!id ? query.data : undefined}
    />
  );
}

function EditorForm({ event, initial, duplicateOf }: { event?: EventDetail; initial: EventForm; duplicateOf?: EventDetail }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<EventForm>(initial);
  const [saved, setSaved] = useState<EventForm>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const leaving = useRef(false);
  const dirty = formsDiffer(form, saved);
  const editing = Boolean(event);

  const set = useCallback((patch: Partial<EventForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // An edited field's error goes; the others stay until the next save.
    setErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(patch)) {
        for (const path of Object.keys(next)) if (path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`)) delete next[path];
      }
      if ("httpUrl" in patch) delete next["httpRequest.url"];
      if ("env" in patch) for (const path of Object.keys(next)) if (path.startsWith("env")) delete next[path];
      for (const k of ["memoryMb", "cpus", "pids", "cpuSeconds", "diskMb", "outputKb"]) if (k in patch) delete next[`limits.${k}`];
      return next;
    });
  }, []);

  const targets = useQuery({
    queryKey: ["events", "action-targets"],
    queryFn: ({ signal }) => listEvents({ limit: 200 }, signal),
    staleTime: 60_000,
  });

  const save = useMutation({
    mutationFn: async ({ run }: { run: boolean }) => {
      const body = formToBody(form);
      const result = event ? await updateEventFull(event.id, body) : await createEventFull(body);
      const started = run ? await runEvent(result.id) : null;
      return { result, started };
    },
    onSuccess: ({ result, started }) => {
      setSaved(form);
      setErrors({});
      setGeneral(null);
      void queryClient.invalidateQueries({ queryKey: ["events"] });
      void queryClient.invalidateQueries({ queryKey: ["event", result.id] });
      queryClient.removeQueries({ queryKey: ["event-detail", result.id] });
      for (const warning of result.warnings ?? []) toast.warning(warning);
      leaving.current = true;
      if (started) {
        toast.success(`Saved “${result.name}” and started a run`);
        navigate(`/runs/${started.executionId}`);
      } else {
        toast.success(editing ? `Saved “${result.name}”` : `Created “${result.name}”`);
        navigate(`/events/${result.id}`);
      }
    },
    onError: (error) => {
      const message = errorMessage(error);
      const place = error instanceof ApiError && error.status === 400 ? fieldOfError(message) : null;
      if (place) {
        setErrors({ [place.field]: place.message });
        setGeneral(null);
        requestAnimationFrame(() => focusField(place.field));
      } else {
        setGeneral(message);
      }
    },
  });

  const submit = useCallback(
    (run: boolean) => {
      if (save.isPending) return;
      const problems = checkForm(form);
      setErrors(problems);
      const first = Object.keys(problems)[0];
      if (first) {
        setGeneral(`Check the highlighted field${Object.keys(problems).length > 1 ? "s" : ""}.`);
        requestAnimationFrame(() => focusField(first));
        return;
      }
      setGeneral(null);
      save.mutate({ run });
    },
    [form, save],
  );
  const submitRef = useRef(submit);
  submitRef.current = submit;
  const onSave = useCallback(() => submitRef.current(false), []);
  const onRun = useCallback(() => submitRef.current(true), []);

  // Ctrl+S anywhere on the page saves; Ctrl+Enter saves and runs.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || !(e.ctrlKey || e.metaKey)) return;
      if (e.key === "s" || e.key === "S") {
        e.preventDefault();
        submitRef.current(false);
      } else if (e.key === "Enter") {
        e.preventDefault();
        submitRef.current(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Unsaved changes: the browser asks on reload or close, the app on a link.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => window.removeEventListener("beforeunload", onBeforeUnload);
  }, [dirty]);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );

  const changeType = (type: EventType) => {
    const patch: Partial<EventForm> = { type };
    // A script still as the starter follows the new language; a written one stays.
    if (SCRIPT_TYPES.includes(type) && SCRIPT_TYPES.includes(form.type)) {
      if (form.content.trim() === "" || form.content === starterScript(languageOf(form.type))) {
        patch.content = starterScript(languageOf(type));
      }
    } else if (SCRIPT_TYPES.includes(type) && form.content.trim() === "") {
      patch.content = starterScript(languageOf(type));
    }
    set(patch);
  };

  const title = editing ? `Edit ${event!.name}` : duplicateOf ? `Duplicate ${duplicateOf.name}` : "New event";
  const isScript = SCRIPT_TYPES.includes(form.type);
  const maskedCopy = duplicateOf && Object.values(duplicateOf.envVars ?? {}).some((v) => v === "********");
  const sections = useMemo(
    () => [
      ["basics", "Basics"],
      [isScript ? "script" : "http", isScript ? "Script" : "Request"],
      ["schedule", "Schedule"],
      ["execution", "Execution"],
      ["env", "Environment"],
      ["actions", "Actions"],
    ],
    [isScript],
  );

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit(false);
      }}
      noValidate
      aria-label={title}
    >
      <PageHeader
        title={title}
        description={editing ? <span className="font-mono text-xs">{event!.id}</span> : "Write what runs, then when it runs."}
        actions={
          <>
            <Button asChild variant="ghost">
              <Link to={editing ? `/events/${event!.id}` : "/events"}>Cancel</Link>
            </Button>
            <Button type="button" onClick={() => submit(true)} disabled={save.isPending} title="Save and run now (Ctrl+Enter)">
              <Play aria-hidden="true" /> Save and run
            </Button>
            <Button type="submit" variant="primary" disabled={save.isPending} title="Save (Ctrl+S)">
              <Save aria-hidden="true" /> {save.isPending ? "Saving…" : editing ? "Save" : "Create"}
            </Button>
          </>
        }
      />
      {dirty ? (
        <p className="mb-3 flex items-center gap-1.5 text-xs text-muted-foreground" role="status">
          <CircleAlert className="size-3.5 text-warning" aria-hidden="true" /> Unsaved changes
        </p>
      ) : null}
      {general ? <InlineError className="mb-4">{general}</InlineError> : null}
      <div className="grid gap-5 lg:grid-cols-[10rem_1fr]">
        <nav aria-label="Sections" className="hidden lg:block">
          <ul className="sticky top-4 space-y-0.5 text-sm">
            {sections.map(([key, label]) => {
              const bad = Object.keys(errors).some((f) => sectionOf(f) === key || (key === "http" && f.startsWith("httpRequest")));
              return (
                <li key={key}>
                  <a
                    href={`#section-${key}`}
                    className={cn(
                      "flex items-center justify-between rounded-md px-2 py-1 text-muted-foreground hover:bg-accent hover:text-foreground",
                      bad && "text-danger",
                    )}
                  >
                    {label}
                    {bad ? <CircleAlert className="size-3.5" aria-label="has errors" /> : null}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="min-w-0 space-y-5">
          <Section id="basics" title="Basics">
            <div className="grid gap-4 sm:grid-cols-2">
              <Field id="name" label="Name" error={errors.name} className="sm:col-span-2">
                {(p) => <Input {...p} required maxLength={200} value={form.name} onChange={(e) => set({ name: e.target.value })} autoFocus={!editing} />}
              </Field>
              <Field id="type" label="Type" error={errors.type} hint={editing ? undefined : "Tool actions come with a later version."}>
                {(p) => (
                  <Select {...p} value={form.type} onChange={(e) => changeType(e.target.value as EventType)}>
                    {TYPES.map((t) => (
                      <option key={t.value} value={t.value}>
                        {t.label}
                      </option>
                    ))}
                    {!TYPES.some((t) => t.value === form.type) ? <option value={form.type}>{form.type}</option> : null}
                  </Select>
                )}
              </Field>
              <Field
                id="status"
                label="Status"
                error={errors.status}
                hint={form.status === "ACTIVE" ? "Runs on its schedule." : form.status === "PAUSED" ? "Its schedule waits; Run now still works." : "A draft: not scheduled."}
              >
                {(p) => (
                  <Select {...p} value={form.status} onChange={(e) => set({ status: e.target.value as EventForm["status"] })}>
                    <option value="ACTIVE">Active</option>
                    <option value="PAUSED">Paused</option>
                    <option value="DRAFT">Draft</option>
                    {form.status === "ARCHIVED" || event?.status === "ARCHIVED" ? <option value="ARCHIVED">Archived</option> : null}
                  </Select>
                )}
              </Field>
              <Field id="description" label="Description" error={errors.description} className="sm:col-span-2">
                {(p) => (
                  <Textarea
                    {...p}
                    className="min-h-16 font-sans text-sm"
                    maxLength={4000}
                    value={form.description}
                    onChange={(e) => set({ description: e.target.value })}
                  />
                )}
              </Field>
              <Field id="tags" label="Tags" error={errors.tags} hint="Comma-separated, e.g. ops, nightly.">
                {(p) => <Input {...p} value={form.tags} onChange={(e) => set({ tags: e.target.value })} />}
              </Field>
              <div className="flex items-end pb-1.5">
                <label className="inline-flex items-center gap-2 text-sm">
                  <input type="checkbox" className="size-4 accent-primary" checked={form.shared} onChange={(e) => set({ shared: e.target.checked })} />
                  Shared: other users can see and run it (only you change it)
                </label>
              </div>
            </div>
          </Section>

          {isScript ? (
            <Section id="script" title="Script" description="Runs in a sandbox. Type cronium (Ctrl+Space) for the runtime helpers.">
              <div id="content" tabIndex={-1}>
                <Label className="sr-only" id="content-label">
                  Script
                </Label>
                <CodeEditor
                  value={form.content}
                  onChange={(content) => set({ content })}
                  language={languageOf(form.type)}
                  label="Script"
                  onSave={onSave}
                  onRun={onRun}
                  invalid={Boolean(errors.content)}
                  describedBy={errors.content ? "content-error" : undefined}
                />
                {errors.content ? (
                  <p id="content-error" className="mt-1.5 text-xs text-danger">
                    {errors.content}
                  </p>
                ) : null}
              </div>
            </Section>
          ) : (
            <Section id="http" title="Request" description="Sent by the server when the event runs; the response's status and body are the run's result.">
              <HttpSection form={form} set={set} errors={errors} onSave={onSave} />
            </Section>
          )}

          <Section id="schedule" title="Schedule">
            <div id="schedule" tabIndex={-1}>
              <ScheduleBuilder
                value={form.schedule}
                onChange={(schedule: ScheduleSpec | null) => set({ schedule })}
                error={errors.schedule}
              />
            </div>
          </Section>

          <Section id="execution" title="Execution" description="How long it may run, how it retries, and the sandbox's limits.">
            <ExecutionSection form={form} set={set} errors={errors} />
          </Section>

          <Section id="env" title="Environment variables">
            {maskedCopy ? (
              <p className="mb-3 text-xs text-warning">The original's values are not shown to you: enter them again for the copy.</p>
            ) : null}
            <EnvSection form={form} set={set} errors={errors} />
          </Section>

          <Section id="actions" title="Conditional actions">
            <ActionsSection form={form} set={set} errors={errors} events={targets.data?.items ?? []} selfId={event?.id} />
          </Section>

          <div className="flex flex-wrap justify-end gap-2 pb-6">
            <Button type="button" onClick={() => submit(true)} disabled={save.isPending}>
              <Play aria-hidden="true" /> Save and run
            </Button>
            <Button type="submit" variant="primary" disabled={save.isPending}>
              <Save aria-hidden="true" /> {editing ? "Save" : "Create"}
            </Button>
          </div>
        </div>
      </div>
      <ConfirmDialog
        open={blocker.state === "blocked"}
        onOpenChange={(open) => {
          if (!open && blocker.state === "blocked") blocker.reset();
        }}
        title="Leave without saving?"
        description={`Your changes to ${editing ? `“${event!.name}”` : "the new event"} are not saved and will be lost.`}
        confirmLabel="Leave"
        danger
        onConfirm={() => blocker.state === "blocked" && blocker.proceed()}
      />
    </form>
  );
}

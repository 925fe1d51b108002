import { useInfiniteQuery } from "@tanstack/react-query";
import { CircleCheck, CircleX, Filter, ScrollText, SearchX, X } from "lucide-react";
import { type ReactNode, useCallback, useEffect, useId, useState } from "react";
import { useSearchParams } from "react-router";
import { type AuditEntry, type AuditFilter, listAudit } from "@/api/admin";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, readAuditFilter, withAuditFilter } from "./audit-filter";
import { ListFooter } from "@/components/ui/list-footer";

function Outcome({ outcome }: { outcome: string }) {
  const ok = outcome === "" || /^(ok|success|succeeded|allowed)$/i.test(outcome);
  return (
    <Badge>
      {ok ? (
        <CircleCheck className="size-3.5 text-success" aria-hidden="true" />
      ) : (
        <CircleX className="size-3.5 text-danger" aria-hidden="true" />
      )}
      {outcome || "ok"}
    </Badge>
  );
}

/** A text filter that writes to the URL 300 ms after the last key. */
function TextFilter({
  id,
  label,
  value,
  onChange,
  placeholder,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = window.setTimeout(() => onChange(text.trim()), 300);
    return () => window.clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="space-y-1">
      <Label htmlFor={id} className="text-xs text-muted-foreground">{label}</Label>
      <Input id={id} className="font-mono text-xs" spellCheck={false} placeholder={placeholder} value={text}
        onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

function FilterLink({ onClick, label, children }: { onClick: () => void; label: string; children: ReactNode }) {
  return (
    <button type="button" onClick={onClick} title={label} aria-label={label}
      className="max-w-full truncate rounded text-left hover:underline focus-visible:outline-2 focus-visible:outline-ring">
      {children}
    </button>
  );
}

function Details({ details }: { details: Record<string, unknown> }) {
  if (!details || Object.keys(details).length === 0) return null;
  return (
    <details className="mt-1 text-xs">
      <summary className="cursor-pointer text-muted-foreground hover:text-foreground">Details</summary>
      <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 font-mono text-[11px]">
        {JSON.stringify(details, null, 2)}
      </pre>
    </details>
  );
}

export function AuditTab() {
  const id = useId();
  const now = useNow(30_000);
  const [params, setParams] = useSearchParams();
  const filter = readAuditFilter(params);
  const set = useCallback(
    (changes: Partial<AuditFilter>) => setParams((p) => withAuditFilter(p, changes), { replace: true }),
    [setParams],
  );
  const any = Object.values(filter).some(Boolean);

  const query = useInfiniteQuery({
    queryKey: ["audit", filter],
    queryFn: ({ pageParam, signal }) => listAudit(filter, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const entries = query.data?.pages.flatMap((p) => p.items) ?? [];

  const actorCell = (e: AuditEntry) => (
    <div className="min-w-0">
      <FilterLink onClick={() => set({ actor: e.actor.id })} label={`Show only what ${e.actor.name || e.actor.id} did`}>
        <span className="font-medium">{e.actor.name || e.actor.id}</span>
      </FilterLink>
      <div className="truncate text-xs text-muted-foreground">
        {e.actor.type}
        {e.source ? ` · ${e.source}` : ""}
      </div>
    </div>
  );
  const targetCell = (e: AuditEntry) => (
    <div className="min-w-0">
      <FilterLink onClick={() => set({ targetType: e.targetType, targetId: e.targetId })}
        label={`Show only entries about ${e.targetType} ${e.targetId}`}>
        <span className="text-xs text-muted-foreground">{e.targetType}</span>{" "}
        <span className="font-mono text-xs">{e.targetId}</span>
      </FilterLink>
    </div>
  );
  const actionCell = (e: AuditEntry) => (
    <FilterLink onClick={() => set({ action: e.action })} label={`Show only ${e.action}`}>
      <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{e.action}</code>
    </FilterLink>
  );

  return (
    <>
      <div role="search" aria-label="Audit log filters" className="mb-3 grid gap-2 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_1fr_1fr_auto] lg:items-end">
        <TextFilter id={`${id}-actor`} label="Actor id" placeholder="usr_…" value={filter.actor} onChange={(v) => set({ actor: v })} />
        <div className="space-y-1">
          <Label htmlFor={`${id}-action`} className="text-xs text-muted-foreground">Action</Label>
          <Select id={`${id}-action`} className="text-xs" value={filter.action} onChange={(e) => set({ action: e.target.value })}>
            <option value="">All actions</option>
            {[...new Set([...AUDIT_ACTIONS, ...(filter.action ? [filter.action] : [])])].map((a) => (
              <option key={a} value={a}>{a}</option>
            ))}
          </Select>
        </div>
        <div className="space-y-1">
          <Label htmlFor={`${id}-ttype`} className="text-xs text-muted-foreground">Target type</Label>
          <Select id={`${id}-ttype`} className="text-xs" value={filter.targetType} onChange={(e) => set({ targetType: e.target.value })}>
            <option value="">All types</option>
            {[...new Set([...AUDIT_TARGET_TYPES, ...(filter.targetType ? [filter.targetType] : [])])].map((t) => (
              <option key={t} value={t}>{t}</option>
            ))}
          </Select>
        </div>
        <TextFilter id={`${id}-tid`} label="Target id" placeholder="evt_…, a key…" value={filter.targetId} onChange={(v) => set({ targetId: v })} />
        {any ? (
          <Button variant="ghost" onClick={() => set({ actor: "", action: "", targetType: "", targetId: "" })}>
            <X aria-hidden="true" /> Clear
          </Button>
        ) : (
          <span className="hidden items-center gap-1 text-xs text-muted-foreground lg:flex">
            <Filter className="size-3.5" aria-hidden="true" /> Click a cell to filter
          </span>
        )}
      </div>

      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center"><Spinner label="Loading the audit log" /></div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : entries.length === 0 ? (
          any ? (
            <EmptyState icon={SearchX} title="No entries match these filters"
              action={<Button onClick={() => set({ actor: "", action: "", targetType: "", targetId: "" })}>Clear filters</Button>}>
              Filters match whole values (an exact id or action).
            </EmptyState>
          ) : (
            <EmptyState icon={ScrollText} title="The audit log is empty" />
          )
        ) : (
          <>
            <table className="hidden w-full table-fixed border-collapse text-sm md:table">
              <caption className="sr-only">Audit log, newest first</caption>
              <thead>
                <tr className="border-b border-border text-left text-xs font-medium text-muted-foreground">
                  <th scope="col" className="w-56 px-4 py-2 font-medium">Time</th>
                  <th scope="col" className="w-44 px-2 py-2 font-medium">Actor</th>
                  <th scope="col" className="w-44 px-2 py-2 font-medium">Action</th>
                  <th scope="col" className="px-2 py-2 font-medium">Target</th>
                  <th scope="col" className="w-28 px-4 py-2 font-medium">Outcome</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {entries.map((e) => (
                  <tr key={e.id} className="align-top hover:bg-accent/40">
                    <td className="px-4 py-2">
                      <AbsoluteTime iso={e.at} now={now} className="text-xs" />
                      <div className="text-xs text-muted-foreground"><RelativeTime iso={e.at} now={now} /></div>
                    </td>
                    <td className="px-2 py-2">{actorCell(e)}</td>
                    <td className="px-2 py-2">{actionCell(e)}</td>
                    <td className="px-2 py-2">
                      {targetCell(e)}
                      <Details details={e.details} />
                    </td>
                    <td className="px-4 py-2"><Outcome outcome={e.outcome} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ul className="divide-y divide-border md:hidden" aria-label="Audit log, newest first">
              {entries.map((e) => (
                <li key={e.id} className="space-y-1.5 px-3 py-3">
                  <div className="flex items-start justify-between gap-2">
                    {actionCell(e)}
                    <Outcome outcome={e.outcome} />
                  </div>
                  {actorCell(e)}
                  {targetCell(e)}
                  <AbsoluteTime iso={e.at} now={now} className="block text-xs text-muted-foreground" />
                  <Details details={e.details} />
                </li>
              ))}
            </ul>
            <ListFooter count={entries.length} noun={["entry", "entries"]} query={query} moreLabel="Load older" />
          </>
        )}
      </Card>
    </>
  );
}

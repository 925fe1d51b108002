import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { Pencil, Plus, Search, SearchX, Trash2, Variable as VariableIcon, X } from "lucide-react";
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { deleteVariable, listVariables, type Variable } from "@/api/variables";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { RelativeTime, useNow } from "@/components/ui/time";
import { canWrite, useMe } from "@/lib/auth";
import { VariableEditor } from "./variables/VariableEditor";
import { KindLabel, VariableValue } from "./variables/VariableValue";
import { ListFooter } from "@/components/ui/list-footer";

function RowActions({
  variable,
  onEdit,
  onDelete,
}: {
  variable: Variable;
  onEdit: () => void;
  onDelete: () => void;
}) {
  return (
    <div className="flex items-center justify-end gap-1">
      <Button size="sm" variant="ghost" onClick={onEdit} aria-label={`Edit ${variable.key}`} title="Edit">
        <Pencil aria-hidden="true" />
        <span className="hidden lg:inline">Edit</span>
      </Button>
      <Button size="sm" variant="ghost" onClick={onDelete} aria-label={`Delete ${variable.key}`} title="Delete">
        <Trash2 className="text-danger" aria-hidden="true" />
        <span className="hidden lg:inline">Delete</span>
      </Button>
    </div>
  );
}

export default function VariablesPage() {
  const me = useMe();
  const writable = canWrite(me);
  const now = useNow(30_000);
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const prefix = (params.get("prefix") ?? "").slice(0, 1024);
  const [text, setText] = useState(prefix);
  useEffect(() => setText(prefix), [prefix]);
  useEffect(() => {
    if (text === prefix) return;
    const id = window.setTimeout(
      () =>
        setParams(
          (p) => {
            const next = new URLSearchParams(p);
            if (text) next.set("prefix", text);
            else next.delete("prefix");
            return next;
          },
          { replace: true },
        ),
      300,
    );
    return () => window.clearTimeout(id);
  }, [text, prefix, setParams]);

  const [editing, setEditing] = useState<Variable | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const [deleting, setDeleting] = useState<Variable | null>(null);

  const query = useInfiniteQuery({
    queryKey: ["variables", "list", prefix],
    queryFn: ({ pageParam, signal }) => listVariables({ prefix, cursor: pageParam, limit: 50 }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const variables = query.data?.pages.flatMap((p) => p.items) ?? [];

  const remove = useMutation({
    mutationFn: (key: string) => deleteVariable(key),
    onSuccess: (_, key) => {
      toast.success(`Deleted ${key}`);
      setDeleting(null);
      void queryClient.invalidateQueries({ queryKey: ["variables"] });
    },
    onError: (error, key) => toast.error(`Could not delete ${key}`, { description: errorMessage(error) }),
  });

  function openEditor(variable: Variable | null) {
    setEditing(variable);
    setEditorOpen(true);
  }

  return (
    <>
      <PageHeader
        title="Variables"
        description="Values your scripts read and write with cronium.getVariable and setVariable. Yours only, encrypted at rest."
        actions={
          writable ? (
            <Button variant="primary" onClick={() => openEditor(null)}>
              <Plus aria-hidden="true" /> New variable
            </Button>
          ) : null
        }
      />
      <div role="search" className="mb-3 flex flex-wrap items-center gap-2">
        <div className="relative min-w-48 flex-1 sm:max-w-xs">
          <Search className="pointer-events-none absolute left-2.5 top-2 size-4 text-muted-foreground" aria-hidden="true" />
          <label htmlFor="variable-prefix" className="sr-only">
            Filter variables by key prefix
          </label>
          <Input
            id="variable-prefix"
            type="search"
            placeholder="Key starts with…"
            className="pl-8 font-mono"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        {prefix ? (
          <Button variant="ghost" onClick={() => setText("")}>
            <X aria-hidden="true" /> Clear
          </Button>
        ) : null}
        {!writable ? (
          <p className="text-xs text-muted-foreground">You can read variables; your role cannot change them.</p>
        ) : null}
      </div>

      <Card className="overflow-hidden">
        {query.isPending ? (
          <div className="p-10 text-center">
            <Spinner label="Loading variables" />
          </div>
        ) : query.isError ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} className="m-3" />
        ) : variables.length === 0 ? (
          prefix ? (
            <EmptyState
              icon={SearchX}
              title={`No keys start with “${prefix}”`}
              action={<Button onClick={() => setText("")}>Clear the filter</Button>}
            >
              The filter matches the start of the key, letter case included.
            </EmptyState>
          ) : (
            <EmptyState
              icon={VariableIcon}
              title="No variables yet"
              action={
                writable ? (
                  <Button variant="primary" onClick={() => openEditor(null)}>
                    <Plus aria-hidden="true" /> New variable
                  </Button>
                ) : null
              }
            >
              Scripts create them with <code className="font-mono text-xs">cronium.setVariable(key, value)</code>; you can
              add them here too.
            </EmptyState>
          )
        ) : (
          <>
            <table className="hidden w-full table-fixed border-collapse text-sm sm:table">
              <caption className="sr-only">Variables</caption>
              <thead>
                <tr className="border-b border-border text-left text-xs font-medium text-muted-foreground">
                  <th scope="col" className="w-1/3 px-4 py-2 font-medium">Key</th>
                  <th scope="col" className="px-2 py-2 font-medium">Value</th>
                  <th scope="col" className="hidden w-20 px-2 py-2 font-medium md:table-cell">Type</th>
                  <th scope="col" className="hidden w-32 px-2 py-2 font-medium md:table-cell">Updated</th>
                  {writable ? (
                    <th scope="col" className="w-24 px-4 py-2 text-right font-medium lg:w-44">
                      <span className="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {variables.map((v) => (
                  <tr key={v.key} className="align-middle hover:bg-accent/40">
                    <td className="px-4 py-2">
                      <div className="truncate font-mono text-[13px] font-medium" title={v.key}>{v.key}</div>
                    </td>
                    <td className="px-2 py-2"><VariableValue name={v.key} value={v.value} /></td>
                    <td className="hidden px-2 py-2 md:table-cell"><KindLabel value={v.value} /></td>
                    <td className="hidden px-2 py-2 md:table-cell">
                      <RelativeTime iso={v.updatedAt} now={now} />
                      <div className="text-xs text-muted-foreground">v{v.version}</div>
                    </td>
                    {writable ? (
                      <td className="px-4 py-2">
                        <RowActions variable={v} onEdit={() => openEditor(v)} onDelete={() => setDeleting(v)} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
            <ul className="divide-y divide-border sm:hidden" aria-label="Variables">
              {variables.map((v) => (
                <li key={v.key} className="space-y-1.5 px-3 py-3">
                  <div className="flex items-start justify-between gap-2">
                    <div className="min-w-0 break-all font-mono text-[13px] font-medium">{v.key}</div>
                    <span className="shrink-0 text-xs text-muted-foreground">
                      <KindLabel value={v.value} /> · <RelativeTime iso={v.updatedAt} now={now} />
                    </span>
                  </div>
                  <VariableValue name={v.key} value={v.value} />
                  {writable ? (
                    <RowActions variable={v} onEdit={() => openEditor(v)} onDelete={() => setDeleting(v)} />
                  ) : null}
                </li>
              ))}
            </ul>
            <ListFooter count={variables.length} noun={["variable", "variables"]} query={query} />
          </>
        )}
      </Card>

      {writable ? (
        <>
          <VariableEditor open={editorOpen} onOpenChange={setEditorOpen} variable={editing} />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(o) => {
              if (!o) setDeleting(null);
            }}
            title={`Delete ${deleting?.key ?? ""}?`}
            description={
              <>
                The variable <code className="font-mono font-semibold text-foreground">{deleting?.key}</code> and its value
                are removed. Scripts that read it get nothing from then on. This cannot be undone.
              </>
            }
            confirmLabel={`Delete ${deleting?.key ?? ""}`}
            danger
            busy={remove.isPending}
            onConfirm={() => deleting && remove.mutate(deleting.key)}
          />
        </>
      ) : null}
    </>
  );
}

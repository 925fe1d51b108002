import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Activity, Square } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { cancelExecution } from "@/api/endpoints";
import { Link } from "react-router";
import type { ExecutionDetail as Execution } from "@/api/types";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RunStatusBadge } from "@/components/ui/status";
import { Elapsed } from "@/components/ui/time";

export function RunningNow({
  executions,
  names,
  error,
  loading,
  canCancel,
  onRetry,
}: {
  executions: Execution[] | undefined;
  names: Map<string, string>;
  error: unknown;
  loading: boolean;
  canCancel: boolean;
  onRetry: () => void;
}) {
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<Execution | null>(null);
  const cancel = useMutation({
    mutationFn: (id: string) => cancelExecution(id),
    onSuccess: (x) => {
      toast.success("Cancel requested", { description: `${names.get(x.eventId) ?? x.eventId} · ${x.id}` });
      void queryClient.invalidateQueries({ queryKey: ["executions"] });
    },
    onError: (e) => toast.error("Could not cancel", { description: errorMessage(e) }),
    onSettled: () => setTarget(null),
  });

  return (
    <Card>
      <CardHeader
        titleId="running-now"
        title="Running now"
        description="Updates every 5 seconds"
      />
      <section aria-labelledby="running-now">
        {loading ? (
          <div className="p-6 text-center">
            <Spinner />
          </div>
        ) : error ? (
          <ErrorState error={error} onRetry={onRetry} className="m-3" />
        ) : !executions?.length ? (
          <EmptyState icon={Activity} title="Nothing is running" className="py-8" />
        ) : (
          <ul className="divide-y divide-border">
            {executions.map((x) => (
              <li key={x.id} className="flex items-center gap-3 px-4 py-2.5">
                <div className="min-w-0 flex-1">
                  <Link to={`/runs/${x.id}`} className="block truncate text-sm font-medium hover:underline">
                    {x.eventName || names.get(x.eventId) || x.eventId}
                  </Link>
                  <div className="truncate font-mono text-xs text-muted-foreground">
                    {x.id} · {x.trigger.toLowerCase()}
                    {x.attempt > 1 ? ` · attempt ${x.attempt}` : ""}
                  </div>
                </div>
                <RunStatusBadge status={x.status} className="hidden sm:inline-flex" />
                <div className="w-16 text-right text-sm">
                  <span className="sr-only">Elapsed </span>
                  <Elapsed since={x.startedAt ?? x.createdAt} />
                </div>
                {canCancel ? (
                  <Button
                    size="sm"
                    onClick={() => setTarget(x)}
                    aria-label={`Cancel ${names.get(x.eventId) ?? x.eventId} run ${x.id}`}
                  >
                    <Square aria-hidden="true" />
                    Cancel
                  </Button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <ConfirmDialog
        open={target !== null}
        onOpenChange={(o) => !o && setTarget(null)}
        title="Cancel this run?"
        description={
          target ? (
            <>
              The run <span className="font-mono">{target.id}</span> of{" "}
              <strong className="text-foreground">{names.get(target.eventId) ?? target.eventId}</strong> is
              stopped. Its output so far is kept.
            </>
          ) : null
        }
        confirmLabel="Cancel run"
        danger
        busy={cancel.isPending}
        onConfirm={() => target && cancel.mutate(target.id)}
      />
    </Card>
  );
}

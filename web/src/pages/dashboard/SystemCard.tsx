import { CircleCheck, CircleX, TriangleAlert } from "lucide-react";
import type { NodesResponse, SystemInfo } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { ErrorState } from "@/components/ui/states";
import { Spinner } from "@/components/ui/spinner";
import { RelativeTime } from "@/components/ui/time";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-3 py-1">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 truncate text-right font-medium">{children}</dd>
    </div>
  );
}

export function SystemCard({
  info,
  nodes,
  error,
  loading,
  onRetry,
}: {
  info: SystemInfo | undefined;
  nodes: NodesResponse | undefined;
  error: unknown;
  loading: boolean;
  onRetry: () => void;
}) {
  const jobs = info?.jobs ?? {};
  return (
    <Card>
      <CardHeader titleId="system" title="System" />
      <section aria-labelledby="system" className="px-4 py-2 text-sm">
        {loading ? (
          <div className="p-4 text-center">
            <Spinner />
          </div>
        ) : error || !info ? (
          <ErrorState error={error} onRetry={onRetry} className="my-2" />
        ) : (
          <>
            {info.isolationWarning ? (
              <p className="my-2 flex gap-2 rounded-md border border-warning/40 bg-warning/10 px-2.5 py-1.5 text-xs">
                <TriangleAlert className="size-4 shrink-0 text-warning" aria-hidden="true" />
                {info.isolationWarning}
              </p>
            ) : null}
            <dl className="divide-y divide-border">
              <Row label="Version">
                <span className="font-mono text-xs">{info.version}</span>
              </Row>
              <Row label="Isolation">{info.isolation}</Row>
              <Row label="Workers">{info.workers}</Row>
              <Row label="Intake">
                {info.drain.draining ? (
                  <Badge className="text-warning">
                    <TriangleAlert className="size-3.5" aria-hidden="true" /> Draining
                  </Badge>
                ) : (
                  <span>Accepting jobs</span>
                )}
              </Row>
              <Row label="Jobs queued · leased">
                <span className="tabular-nums">
                  {jobs.QUEUED ?? 0} · {jobs.LEASED ?? 0}
                </span>
              </Row>
            </dl>
            {nodes ? (
              <div className="mt-2 border-t border-border pt-2">
                <h3 className="mb-1 text-xs font-medium text-muted-foreground">Nodes</h3>
                <ul className="space-y-1">
                  {nodes.items.map((n) => (
                    <li key={n.id} className="flex items-center gap-2 text-xs">
                      {n.alive ? (
                        <CircleCheck className="size-3.5 text-success" aria-hidden="true" />
                      ) : (
                        <CircleX className="size-3.5 text-danger" aria-hidden="true" />
                      )}
                      <span className="min-w-0 flex-1 truncate font-mono" title={n.address}>
                        {n.id}
                        {n.id === nodes.self ? " (this)" : ""}
                      </span>
                      <span className="text-muted-foreground">
                        {n.alive ? "alive" : "down"}
                        {n.leader ? " · leader" : ""} · <RelativeTime iso={n.heartbeatAt} />
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        )}
      </section>
    </Card>
  );
}

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  CircleCheck,
  CirclePause,
  CircleX,
  Crown,
  KeyRound,
  Play,
  ShieldAlert,
  ShieldCheck,
  Square,
} from "lucide-react";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { toast } from "sonner";
import { drain, resume, rotateKeys } from "@/api/admin";
import { errorMessage } from "@/api/client";
import { fetchNodes, fetchSystemInfo } from "@/api/endpoints";
import type { NodeInfo } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Spinner } from "@/components/ui/spinner";
import { ErrorState } from "@/components/ui/states";
import { RelativeTime, useNow } from "@/components/ui/time";
import { formatAbsolute, formatDuration } from "@/lib/time";

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 truncate text-sm font-medium">{children}</dd>
    </div>
  );
}

function NodeState({ node }: { node: NodeInfo }) {
  if (node.alive)
    return (
      <Badge>
        <CircleCheck className="size-3.5 text-success" aria-hidden="true" /> Alive
      </Badge>
    );
  if (node.stoppedAt)
    return (
      <Badge>
        <Square className="size-3.5 text-muted-foreground" aria-hidden="true" /> Stopped
      </Badge>
    );
  return (
    <Badge>
      <CircleX className="size-3.5 text-danger" aria-hidden="true" /> No heartbeat
    </Badge>
  );
}

function HeartbeatAge({ iso, now }: { iso: string; now: number }) {
  const age = Math.max(0, now - Date.parse(iso));
  return (
    <span className="tabular-nums" title={`last heartbeat ${formatAbsolute(iso)}`}>
      {formatDuration(age)} ago
    </span>
  );
}

export function SystemTab() {
  const id = useId();
  const now = useNow(1000);
  const queryClient = useQueryClient();
  const info = useQuery({ queryKey: ["system", "info"], queryFn: ({ signal }) => fetchSystemInfo(signal), refetchInterval: 5000 });
  const nodes = useQuery({ queryKey: ["system", "nodes"], queryFn: ({ signal }) => fetchNodes(signal), refetchInterval: 5000 });
  const [grace, setGrace] = useState("60");
  const [graceError, setGraceError] = useState<string | null>(null);
  const [confirmDrain, setConfirmDrain] = useState(false);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [drainProblem, setDrainProblem] = useState<string | null>(null);
  const [rotateProblem, setRotateProblem] = useState<string | null>(null);

  const self = nodes.data?.self ?? "";
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["system"] });

  const drainIt = useMutation({
    mutationFn: () => drain(Number(grace)),
    onSuccess: () => {
      setConfirmDrain(false);
      setDrainProblem(null);
      toast.success(`Draining ${self || "this node"}`, { description: `Runs still going after ${grace} s are stopped and queued again.` });
      refresh();
    },
    onError: (error) => {
      setConfirmDrain(false);
      setDrainProblem(errorMessage(error));
    },
  });
  const resumeIt = useMutation({
    mutationFn: resume,
    onSuccess: () => {
      setDrainProblem(null);
      toast.success(`${self || "This node"} takes jobs again`);
      refresh();
    },
    onError: (error) => setDrainProblem(errorMessage(error)),
  });
  const rotate = useMutation({
    mutationFn: rotateKeys,
    onSuccess: (answer) => {
      setConfirmRotate(false);
      setRotateProblem(null);
      toast.success("Master key rotated", {
        description: `${answer.reencryptedEvents} event${answer.reencryptedEvents === 1 ? "" : "s"} re-encrypted, with every variable and webhook secret.`,
      });
    },
    onError: (error) => {
      setConfirmRotate(false);
      setRotateProblem(errorMessage(error));
    },
  });

  function submitDrain(e: FormEvent) {
    e.preventDefault();
    const n = Number(grace);
    if (!/^\d+$/.test(grace.trim()) || n > 86_400) {
      setGraceError("Whole seconds from 0 to 86400.");
      return;
    }
    setGraceError(null);
    setConfirmDrain(true);
  }

  const sys = info.data;
  const queued = sys?.jobs.QUEUED ?? 0;
  const running = sys?.jobs.RUNNING ?? 0;

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card>
        <CardHeader title="Server" description="The node that answered this page." />
        {info.isPending ? (
          <div className="p-8 text-center"><Spinner label="Loading system information" /></div>
        ) : info.isError ? (
          <ErrorState error={info.error} onRetry={() => void info.refetch()} className="m-3" />
        ) : sys ? (
          <div className="space-y-3 p-4">
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3">
              <Stat label="Version"><span className="font-mono">{sys.version}</span></Stat>
              <Stat label="Isolation">
                <span className="inline-flex items-center gap-1.5">
                  {sys.isolation === "sandbox" ? (
                    <ShieldCheck className="size-4 text-success" aria-hidden="true" />
                  ) : (
                    <ShieldAlert className="size-4 text-warning" aria-hidden="true" />
                  )}
                  {sys.isolation === "sandbox" ? "sandbox" : "none"}
                </span>
              </Stat>
              <Stat label="Workers">{sys.workers}</Stat>
              <Stat label="Queue depth">{queued} queued</Stat>
              <Stat label="Running">{running}</Stat>
              <Stat label="State">
                <span className="inline-flex items-center gap-1.5">
                  {sys.drain.draining ? (
                    <CirclePause className="size-4 text-warning" aria-hidden="true" />
                  ) : (
                    <CircleCheck className="size-4 text-success" aria-hidden="true" />
                  )}
                  {sys.drain.draining ? "Draining" : "Taking jobs"}
                </span>
              </Stat>
            </dl>
            {sys.isolationWarning ? (
              <p role="note" className="flex items-start gap-2 rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
                <ShieldAlert className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
                <span><strong>Scripts are not isolated.</strong> {sys.isolationWarning}</span>
              </p>
            ) : null}
            <details className="text-xs">
              <summary className="cursor-pointer text-muted-foreground hover:text-foreground">Jobs by status</summary>
              <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-3">
                {Object.entries(sys.jobs).map(([status, count]) => (
                  <div key={status} className="flex justify-between gap-2">
                    <dt className="font-mono text-muted-foreground">{status}</dt>
                    <dd className="tabular-nums">{count}</dd>
                  </div>
                ))}
              </dl>
            </details>
          </div>
        ) : null}
      </Card>

      <Card>
        <CardHeader title="Drain" description="Stop this node taking jobs, e.g. before an upgrade. Other nodes keep working." />
        <div className="space-y-3 p-4">
          {sys?.drain.draining ? (
            <div className="space-y-3">
              <p className="flex items-start gap-2 text-sm">
                <CirclePause className="mt-0.5 size-4 shrink-0 text-warning" aria-hidden="true" />
                <span>
                  <strong>{self || "This node"} is draining.</strong>{" "}
                  {sys.drain.running === 0
                    ? "No runs are going on it; it takes no new ones."
                    : `${sys.drain.running} run${sys.drain.running === 1 ? "" : "s"} still going${
                        sys.drain.graceLeftSeconds !== null
                          ? `; stopped and queued again in ${Math.ceil(sys.drain.graceLeftSeconds)} s.`
                          : "."
                      }`}
                </span>
              </p>
              <Button variant="primary" disabled={resumeIt.isPending} onClick={() => resumeIt.mutate()}>
                <Play aria-hidden="true" /> Resume taking jobs
              </Button>
            </div>
          ) : (
            <form onSubmit={submitDrain} noValidate className="space-y-1.5">
              <div className="flex flex-wrap items-end gap-2">
                <Field id={`${id}-grace`} label="Grace (seconds)" error={graceError} className="w-40">
                  {(p) => (
                    <Input {...p} inputMode="numeric" aria-describedby={`${id}-grace-hint`} value={grace}
                      onChange={(e) => setGrace(e.target.value)} />
                  )}
                </Field>
                <Button type="submit" disabled={!sys || drainIt.isPending} className={graceError ? "mb-6" : undefined}>
                  <CirclePause aria-hidden="true" /> Drain…
                </Button>
              </div>
              <p id={`${id}-grace-hint`} className="text-xs text-muted-foreground">
                Runs still going after the grace are stopped and queued again for another node.
              </p>
            </form>
          )}
          <InlineError>{drainProblem}</InlineError>
        </div>
      </Card>

      <Card className="overflow-hidden lg:col-span-2">
        <CardHeader title="Nodes" description="Servers sharing this database. A node is alive while its heartbeats keep coming." />
        {nodes.isPending ? (
          <div className="p-8 text-center"><Spinner label="Loading nodes" /></div>
        ) : nodes.isError ? (
          <ErrorState error={nodes.error} onRetry={() => void nodes.refetch()} className="m-3" />
        ) : (
          <ul className="divide-y divide-border" aria-label="Nodes">
            {(nodes.data?.items ?? []).map((n) => (
              <li key={n.id} className="flex flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
                <div className="min-w-0 flex-1 basis-56">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="truncate font-mono text-[13px] font-medium">{n.id}</span>
                    <NodeState node={n} />
                    {n.leader ? (
                      <Badge><Crown className="size-3.5 text-warning" aria-hidden="true" /> Leader</Badge>
                    ) : null}
                    {n.id === self ? <Badge>this node</Badge> : null}
                  </div>
                  <div className="truncate text-xs text-muted-foreground">
                    {n.role} · {n.address || "no address"} · version <span className="font-mono">{n.version}</span>
                  </div>
                </div>
                <dl className="grid grid-cols-3 gap-x-6 text-xs">
                  <div>
                    <dt className="text-muted-foreground">Heartbeat</dt>
                    <dd><HeartbeatAge iso={n.heartbeatAt} now={now} /></dd>
                  </div>
                  <div>
                    <dt className="text-muted-foreground">Running</dt>
                    <dd className="tabular-nums">{n.running} / {n.workers}</dd>
                  </div>
                  <div>
                    <dt className="text-muted-foreground">Started</dt>
                    <dd><RelativeTime iso={n.startedAt} now={now} /></dd>
                  </div>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card className="lg:col-span-2">
        <CardHeader title="Master key" description="The key that encrypts event secrets, variables and webhook secrets at rest." />
        <div className="flex flex-wrap items-center justify-between gap-3 p-4">
          <p className="max-w-2xl text-sm text-muted-foreground">
            Rotation makes a new master key, re-encrypts every stored secret with it and retires the old one. Do it when
            the key may have leaked or on your rotation schedule; back up the new key file afterwards.
          </p>
          <Button onClick={() => setConfirmRotate(true)} disabled={rotate.isPending}>
            <KeyRound aria-hidden="true" /> {rotate.isPending ? "Rotating…" : "Rotate master key…"}
          </Button>
          <InlineError className="w-full">{rotateProblem}</InlineError>
        </div>
      </Card>

      <ConfirmDialog
        open={confirmDrain}
        onOpenChange={setConfirmDrain}
        title={`Drain ${self || "this node"}?`}
        description={
          <>
            <strong className="text-foreground">{self || "This node"}</strong> stops taking new jobs now. Runs still going
            after {grace} s are stopped and queued again for another node. Schedules keep firing. Resume undoes it.
          </>
        }
        confirmLabel="Drain node"
        busy={drainIt.isPending}
        onConfirm={() => drainIt.mutate()}
      />
      <ConfirmDialog
        open={confirmRotate}
        onOpenChange={setConfirmRotate}
        title="Rotate the master key?"
        description={
          <>
            This creates a new master key and <strong className="text-foreground">re-encrypts every event's secret
            environment variables, every user's variables and every webhook secret</strong> with it, then retires the old
            key. Runs already going keep working. Back up the new key file afterwards: backups of the old one cannot
            decrypt what is stored from now on.
          </>
        }
        confirmLabel="Rotate master key"
        danger
        busy={rotate.isPending}
        onConfirm={() => rotate.mutate()}
      />
    </div>
  );
}

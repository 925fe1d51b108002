import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Ban, CircleCheck, Plus, Ticket, TimerOff } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { type ApiToken, createToken, listTokens, type NewApiToken, revokeToken, type TokenScope } from "@/api/account";
import { errorMessage } from "@/api/client";
import type { UserRole } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, Dialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { SecretOnceDialog } from "@/components/ui/secret-once";
import { Spinner } from "@/components/ui/spinner";
import { EmptyState, ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";
import { useMe } from "@/lib/auth";

const SCOPES: Record<TokenScope, string> = {
  read: "read — see everything you can see",
  write: "write — also create, change, run and delete",
  admin: "admin — also manage users and the system",
};

export function scopesFor(role: UserRole): TokenScope[] {
  if (role === "ADMIN") return ["read", "write", "admin"];
  if (role === "USER") return ["read", "write"];
  return ["read"];
}

function TokenState({ token, now }: { token: ApiToken; now: number }) {
  if (token.revokedAt) {
    return (
      <Badge>
        <Ban className="size-3.5 text-muted-foreground" aria-hidden="true" /> Revoked
      </Badge>
    );
  }
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) {
    return (
      <Badge>
        <TimerOff className="size-3.5 text-warning" aria-hidden="true" /> Expired
      </Badge>
    );
  }
  return (
    <Badge>
      <CircleCheck className="size-3.5 text-success" aria-hidden="true" /> Active
    </Badge>
  );
}

function CreateTokenDialog({
  open,
  onOpenChange,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated: (token: NewApiToken) => void;
}) {
  const me = useMe();
  const id = useId();
  const scopes = scopesFor(me.role);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<TokenScope>("read");
  const [days, setDays] = useState("90");
  const [errors, setErrors] = useState<{ name?: string; other?: string }>({});

  const create = useMutation({
    mutationFn: () =>
      createToken({ name: name.trim(), scope, ...(days === "never" ? {} : { expiresInDays: Number(days) }) }),
    onSuccess: (token) => {
      setName("");
      setErrors({});
      onOpenChange(false);
      onCreated(token);
    },
    onError: (error) => {
      const message = errorMessage(error);
      setErrors(message.startsWith("name:") ? { name: message } : { other: message });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setErrors({ name: "Give the token a name, e.g. the machine or script that uses it." });
    if ([...trimmed].length > 100) return setErrors({ name: "At most 100 characters." });
    setErrors({});
    create.mutate();
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="New API token"
      description="For scripts, CI and the cronium CLI: send it as Authorization: Bearer <token>.">
      <form onSubmit={submit} noValidate className="space-y-4">
        <Field id={`${id}-name`} label="Name" error={errors.name} hint="Where it is used, so you know what breaks when you revoke it.">
          {(p) => <Input {...p} autoFocus autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-deploy" />}
        </Field>
        <Field id={`${id}-scope`} label="Scope" hint={scopes.length < 3 ? `Your role (${me.role.toLowerCase()}) allows up to ${scopes.at(-1)}.` : undefined}>
          {(p) => (
            <Select {...p} value={scope} onChange={(e) => setScope(e.target.value as TokenScope)}>
              {scopes.map((s) => (
                <option key={s} value={s}>{SCOPES[s]}</option>
              ))}
            </Select>
          )}
        </Field>
        <Field id={`${id}-expiry`} label="Expires">
          {(p) => (
            <Select {...p} value={days} onChange={(e) => setDays(e.target.value)}>
              <option value="7">in 7 days</option>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="never">never</option>
            </Select>
          )}
        </Field>
        <InlineError>{errors.other}</InlineError>
        <div className="flex justify-end gap-2">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create token"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

export function TokensTab() {
  const queryClient = useQueryClient();
  const now = useNow(30_000);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<NewApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: ({ signal }) => listTokens(signal) });

  const revoke = useMutation({
    mutationFn: (token: ApiToken) => revokeToken(token.id),
    onSuccess: (_, token) => {
      toast.success(`Revoked “${token.name}”`, { description: "Requests with it are refused from now on." });
      setRevoking(null);
      void queryClient.invalidateQueries({ queryKey: ["tokens"] });
    },
    onError: (error, token) => toast.error(`Could not revoke “${token.name}”`, { description: errorMessage(error) }),
  });

  const items = [...(tokens.data?.items ?? [])].sort(
    (a, b) => Number(Boolean(a.revokedAt)) - Number(Boolean(b.revokedAt)) || b.createdAt.localeCompare(a.createdAt),
  );

  return (
    <>
      <Card className="overflow-hidden">
        <CardHeader
          title="API tokens"
          description="Tokens act as you, limited to their scope."
          actions={
            <Button variant="primary" size="sm" onClick={() => setCreating(true)}>
              <Plus aria-hidden="true" /> New token
            </Button>
          }
        />
        {tokens.isPending ? (
          <div className="p-8 text-center"><Spinner label="Loading tokens" /></div>
        ) : tokens.isError ? (
          <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} className="m-3" />
        ) : items.length === 0 ? (
          <EmptyState icon={Ticket} title="No API tokens">
            Create one for the <code className="font-mono text-xs">cronium</code> CLI, a CI job or a script.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-border" aria-label="API tokens">
            {items.map((t) => (
              <li key={t.id} className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3">
                <div className="min-w-0 flex-1 basis-56">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="truncate font-medium">{t.name}</span>
                    <TokenState token={t} now={now} />
                    <Badge className="font-mono">{t.scope}</Badge>
                  </div>
                  <div className="mt-0.5 text-xs text-muted-foreground">
                    <span className="font-mono">{t.prefix}…</span> · created <RelativeTime iso={t.createdAt} now={now} />
                  </div>
                </div>
                <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 text-xs sm:w-80">
                  <dt className="text-muted-foreground">Expires</dt>
                  <dd>{t.expiresAt ? <AbsoluteTime iso={t.expiresAt} now={now} /> : "never"}</dd>
                  <dt className="text-muted-foreground">Last used</dt>
                  <dd>{t.lastUsedAt ? <RelativeTime iso={t.lastUsedAt} now={now} /> : "never"}</dd>
                  {t.revokedAt ? (
                    <>
                      <dt className="text-muted-foreground">Revoked</dt>
                      <dd><RelativeTime iso={t.revokedAt} now={now} /></dd>
                    </>
                  ) : null}
                </dl>
                <div className="w-20 text-right">
                  {t.revokedAt ? null : (
                    <Button size="sm" variant="ghost" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                      <Ban className="text-danger" aria-hidden="true" /> Revoke
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <CreateTokenDialog
        open={creating}
        onOpenChange={setCreating}
        onCreated={(token) => {
          setCreated(token);
          toast.success(`Created “${token.name}”`);
          void queryClient.invalidateQueries({ queryKey: ["tokens"] });
        }}
      />
      <SecretOnceDialog
        open={created !== null}
        onOpenChange={(o) => {
          if (!o) setCreated(null);
        }}
        title={`Token “${created?.name ?? ""}” created`}
        secret={created?.token ?? ""}
        what="Token"
      >
        <p className="text-xs text-muted-foreground">
          Use it as <code className="font-mono">Authorization: Bearer {created?.prefix}…</code> or with{" "}
          <code className="font-mono">CRONIUM_TOKEN=… cronium event list</code>. Scope {created?.scope};{" "}
          {created?.expiresAt ? <>expires <AbsoluteTime iso={created.expiresAt} /></> : "never expires"}.
        </p>
      </SecretOnceDialog>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(o) => {
          if (!o) setRevoking(null);
        }}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description={
          <>
            The token <strong className="text-foreground">{revoking?.name}</strong> (
            <code className="font-mono">{revoking?.prefix}…</code>, {revoking?.scope} scope) stops working at once.
            Whatever uses it gets 401 from then on. This cannot be undone.
          </>
        }
        confirmLabel="Revoke token"
        danger
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
      />
    </>
  );
}

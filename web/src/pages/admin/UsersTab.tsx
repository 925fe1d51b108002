import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { CircleCheck, CircleDashed, CircleSlash, MailPlus, Trash2, UserCheck, UserX } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { deleteUser, type Invitation, inviteUser, listUsers, updateUser } from "@/api/admin";
import { errorMessage } from "@/api/client";
import type { User, UserRole } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, Dialog } from "@/components/ui/dialog";
import { Field, InlineError } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { SecretOnceDialog } from "@/components/ui/secret-once";
import { Spinner } from "@/components/ui/spinner";
import { ErrorState } from "@/components/ui/states";
import { AbsoluteTime, RelativeTime, useNow } from "@/components/ui/time";
import { ME_KEY, useMe } from "@/lib/auth";

export const ROLE_TEXT: Record<UserRole, string> = {
  ADMIN: "Admin — everything, users and system included",
  USER: "User — creates and runs their own events",
  VIEWER: "Viewer — reads, changes nothing",
};

function UserStatus({ user }: { user: User }) {
  if (user.status === "ACTIVE")
    return (
      <Badge>
        <CircleCheck className="size-3.5 text-success" aria-hidden="true" /> Active
      </Badge>
    );
  if (user.status === "DISABLED")
    return (
      <Badge>
        <CircleSlash className="size-3.5 text-danger" aria-hidden="true" /> Disabled
      </Badge>
    );
  return (
    <Badge>
      <CircleDashed className="size-3.5 text-info" aria-hidden="true" /> Invited
    </Badge>
  );
}

function InviteDialog({
  open,
  onOpenChange,
  onInvited,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onInvited: (invitation: Invitation) => void;
}) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<UserRole>("USER");
  const [errors, setErrors] = useState<{ email?: string; other?: string }>({});
  const invite = useMutation({
    mutationFn: () => inviteUser(email.trim(), role),
    onSuccess: (invitation) => {
      setEmail("");
      setRole("USER");
      setErrors({});
      onOpenChange(false);
      onInvited(invitation);
    },
    onError: (error) => {
      const message = errorMessage(error);
      setErrors(message.startsWith("email:") ? { email: message } : { other: message });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) return setErrors({ email: "Enter an email address, like ana@example.com." });
    setErrors({});
    invite.mutate();
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Invite a user"
      description="You get a one-time invitation link to send them; they choose their username and password.">
      <form onSubmit={submit} noValidate className="space-y-4">
        <Field id={`${id}-email`} label="Email" error={errors.email}>
          {(p) => <Input {...p} type="email" autoFocus autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field id={`${id}-role`} label="Role">
          {(p) => (
            <Select {...p} value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
              {(["USER", "VIEWER", "ADMIN"] as const).map((r) => (
                <option key={r} value={r}>{ROLE_TEXT[r]}</option>
              ))}
            </Select>
          )}
        </Field>
        <InlineError>{errors.other}</InlineError>
        <div className="flex justify-end gap-2">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={invite.isPending}>
            {invite.isPending ? "Inviting…" : "Create invitation"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

type Pending = { kind: "delete" | "disable"; user: User } | null;

export function UsersTab() {
  const me = useMe();
  const now = useNow(30_000);
  const queryClient = useQueryClient();
  const [inviting, setInviting] = useState(false);
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [rowErrors, setRowErrors] = useState<Record<string, string>>({});

  const users = useInfiniteQuery({
    queryKey: ["users", "list"],
    queryFn: ({ pageParam, signal }) => listUsers(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];

  function refresh(user: User) {
    void queryClient.invalidateQueries({ queryKey: ["users"] });
    if (user.id === me.id) void queryClient.invalidateQueries({ queryKey: ME_KEY });
  }
  function setRowError(userId: string, message: string | null) {
    setRowErrors((old) => {
      const next = { ...old };
      if (message) next[userId] = message;
      else delete next[userId];
      return next;
    });
  }

  const change = useMutation({
    mutationFn: ({ user, fields }: { user: User; fields: { role?: UserRole; status?: "ACTIVE" | "DISABLED" } }) =>
      updateUser(user.id, fields),
    onSuccess: (updated, { user, fields }) => {
      setRowError(user.id, null);
      setPending(null);
      toast.success(
        fields.role
          ? `${updated.username} is now ${updated.role.toLowerCase()}`
          : updated.status === "DISABLED"
            ? `Disabled ${updated.username}`
            : `Enabled ${updated.username}`,
      );
      refresh(user);
    },
    onError: (error, { user }) => {
      setPending(null);
      setRowError(user.id, errorMessage(error));
      toast.error(`Could not change ${user.username}`, { description: errorMessage(error) });
    },
  });

  const remove = useMutation({
    mutationFn: (user: User) => deleteUser(user.id),
    onSuccess: (_, user) => {
      setPending(null);
      setRowError(user.id, null);
      toast.success(user.status === "INVITED" ? `Cancelled the invitation of ${user.email}` : `Deleted ${user.username}`);
      refresh(user);
    },
    onError: (error, user) => {
      setPending(null);
      setRowError(user.id, errorMessage(error));
      toast.error(`Could not delete ${user.username}`, { description: errorMessage(error) });
    },
  });

  const inviteLink = invitation ? `${window.location.origin}/invite/${encodeURIComponent(invitation.inviteToken)}` : "";
  const target = pending?.user;
  const targetName = target ? (target.status === "INVITED" ? target.email : target.username) : "";

  return (
    <>
      <Card className="overflow-hidden">
        <CardHeader
          title="Users"
          description="Roles: admins manage everything; users run their own events; viewers only read."
          actions={
            <Button variant="primary" size="sm" onClick={() => setInviting(true)}>
              <MailPlus aria-hidden="true" /> Invite user
            </Button>
          }
        />
        {users.isPending ? (
          <div className="p-8 text-center"><Spinner label="Loading users" /></div>
        ) : users.isError ? (
          <ErrorState error={users.error} onRetry={() => void users.refetch()} className="m-3" />
        ) : (
          <ul className="divide-y divide-border" aria-label="Users">
            {items.map((u) => {
              const self = u.id === me.id;
              const invited = u.status === "INVITED";
              return (
                <li key={u.id} className="px-4 py-3" data-testid={`user-${u.username}`}>
                  <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
                    <div className="min-w-0 flex-1 basis-56">
                      <div className="flex flex-wrap items-center gap-2">
                        <span className="truncate font-medium">{invited ? u.email : u.displayName || u.username}</span>
                        {self ? <Badge>you</Badge> : null}
                        <UserStatus user={u} />
                      </div>
                      <div className="truncate text-xs text-muted-foreground">
                        {invited ? (
                          <>invited <RelativeTime iso={u.createdAt} now={now} /></>
                        ) : (
                          <>
                            <span className="font-mono">{u.username}</span> · {u.email} · last sign-in{" "}
                            {u.lastLoginAt ? <RelativeTime iso={u.lastLoginAt} now={now} /> : "never"}
                          </>
                        )}
                      </div>
                    </div>
                    <div className="flex flex-wrap items-center gap-2">
                      <label htmlFor={`role-${u.id}`} className="sr-only">
                        Role of {invited ? u.email : u.username}
                      </label>
                      <Select
                        id={`role-${u.id}`}
                        className="h-7 w-28 text-xs"
                        value={u.role}
                        disabled={change.isPending}
                        onChange={(e) => change.mutate({ user: u, fields: { role: e.target.value as UserRole } })}
                      >
                        <option value="ADMIN">Admin</option>
                        <option value="USER">User</option>
                        <option value="VIEWER">Viewer</option>
                      </Select>
                      {invited ? null : u.status === "ACTIVE" ? (
                        <Button size="sm" variant="ghost" onClick={() => setPending({ kind: "disable", user: u })}
                          aria-label={`Disable ${u.username}`}>
                          <UserX aria-hidden="true" /> Disable
                        </Button>
                      ) : (
                        <Button size="sm" variant="ghost" disabled={change.isPending}
                          onClick={() => change.mutate({ user: u, fields: { status: "ACTIVE" } })}
                          aria-label={`Enable ${u.username}`}>
                          <UserCheck aria-hidden="true" /> Enable
                        </Button>
                      )}
                      <Button size="sm" variant="ghost" onClick={() => setPending({ kind: "delete", user: u })}
                        aria-label={invited ? `Cancel the invitation of ${u.email}` : `Delete ${u.username}`}>
                        <Trash2 className="text-danger" aria-hidden="true" /> {invited ? "Cancel" : "Delete"}
                      </Button>
                    </div>
                  </div>
                  {rowErrors[u.id] ? <InlineError className="mt-2">{rowErrors[u.id]}</InlineError> : null}
                </li>
              );
            })}
          </ul>
        )}
        {users.hasNextPage ? (
          <div className="border-t border-border px-4 py-2 text-right">
            <Button size="sm" disabled={users.isFetchingNextPage} onClick={() => void users.fetchNextPage()}>
              {users.isFetchingNextPage ? "Loading…" : "Load more"}
            </Button>
          </div>
        ) : null}
      </Card>

      <InviteDialog
        open={inviting}
        onOpenChange={setInviting}
        onInvited={(inv) => {
          setInvitation(inv);
          toast.success(`Invited ${inv.user.email}`);
          void queryClient.invalidateQueries({ queryKey: ["users"] });
        }}
      />
      <SecretOnceDialog
        open={invitation !== null}
        onOpenChange={(o) => {
          if (!o) setInvitation(null);
        }}
        title={`Invitation for ${invitation?.user.email ?? ""}`}
        secret={inviteLink}
        what="Invitation link"
      >
        <p className="text-xs text-muted-foreground">
          Send it to them privately. It works once, as a{" "}
          {invitation?.user.role.toLowerCase()}, until <AbsoluteTime iso={invitation?.expiresAt} />. The token alone
          (for <code className="font-mono">POST /api/v1/auth/invites/accept</code>):{" "}
          <code className="break-all font-mono">{invitation?.inviteToken}</code>
        </p>
      </SecretOnceDialog>
      <ConfirmDialog
        open={pending !== null}
        onOpenChange={(o) => {
          if (!o) setPending(null);
        }}
        title={
          pending?.kind === "disable"
            ? `Disable ${targetName}?`
            : target?.status === "INVITED"
              ? `Cancel the invitation of ${targetName}?`
              : `Delete ${targetName}?`
        }
        description={
          pending?.kind === "disable" ? (
            <>
              <strong className="text-foreground">{targetName}</strong> is signed out everywhere and cannot sign in or
              use API tokens until enabled again. Their events stay.
              {target?.id === me.id ? " This is you: you will be signed out." : ""}
            </>
          ) : target?.status === "INVITED" ? (
            <>The invitation link sent to <strong className="text-foreground">{targetName}</strong> stops working.</>
          ) : (
            <>
              The account <strong className="text-foreground">{targetName}</strong> ({target?.email}) is deleted and can
              no longer sign in. This cannot be undone.
              {target?.id === me.id ? " This is you: you will be signed out." : ""}
            </>
          )
        }
        confirmLabel={pending?.kind === "disable" ? `Disable ${targetName}` : target?.status === "INVITED" ? "Cancel invitation" : `Delete ${targetName}`}
        danger
        busy={change.isPending || remove.isPending}
        onConfirm={() => {
          if (!pending) return;
          if (pending.kind === "disable") change.mutate({ user: pending.user, fields: { status: "DISABLED" } });
          else remove.mutate(pending.user);
        }}
      />
    </>
  );
}

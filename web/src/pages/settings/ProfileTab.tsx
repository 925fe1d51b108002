import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { updateProfile } from "@/api/account";
import { ApiError, errorMessage } from "@/api/client";
import type { Me } from "@/api/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, InlineError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { AbsoluteTime } from "@/components/ui/time";
import { canWrite, ME_KEY, useMe } from "@/lib/auth";

export function ProfileTab() {
  const me = useMe();
  const id = useId();
  const queryClient = useQueryClient();
  const [displayName, setDisplayName] = useState(me.displayName);
  const [email, setEmail] = useState(me.email);
  const [errors, setErrors] = useState<{ displayName?: string; email?: string; other?: string }>({});
  const writable = canWrite(me);
  const changed = displayName !== me.displayName || email !== me.email;

  const save = useMutation({
    mutationFn: () =>
      updateProfile({
        ...(displayName !== me.displayName ? { displayName } : {}),
        ...(email !== me.email ? { email } : {}),
      }),
    onSuccess: (user) => {
      queryClient.setQueryData<Me>(ME_KEY, (old) => (old ? { ...old, ...user } : old));
      setEmail(user.email);
      setDisplayName(user.displayName);
      setErrors({});
      toast.success("Profile saved");
    },
    onError: (error) => {
      const message = errorMessage(error);
      if (error instanceof ApiError && message.startsWith("email:")) setErrors({ email: message });
      else if (error instanceof ApiError && message.startsWith("displayName:")) setErrors({ displayName: message });
      else setErrors({ other: message });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const next: typeof errors = {};
    if ([...displayName].length > 100) next.displayName = "At most 100 characters.";
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) next.email = "Enter an email address, like ops@example.com.";
    setErrors(next);
    if (Object.keys(next).length === 0) save.mutate();
  }

  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
      <Card>
        <CardHeader title="Profile" description="How you appear in the audit log and to other users." />
        <form onSubmit={submit} noValidate className="space-y-4 p-4">
          <Field id={`${id}-name`} label="Display name" error={errors.displayName} hint="Up to 100 characters.">
            {(p) => (
              <Input {...p} autoComplete="name" disabled={!writable} value={displayName}
                onChange={(e) => setDisplayName(e.target.value)} />
            )}
          </Field>
          <Field id={`${id}-email`} label="Email" error={errors.email}>
            {(p) => (
              <Input {...p} type="email" autoComplete="email" disabled={!writable} value={email}
                onChange={(e) => setEmail(e.target.value)} />
            )}
          </Field>
          <InlineError>{errors.other}</InlineError>
          {writable ? (
            <div className="flex justify-end gap-2">
              <Button
                disabled={!changed || save.isPending}
                onClick={() => {
                  setDisplayName(me.displayName);
                  setEmail(me.email);
                  setErrors({});
                }}
              >
                Reset
              </Button>
              <Button type="submit" variant="primary" disabled={!changed || save.isPending}>
                {save.isPending ? "Saving…" : "Save profile"}
              </Button>
            </div>
          ) : (
            <p className="text-sm text-muted-foreground">Viewers cannot change their profile; ask an admin.</p>
          )}
        </form>
      </Card>
      <Card>
        <CardHeader title="Account" />
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-2 p-4 text-sm">
          <dt className="text-muted-foreground">Username</dt>
          <dd className="truncate font-mono text-[13px]">{me.username}</dd>
          <dt className="text-muted-foreground">Role</dt>
          <dd><Badge>{me.role.toLowerCase()}</Badge></dd>
          <dt className="text-muted-foreground">Signed in with</dt>
          <dd>{me.authMethod === "session" ? "browser session" : "API token"} ({me.scope} scope)</dd>
          <dt className="text-muted-foreground">Last sign-in</dt>
          <dd><AbsoluteTime iso={me.lastLoginAt} className="text-[13px]" /></dd>
          <dt className="text-muted-foreground">Member since</dt>
          <dd><AbsoluteTime iso={me.createdAt} className="text-[13px]" /></dd>
        </dl>
      </Card>
    </div>
  );
}

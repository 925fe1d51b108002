import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { ApiError, errorMessage } from "@/api/client";
import { changePassword } from "@/api/endpoints";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, InlineError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useMe } from "@/lib/auth";
import { passwordProblem, PASSWORD_MIN_BYTES } from "./password-rules";

type Errors = { current?: string; next?: string; confirm?: string; other?: string };

export function PasswordTab() {
  const me = useMe();
  const id = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<Errors>({});

  const save = useMutation({
    mutationFn: () => changePassword(current, next),
    onSuccess: () => {
      setCurrent("");
      setNext("");
      setConfirm("");
      setErrors({});
      toast.success("Password changed", { description: "Your other sessions were signed out." });
    },
    onError: (error) => {
      const message = errorMessage(error);
      if (error instanceof ApiError && /current password/i.test(message)) setErrors({ current: message });
      else if (error instanceof ApiError && message.startsWith("password:")) setErrors({ next: message });
      else setErrors({ other: message });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const found: Errors = {};
    if (!current) found.current = "Enter your current password.";
    const rule = passwordProblem(next);
    if (rule) found.next = rule;
    if (!found.next && confirm !== next) found.confirm = "The two new passwords differ.";
    setErrors(found);
    if (Object.keys(found).length === 0) save.mutate();
  }

  if (me.authMethod !== "session") {
    return <p className="text-sm text-muted-foreground">Sign in with your password to change it.</p>;
  }

  return (
    <Card className="max-w-xl">
      <CardHeader title="Change password" description="Your other browser sessions are signed out; API tokens keep working." />
      <form onSubmit={submit} noValidate className="space-y-4 p-4">
        {/* For password managers: which account this is. */}
        <input type="text" name="username" autoComplete="username" value={me.username} readOnly hidden />
        <Field id={`${id}-current`} label="Current password" error={errors.current}>
          {(p) => (
            <Input {...p} type="password" autoComplete="current-password" value={current}
              onChange={(e) => setCurrent(e.target.value)} />
          )}
        </Field>
        <Field
          id={`${id}-new`}
          label="New password"
          error={errors.next}
          hint={`At least ${PASSWORD_MIN_BYTES} characters. A long passphrase beats a short complex one.`}
        >
          {(p) => (
            <Input {...p} type="password" autoComplete="new-password" value={next}
              onChange={(e) => setNext(e.target.value)} />
          )}
        </Field>
        <Field id={`${id}-confirm`} label="Repeat new password" error={errors.confirm}>
          {(p) => (
            <Input {...p} type="password" autoComplete="new-password" value={confirm}
              onChange={(e) => setConfirm(e.target.value)} />
          )}
        </Field>
        <InlineError>{errors.other}</InlineError>
        <div className="flex justify-end">
          <Button type="submit" variant="primary" disabled={save.isPending}>
            {save.isPending ? "Changing…" : "Change password"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

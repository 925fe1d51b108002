import { useMutation } from "@tanstack/react-query";
import { CircleCheck } from "lucide-react";
import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router";
import { acceptInvite } from "@/api/account";
import { errorMessage } from "@/api/client";
import { Logo } from "@/components/layout/Logo";
import { Button } from "@/components/ui/button";
import { Field, InlineError } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { passwordProblem, PASSWORD_MIN_BYTES } from "./settings/password-rules";

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** /invite/:token — an invited person picks a username and password. */
export default function InvitePage() {
  const { token = "" } = useParams();
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ username?: string; password?: string; confirm?: string; other?: string }>({});

  const accept = useMutation({
    mutationFn: () => acceptInvite({ token, username, password, displayName: displayName.trim() }),
    onError: (error) => {
      const message = errorMessage(error);
      if (message.startsWith("username")) setErrors({ username: message });
      else if (message.startsWith("password")) setErrors({ password: message });
      else setErrors({ other: message });
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const found: typeof errors = {};
    if (!USERNAME.test(username.toLowerCase()))
      found.username = "2 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.";
    const rule = passwordProblem(password);
    if (rule) found.password = rule;
    else if (confirm !== password) found.confirm = "The two passwords differ.";
    setErrors(found);
    if (Object.keys(found).length === 0) accept.mutate();
  }

  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center"><Logo /></div>
        <div className="rounded-lg border border-border bg-card p-6 shadow-sm">
          {accept.isSuccess ? (
            <div className="space-y-3 text-center">
              <CircleCheck className="mx-auto size-8 text-success" aria-hidden="true" />
              <h1 className="text-lg font-semibold">Your account is ready</h1>
              <p className="text-sm text-muted-foreground">Sign in as <strong>{accept.data.username}</strong>.</p>
              <Button asChild variant="primary" className="w-full"><Link to="/login">Go to sign-in</Link></Button>
            </div>
          ) : (
            <>
              <h1 className="text-lg font-semibold">Join Cronium</h1>
              <p className="mt-1 text-sm text-muted-foreground">You were invited. Choose how you sign in.</p>
              <form onSubmit={submit} noValidate className="mt-5 space-y-4">
                <Field id="invite-username" label="Username" error={errors.username}>
                  {(p) => <Input {...p} autoComplete="username" autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />}
                </Field>
                <Field id="invite-name" label="Display name (optional)">
                  {(p) => <Input {...p} autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
                </Field>
                <Field id="invite-password" label="Password" error={errors.password} hint={`At least ${PASSWORD_MIN_BYTES} characters.`}>
                  {(p) => <Input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
                </Field>
                <Field id="invite-confirm" label="Repeat password" error={errors.confirm}>
                  {(p) => <Input {...p} type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />}
                </Field>
                <InlineError>{errors.other}</InlineError>
                <Button type="submit" variant="primary" className="w-full" disabled={accept.isPending}>
                  {accept.isPending ? "Creating your account…" : "Create account"}
                </Button>
              </form>
            </>
          )}
        </div>
      </div>
    </main>
  );
}

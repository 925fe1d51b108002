import { useQueryClient } from "@tanstack/react-query";
import { CircleAlert, LogIn } from "lucide-react";
import { type FormEvent, useEffect, useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { ApiError, errorMessage } from "@/api/client";
import { fetchMe, login } from "@/api/endpoints";
import { Logo } from "@/components/layout/Logo";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { ME_KEY } from "@/lib/auth";
import { safeNext } from "@/lib/utils";

function loginProblem(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "Wrong username or password.";
  if (error instanceof ApiError && error.status === 429) return `Too many attempts. ${error.message}`;
  return errorMessage(error);
}

export default function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Already signed in (another tab, a reload): go straight on.
  useEffect(() => {
    let live = true;
    fetchMe({ redirectOn401: false }).then(
      (me) => {
        if (!live) return;
        queryClient.setQueryData(ME_KEY, me);
        void navigate(next, { replace: true });
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [navigate, next, queryClient]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setProblem("Enter your username and password.");
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await login(username, password);
      const me = await fetchMe({ redirectOn401: false });
      queryClient.setQueryData(ME_KEY, me);
      await navigate(next, { replace: true });
    } catch (error) {
      setProblem(loginProblem(error));
      setBusy(false);
    }
  }

  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <Logo />
        </div>
        <div className="rounded-lg border border-border bg-card p-6 shadow-sm">
          <h1 className="text-lg font-semibold">Sign in</h1>
          <p className="mt-1 text-sm text-muted-foreground">
            {next !== "/" ? "Sign in again to continue where you were." : "Use your Cronium account."}
          </p>
          <form onSubmit={submit} className="mt-5 space-y-4" noValidate>
            <div className="space-y-1.5">
              <Label htmlFor="username">Username</Label>
              <Input
                id="username"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                autoFocus
                required
                value={username}
                aria-invalid={problem ? true : undefined}
                onChange={(e) => setUsername(e.target.value)}
                className="h-9"
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="password">Password</Label>
              <Input
                id="password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                aria-invalid={problem ? true : undefined}
                onChange={(e) => setPassword(e.target.value)}
                className="h-9"
              />
            </div>
            {problem ? (
              <p role="alert" className="flex items-start gap-2 text-sm text-danger">
                <CircleAlert className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
                <span>{problem}</span>
              </p>
            ) : null}
            <Button type="submit" variant="primary" size="lg" className="w-full" disabled={busy}>
              <LogIn aria-hidden="true" />
              {busy ? "Signing in…" : "Sign in"}
            </Button>
          </form>
        </div>
        <p className="mt-4 text-center text-xs text-muted-foreground">
          Forgot your password? Ask an admin of this server.
        </p>
      </div>
    </main>
  );
}

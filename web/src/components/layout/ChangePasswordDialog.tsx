import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { changePassword } from "@/api/endpoints";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label } from "@/components/ui/input";
import { ME_KEY } from "@/lib/auth";

const MIN_LENGTH = 12; // the server's rule (src/auth/passwords.cc)

export function ChangePasswordDialog({
  open,
  onOpenChange,
  description,
  cancelLabel = "Cancel",
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  description?: string;
  cancelLabel?: string;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () => changePassword(current, next),
    onSuccess: () => {
      toast.success("Password changed", { description: "Your other sessions were signed out." });
      void queryClient.invalidateQueries({ queryKey: ME_KEY });
      reset();
      onOpenChange(false);
    },
    onError: (error) => setProblem(errorMessage(error)),
  });

  function reset() {
    setCurrent("");
    setNext("");
    setConfirm("");
    setProblem(null);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (next.length < MIN_LENGTH) return setProblem(`The new password needs at least ${MIN_LENGTH} characters.`);
    if (next !== confirm) return setProblem("The two new passwords differ.");
    setProblem(null);
    mutation.mutate();
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        if (!o) reset();
        onOpenChange(o);
      }}
      title="Change password"
      description={description ?? "Other sessions of your account are signed out afterwards."}
    >
      <form onSubmit={submit} className="space-y-3" noValidate>
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-current`}>Current password</Label>
          <Input id={`${id}-current`} type="password" autoComplete="current-password" required
            value={current} onChange={(e) => setCurrent(e.target.value)} />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-new`}>New password</Label>
          <Input id={`${id}-new`} type="password" autoComplete="new-password" required
            aria-describedby={`${id}-hint`} value={next} onChange={(e) => setNext(e.target.value)} />
          <p id={`${id}-hint`} className="text-xs text-muted-foreground">
            At least {MIN_LENGTH} characters.
          </p>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-confirm`}>Repeat new password</Label>
          <Input id={`${id}-confirm`} type="password" autoComplete="new-password" required
            value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </div>
        {problem ? (
          <p role="alert" className="text-sm text-danger">
            {problem}
          </p>
        ) : null}
        <div className="flex justify-end gap-2 pt-2">
          <Button onClick={() => onOpenChange(false)}>{cancelLabel}</Button>
          <Button type="submit" variant="primary" disabled={mutation.isPending}>
            {mutation.isPending ? "Saving…" : "Change password"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

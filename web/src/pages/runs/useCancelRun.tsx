import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { cancelExecution } from "@/api/endpoints";
import { ConfirmDialog } from "@/components/ui/dialog";

export interface CancelTarget {
  id: string;
  eventName: string;
}

/** A Cancel action with its confirmation naming the event; render `dialog` once. */
export function useCancelRun() {
  const queryClient = useQueryClient();
  const [target, setTarget] = useState<CancelTarget | null>(null);
  const cancel = useMutation({
    mutationFn: (t: CancelTarget) => cancelExecution(t.id),
    onSuccess: (_x, t) => {
      toast.success("Cancel requested", { description: `${t.eventName} · ${t.id}` });
      void queryClient.invalidateQueries({ queryKey: ["executions"] });
    },
    onError: (e) => toast.error("Could not cancel", { description: errorMessage(e) }),
    onSettled: () => setTarget(null),
  });
  const dialog = (
    <ConfirmDialog
      open={target !== null}
      onOpenChange={(o) => !o && setTarget(null)}
      title="Cancel this run?"
      description={
        target ? (
          <>
            The run <span className="font-mono">{target.id}</span> of{" "}
            <strong className="text-foreground">{target.eventName}</strong> is stopped. Its output so far is kept.
          </>
        ) : null
      }
      confirmLabel="Cancel run"
      danger
      busy={cancel.isPending}
      onConfirm={() => target && cancel.mutate(target)}
    />
  );
  return { ask: setTarget, dialog, pending: cancel.isPending };
}

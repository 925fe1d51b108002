import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Pause, Play, RotateCw } from "lucide-react";
import { useNavigate } from "react-router";
import { toast } from "sonner";
import { errorMessage } from "@/api/client";
import { runEvent, setEventStatus } from "@/api/endpoints";
import type { CroniumEvent } from "@/api/types";
import { Button } from "@/components/ui/button";

export function EventActions({ event }: { event: CroniumEvent }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const run = useMutation({
    mutationFn: () => runEvent(event.id),
    onSuccess: (started) => {
      toast.success(`Started "${event.name}"`, {
        description: `Run ${started.executionId}`,
        action: { label: "View run", onClick: () => void navigate(`/runs/${started.executionId}`) },
      });
      void queryClient.invalidateQueries({ queryKey: ["executions"] });
    },
    onError: (e) => toast.error(`Could not run "${event.name}"`, { description: errorMessage(e) }),
  });
  const toggle = useMutation({
    mutationFn: (status: "ACTIVE" | "PAUSED") => setEventStatus(event.id, status),
    onSuccess: (updated) => {
      toast.success(updated.status === "PAUSED" ? `Paused "${event.name}"` : `Resumed "${event.name}"`);
      void queryClient.invalidateQueries({ queryKey: ["events"] });
    },
    onError: (e) => toast.error(`Could not change "${event.name}"`, { description: errorMessage(e) }),
  });

  const pausable = event.status === "ACTIVE" || event.status === "PAUSED";
  return (
    <div className="flex items-center justify-end gap-1.5">
      {pausable ? (
        <Button
          size="sm"
          variant="ghost"
          disabled={toggle.isPending}
          onClick={() => toggle.mutate(event.status === "ACTIVE" ? "PAUSED" : "ACTIVE")}
          aria-label={`${event.status === "ACTIVE" ? "Pause" : "Resume"} ${event.name}`}
          title={event.status === "ACTIVE" ? "Pause the schedule" : "Resume the schedule"}
        >
          {event.status === "ACTIVE" ? <Pause aria-hidden="true" /> : <RotateCw aria-hidden="true" />}
          <span className="hidden lg:inline">{event.status === "ACTIVE" ? "Pause" : "Resume"}</span>
        </Button>
      ) : null}
      <Button
        size="sm"
        disabled={run.isPending || event.status === "ARCHIVED"}
        onClick={() => run.mutate()}
        aria-label={`Run ${event.name} now`}
        title="Run now"
      >
        <Play className="text-success" aria-hidden="true" />
        Run
      </Button>
    </div>
  );
}

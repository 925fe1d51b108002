// Run and event statuses: always an icon and a word, never colour alone.
import {
  Archive,
  Ban,
  CircleCheck,
  CircleDashed,
  CircleHelp,
  CirclePause,
  CirclePlay,
  CircleX,
  Clock,
  LoaderCircle,
  type LucideIcon,
  TimerOff,
} from "lucide-react";
import type { EventStatus, RunStatus } from "@/api/types";
import { cn } from "@/lib/utils";
import { Badge } from "./badge";

interface Look {
  label: string;
  icon: LucideIcon;
  tone: string;
  spin?: boolean;
}

export const RUN_STATUS: Record<RunStatus, Look> = {
  QUEUED: { label: "Queued", icon: Clock, tone: "text-muted-foreground" },
  RUNNING: { label: "Running", icon: LoaderCircle, tone: "text-info", spin: true },
  SUCCEEDED: { label: "Succeeded", icon: CircleCheck, tone: "text-success" },
  FAILED: { label: "Failed", icon: CircleX, tone: "text-danger" },
  TIMED_OUT: { label: "Timed out", icon: TimerOff, tone: "text-warning" },
  CANCELLED: { label: "Cancelled", icon: Ban, tone: "text-muted-foreground" },
  LOST: { label: "Lost", icon: CircleHelp, tone: "text-warning" },
};

export const EVENT_STATUS: Record<EventStatus, Look> = {
  ACTIVE: { label: "Active", icon: CirclePlay, tone: "text-success" },
  PAUSED: { label: "Paused", icon: CirclePause, tone: "text-warning" },
  DRAFT: { label: "Draft", icon: CircleDashed, tone: "text-muted-foreground" },
  ARCHIVED: { label: "Archived", icon: Archive, tone: "text-muted-foreground" },
};

function StatusBadge({ look, className }: { look: Look; className?: string }) {
  const Icon = look.icon;
  return (
    <Badge className={cn("bg-card", className)}>
      <Icon
        className={cn("size-3.5", look.tone, look.spin && "animate-spin [animation-duration:2s]")}
        aria-hidden="true"
      />
      <span>{look.label}</span>
    </Badge>
  );
}

export function RunStatusBadge({ status, className }: { status: RunStatus; className?: string }) {
  const look = RUN_STATUS[status] ?? { label: status, icon: CircleHelp, tone: "" };
  return <StatusBadge look={look} className={className} />;
}

export function EventStatusBadge({ status, className }: { status: EventStatus; className?: string }) {
  const look = EVENT_STATUS[status] ?? { label: status, icon: CircleHelp, tone: "" };
  return <StatusBadge look={look} className={className} />;
}

// The fates the scheduler writes in a schedule's ledger (src/scheduler/scheduler.cc), in words.
import {
  Ban,
  CalendarX,
  CircleCheck,
  CirclePause,
  CirclePlay,
  CircleSlash,
  CircleX,
  Clock3,
  History,
  Layers,
  type LucideIcon,
  MoveRight,
  Octagon,
  CircleHelp,
} from "lucide-react";

export interface Fate {
  label: string;
  /** One line: what happened to the occurrence. */
  explain: string;
  icon: LucideIcon;
  tone: string;
  /** An execution came of it. */
  ran: boolean;
}

export const FATES: Record<string, Fate> = {
  FIRED: {
    label: "Fired",
    explain: "Started on time: a run was queued for this occurrence.",
    icon: CircleCheck,
    tone: "text-success",
    ran: true,
  },
  CAUGHT_UP: {
    label: "Caught up",
    explain: "Missed while the server was down, then run late by the misfire policy (RUN_ONCE or RUN_ALL).",
    icon: History,
    tone: "text-info",
    ran: true,
  },
  BUFFERED: {
    label: "Buffered",
    explain: "The previous run was still going; this run was queued to start when it ends (overlap BUFFER_ONE or BUFFER_ALL).",
    icon: Layers,
    tone: "text-info",
    ran: true,
  },
  DST_SHIFTED: {
    label: "DST shifted",
    explain: "Its wall-clock time did not exist (clocks moved forward); it ran at the end of the gap.",
    icon: MoveRight,
    tone: "text-info",
    ran: true,
  },
  SKIPPED_OVERLAP: {
    label: "Skipped (overlap)",
    explain: "Not run: the previous run was still active, or one was already buffered (overlap policy).",
    icon: CircleSlash,
    tone: "text-warning",
    ran: false,
  },
  MISSED_DOWNTIME: {
    label: "Missed",
    explain: "Not run: it was due while no scheduler was running, and it is older than the misfire grace.",
    icon: Clock3,
    tone: "text-warning",
    ran: false,
  },
  DST_SKIPPED: {
    label: "DST skipped",
    explain: "Not run: its wall-clock time did not exist (clocks moved forward) and dstGapPolicy says SKIP.",
    icon: CalendarX,
    tone: "text-muted-foreground",
    ran: false,
  },
  PAUSED: {
    label: "Paused",
    explain: "Not run: the event was paused. One row stands for the whole pause, from this occurrence on.",
    icon: CirclePause,
    tone: "text-warning",
    ran: false,
  },
  RESUMED: {
    label: "Resumed",
    explain: "The pause ended: the occurrences it covered were not run, and the schedule plans again from then.",
    icon: CirclePlay,
    tone: "text-success",
    ran: false,
  },
  RUN_LIMIT_REACHED: {
    label: "Run limit reached",
    explain: "Not run: the schedule's maxRuns was reached, so the event was paused.",
    icon: Octagon,
    tone: "text-muted-foreground",
    ran: false,
  },
  START_FAILED: {
    label: "Start failed",
    explain: "The run could not be started (the detail says why).",
    icon: CircleX,
    tone: "text-danger",
    ran: false,
  },
};

/** The fate's words; one the UI does not know yet shows as it is. */
export function fateOf(fate: string): Fate {
  return (
    FATES[fate] ?? {
      label: fate ? fate.charAt(0) + fate.slice(1).toLowerCase().replaceAll("_", " ") : "Unknown",
      explain: "A fate this page does not know yet.",
      icon: fate ? Ban : CircleHelp,
      tone: "text-muted-foreground",
      ran: false,
    }
  );
}

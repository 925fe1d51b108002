// Each run outcome's mark in the charts (the dashboard's and an event's): its own colour AND
// shape, so that no outcome is told by colour alone.
import type { RunStatus } from "@/api/types";

export type Shape = "circle" | "cross" | "triangle" | "diamond" | "square" | "ring" | "dashed";

export const LOOK: Record<RunStatus, { shape: Shape; tone: string }> = {
  SUCCEEDED: { shape: "circle", tone: "text-success" },
  FAILED: { shape: "cross", tone: "text-danger" },
  TIMED_OUT: { shape: "triangle", tone: "text-warning" },
  LOST: { shape: "diamond", tone: "text-warning" },
  CANCELLED: { shape: "square", tone: "text-muted-foreground" },
  RUNNING: { shape: "ring", tone: "text-info" },
  QUEUED: { shape: "dashed", tone: "text-muted-foreground" },
};

export const ORDER: RunStatus[] = ["SUCCEEDED", "FAILED", "TIMED_OUT", "LOST", "CANCELLED", "RUNNING", "QUEUED"];

export function Mark({ shape, x, y, r = 4 }: { shape: Shape; x: number; y: number; r?: number }) {
  switch (shape) {
    case "circle":
      return <circle cx={x} cy={y} r={r} fill="currentColor" fillOpacity={0.75} />;
    case "ring":
      return <circle cx={x} cy={y} r={r} fill="none" stroke="currentColor" strokeWidth={1.75} />;
    case "dashed":
      return <circle cx={x} cy={y} r={r} fill="none" stroke="currentColor" strokeWidth={1.5} strokeDasharray="2 1.6" />;
    case "square":
      return <rect x={x - r} y={y - r} width={2 * r} height={2 * r} fill="none" stroke="currentColor" strokeWidth={1.75} />;
    case "triangle":
      return <path d={`M${x} ${y - r - 1}L${x + r + 1} ${y + r}L${x - r - 1} ${y + r}Z`} fill="currentColor" fillOpacity={0.85} />;
    case "diamond":
      return <path d={`M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z`} fill="currentColor" fillOpacity={0.85} />;
    case "cross":
      return (
        <path
          d={`M${x - r} ${y - r}L${x + r} ${y + r}M${x + r} ${y - r}L${x - r} ${y + r}`}
          stroke="currentColor"
          strokeWidth={2.25}
          strokeLinecap="round"
        />
      );
  }
}

/** The legend's swatch of one outcome. */
export function Swatch({ status }: { status: RunStatus }) {
  const look = LOOK[status];
  return (
    <svg width={12} height={12} aria-hidden="true" className={look.tone}>
      <Mark shape={look.shape} x={6} y={6} r={4} />
    </svg>
  );
}

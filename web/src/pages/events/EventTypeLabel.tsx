import { Braces, FileCode, Globe, SquareTerminal, Wrench, type LucideIcon } from "lucide-react";
import type { EventType } from "@/api/types";

const TYPES: Record<EventType, { label: string; icon: LucideIcon }> = {
  BASH: { label: "Bash", icon: SquareTerminal },
  PYTHON: { label: "Python", icon: FileCode },
  NODEJS: { label: "Node.js", icon: Braces },
  HTTP_REQUEST: { label: "HTTP", icon: Globe },
  TOOL_ACTION: { label: "Tool", icon: Wrench },
};

export function eventTypeLabel(type: EventType): string {
  return TYPES[type]?.label ?? type;
}

export function EventTypeLabel({ type }: { type: EventType }) {
  const t = TYPES[type] ?? { label: type, icon: FileCode };
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap text-sm">
      <t.icon className="size-3.5 text-muted-foreground" aria-hidden="true" />
      {t.label}
    </span>
  );
}

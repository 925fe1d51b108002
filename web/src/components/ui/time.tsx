import { useEffect, useState, useSyncExternalStore } from "react";
import { formatDuration, formatRelative } from "@/lib/time";
import { formatTimeFor, getTimeDisplay, subscribeTimeDisplay, type TimeDisplay } from "@/lib/time-display";
import { cn } from "@/lib/utils";

/** Re-renders every `ms` milliseconds (for ticking elapsed times and countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

/** The user's "how times show" choice (Settings → Appearance); re-renders when it changes. */
export function useTimeDisplay(): TimeDisplay {
  return useSyncExternalStore(subscribeTimeDisplay, getTimeDisplay, () => "local" as const);
}

/**
 * A relative time ("3 min. ago") whose hover shows the absolute time with its zone. `zone` is
 * the schedule's zone, used when the user chose to see times in it.
 */
export function RelativeTime({
  iso,
  now,
  zone,
}: {
  iso: string | null | undefined;
  now?: number;
  zone?: string | null;
}) {
  const display = useTimeDisplay();
  if (!iso) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={iso} title={formatTimeFor(iso, display, zone)} className="whitespace-nowrap">
      {formatRelative(iso, now)}
    </time>
  );
}

/** An absolute time with its zone (hover: how long ago or until). */
export function AbsoluteTime({
  iso,
  zone,
  now,
  className,
}: {
  iso: string | null | undefined;
  zone?: string | null;
  now?: number;
  className?: string;
}) {
  const display = useTimeDisplay();
  if (!iso) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={iso} title={formatRelative(iso, now)} className={cn("tabular-nums", className)}>
      {formatTimeFor(iso, display, zone)}
    </time>
  );
}

export function Elapsed({ since }: { since: string | null }) {
  const now = useNow(1000);
  const display = useTimeDisplay();
  if (!since) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="tabular-nums" title={`started ${formatTimeFor(since, display)}`}>
      {formatDuration(now - Date.parse(since))}
    </span>
  );
}

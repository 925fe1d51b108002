import { useEffect, useState } from "react";
import { formatAbsolute, formatDuration, formatRelative } from "@/lib/time";

/** Re-renders every `ms` milliseconds (for ticking elapsed times and countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}

/** A relative time ("3 min. ago") whose hover shows the absolute time with its zone. */
export function RelativeTime({ iso, now }: { iso: string | null | undefined; now?: number }) {
  if (!iso) return <span className="text-muted-foreground">—</span>;
  return (
    <time dateTime={iso} title={formatAbsolute(iso)} className="whitespace-nowrap">
      {formatRelative(iso, now)}
    </time>
  );
}

export function Elapsed({ since }: { since: string | null }) {
  const now = useNow(1000);
  if (!since) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="tabular-nums" title={`started ${formatAbsolute(since)}`}>
      {formatDuration(now - Date.parse(since))}
    </span>
  );
}

import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { Card } from "@/components/ui/card";
import { cn } from "@/lib/utils";

export function StatTile({
  label,
  value,
  icon: Icon,
  tone,
  detail,
  to,
  loading,
}: {
  label: string;
  value: ReactNode;
  icon: LucideIcon;
  tone?: string;
  detail?: ReactNode;
  to?: string;
  loading?: boolean;
}) {
  const body = (
    <>
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-medium text-muted-foreground">{label}</span>
        <Icon className={cn("size-4 text-muted-foreground", tone)} aria-hidden="true" />
      </div>
      <div className="mt-1.5 text-2xl font-semibold tabular-nums leading-8">
        {loading ? <span className="inline-block h-6 w-10 animate-pulse rounded bg-muted align-middle" /> : value}
      </div>
      <div className="mt-0.5 min-h-4 truncate text-xs text-muted-foreground">{detail}</div>
    </>
  );
  return (
    <Card className="p-3.5">
      {to ? (
        <Link to={to} className="block rounded-sm hover:opacity-90">
          {body}
        </Link>
      ) : (
        body
      )}
    </Card>
  );
}

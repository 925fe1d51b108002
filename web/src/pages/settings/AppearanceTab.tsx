import { Monitor, Moon, Sun } from "lucide-react";
import { type ReactNode, useId } from "react";
import { useThemeChoice } from "@/components/layout/ThemeSwitch";
import { Card, CardHeader } from "@/components/ui/card";
import { useNow, useTimeDisplay } from "@/components/ui/time";
import { setThemeChoice, type ThemeChoice } from "@/lib/theme";
import { formatTimeFor, setTimeDisplay, TIME_DISPLAY_LABELS, type TimeDisplay } from "@/lib/time-display";
import { cn } from "@/lib/utils";

function Choice<T extends string>({
  name,
  value,
  current,
  onChange,
  title,
  detail,
  icon,
}: {
  name: string;
  value: T;
  current: T;
  onChange: (value: T) => void;
  title: string;
  detail?: ReactNode;
  icon?: ReactNode;
}) {
  const checked = value === current;
  const detailId = useId();
  return (
    <label
      className={cn(
        "flex cursor-pointer items-start gap-3 rounded-md border border-border px-3 py-2.5 hover:bg-accent/50",
        "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-ring",
        checked && "border-primary bg-accent/40",
      )}
    >
      <input
        type="radio"
        name={name}
        value={value}
        checked={checked}
        onChange={() => onChange(value)}
        aria-label={title}
        aria-describedby={detail ? detailId : undefined}
        className="mt-1 size-4 accent-primary focus-visible:outline-none"
      />
      <span className="min-w-0">
        <span className="flex items-center gap-1.5 text-sm font-medium [&_svg]:size-4 [&_svg]:text-muted-foreground">
          {icon}
          {title}
        </span>
        {detail ? <span id={detailId} className="block text-xs text-muted-foreground">{detail}</span> : null}
      </span>
    </label>
  );
}

const EXAMPLE_ZONE = "America/New_York";

export function AppearanceTab() {
  const theme = useThemeChoice();
  const display = useTimeDisplay();
  const now = useNow(1000);
  const sample = new Date(now).toISOString();

  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card>
        <CardHeader title="Theme" description="Kept in this browser." />
        <fieldset className="space-y-2 p-4">
          <legend className="sr-only">Theme</legend>
          <Choice<ThemeChoice> name="theme" value="light" current={theme} onChange={setThemeChoice}
            title="Light" icon={<Sun aria-hidden="true" />} />
          <Choice<ThemeChoice> name="theme" value="dark" current={theme} onChange={setThemeChoice}
            title="Dark" icon={<Moon aria-hidden="true" />} />
          <Choice<ThemeChoice> name="theme" value="system" current={theme} onChange={setThemeChoice}
            title="System" icon={<Monitor aria-hidden="true" />} detail="Follows your operating system's setting." />
        </fieldset>
      </Card>
      <Card>
        <CardHeader
          title="How times show"
          description="Lists show relative times (“in 5 min.”); this sets the zone of exact times. Every exact time names its zone."
        />
        <fieldset className="space-y-2 p-4">
          <legend className="sr-only">How times show</legend>
          {(["local", "utc", "schedule"] as const).map((value) => (
            <Choice<TimeDisplay>
              key={value}
              name="time-display"
              value={value}
              current={display}
              onChange={setTimeDisplay}
              title={TIME_DISPLAY_LABELS[value]}
              detail={
                value === "schedule" ? (
                  <>
                    A run planned by a schedule in {EXAMPLE_ZONE} shows as{" "}
                    <span className="tabular-nums">{formatTimeFor(sample, "schedule", EXAMPLE_ZONE)}</span>; other times
                    show in your local time.
                  </>
                ) : (
                  <span className="tabular-nums">Now: {formatTimeFor(sample, value)}</span>
                )
              }
            />
          ))}
        </fieldset>
      </Card>
    </div>
  );
}

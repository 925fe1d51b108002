// A searchable IANA time zone picker: an ARIA combobox with a list box, usable by keyboard
// (arrows, Home/End, Enter, Escape) and by mouse.
import { Check, ChevronsUpDown } from "lucide-react";
import { type KeyboardEvent, useId, useMemo, useRef, useState } from "react";
import { cn } from "@/lib/utils";
import { allZones, browserZone, searchZones, zoneOffsetLabel } from "./zones";

/** At most this many options render; typing narrows the rest. */
const SHOWN = 100;
const SERVER = "\u0000server";

export interface ZonePickerProps {
  id?: string;
  /** The zone, or null for the server's zone. */
  value: string | null;
  onChange: (zone: string | null) => void;
  /** The server's zone when known (from a preview), to name it. */
  serverZone?: string | null;
  /** Offer "the server's zone" (null). */
  allowServer?: boolean;
  disabled?: boolean;
  invalid?: boolean;
  "aria-describedby"?: string;
  "aria-labelledby"?: string;
}

function serverLabel(serverZone: string | null | undefined): string {
  return serverZone ? `Server's zone (${serverZone})` : "Server's zone";
}

export function ZonePicker({
  id: givenId,
  value,
  onChange,
  serverZone,
  allowServer = true,
  disabled,
  invalid,
  ...aria
}: ZonePickerProps) {
  const autoId = useId();
  const id = givenId ?? autoId;
  const listId = `${id}-list`;
  const listRef = useRef<HTMLUListElement>(null);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);

  const display = value ?? serverLabel(serverZone);
  const zones = allZones();
  const options = useMemo(() => {
    const found = searchZones(zones, query);
    const server =
      allowServer && (!query.trim() || "server's zone".includes(query.trim().toLowerCase())) ? [SERVER] : [];
    // The selection first when browsing without a query, so the list opens on it.
    return [...server, ...found];
  }, [zones, query, allowServer]);
  const shown = options.slice(0, SHOWN);

  function openList(initialQuery = "") {
    setQuery(initialQuery);
    const list = initialQuery ? options : [...(allowServer ? [SERVER] : []), ...zones];
    const current = value === null ? SERVER : value;
    const index = initialQuery ? 0 : list.indexOf(current);
    setActive(index >= 0 && index < SHOWN ? index : 0);
    setOpen(true);
  }

  function close() {
    setOpen(false);
    setQuery("");
  }

  function choose(option: string | undefined) {
    if (option === undefined) return;
    const zone = option === SERVER ? null : option;
    if (zone !== value) onChange(zone);
    setOpen(false);
    setQuery("");
  }

  function move(to: number) {
    if (!shown.length) return;
    const next = Math.max(0, Math.min(shown.length - 1, to));
    setActive(next);
    const el = listRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`);
    el?.scrollIntoView?.({ block: "nearest" });
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!open) openList();
        else move(active + 1);
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!open) openList();
        else move(active - 1);
        break;
      case "PageDown":
        if (open) {
          e.preventDefault();
          move(active + 10);
        }
        break;
      case "PageUp":
        if (open) {
          e.preventDefault();
          move(active - 10);
        }
        break;
      case "Home":
        if (open) {
          e.preventDefault();
          move(0);
        }
        break;
      case "End":
        if (open) {
          e.preventDefault();
          move(shown.length - 1);
        }
        break;
      case "Enter":
        if (open) {
          e.preventDefault();
          choose(shown[active]);
        }
        break;
      case "Escape":
        if (open) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
        break;
      case "Tab":
        if (open) close();
        break;
    }
  }

  const activeOption = open ? shown[active] : undefined;
  const activeId = activeOption !== undefined ? `${id}-opt-${active}` : undefined;
  const now = Date.now();
  const browser = browserZone();

  return (
    <div className="relative sm:max-w-md">
      <input
        id={id}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={activeId}
        aria-invalid={invalid || undefined}
        autoComplete="off"
        spellCheck={false}
        disabled={disabled}
        {...aria}
        // The query while open, the selection while closed.
        value={open ? query : display}
        onChange={(e) => {
          const text = e.target.value;
          if (!open) openList(text);
          else {
            setQuery(text);
            setActive(0);
          }
        }}
        onFocus={(e) => e.currentTarget.select()}
        onClick={() => {
          if (!open) openList();
        }}
        onBlur={() => {
          if (open) close();
        }}
        onKeyDown={onKeyDown}
        className={cn(
          "h-8 w-full rounded-md border border-input bg-card pl-2.5 pr-8 text-sm text-foreground shadow-xs",
          "placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-ring",
          "disabled:opacity-50 aria-[invalid=true]:border-destructive",
        )}
      />
      <ChevronsUpDown
        className="pointer-events-none absolute right-2.5 top-2 size-4 text-muted-foreground"
        aria-hidden="true"
      />
      {open ? (
        <ul
          ref={listRef}
          id={listId}
          role="listbox"
          aria-label="Time zones"
          className="absolute left-0 right-0 z-30 mt-1 max-h-64 overflow-y-auto rounded-md border border-border bg-card p-1 text-card-foreground shadow-lg"
        >
          {shown.length === 0 ? (
            <li role="presentation" className="px-2 py-1.5 text-sm text-muted-foreground">
              No time zone matches “{query}”.
            </li>
          ) : null}
          {shown.map((option, index) => {
            const zone = option === SERVER ? null : option;
            const selected = zone === value;
            const label = zone ?? serverLabel(serverZone);
            const offset = zone ? zoneOffsetLabel(zone, now) : "";
            return (
              <li
                key={option}
                id={`${id}-opt-${index}`}
                data-index={index}
                role="option"
                aria-selected={selected}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(option)}
                onMouseMove={() => index !== active && setActive(index)}
                className={cn(
                  "flex cursor-default items-center gap-2 rounded-sm px-2 py-1.5 text-sm",
                  index === active && "bg-accent",
                )}
              >
                <Check className={cn("size-3.5 shrink-0", selected ? "opacity-100" : "opacity-0")} aria-hidden="true" />
                <span className="min-w-0 flex-1 truncate">
                  {label}
                  {zone && zone === browser ? <span className="text-muted-foreground"> (yours)</span> : null}
                </span>
                {offset ? <span className="shrink-0 text-xs tabular-nums text-muted-foreground">{offset}</span> : null}
              </li>
            );
          })}
          {options.length > SHOWN ? (
            <li role="presentation" className="px-2 py-1.5 text-xs text-muted-foreground">
              {options.length - SHOWN} more: type to narrow the list.
            </li>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}

// The app's keyboard shortcuts as data and a small matcher for two-key sequences ("g e"),
// kept apart from the DOM so they can be tested.

export interface Shortcut {
  keys: string;
  does: string;
}

export const GO_TO: Record<string, { path: string; label: string }> = {
  d: { path: "/", label: "Dashboard" },
  e: { path: "/events", label: "Events" },
  r: { path: "/runs", label: "Runs" },
  v: { path: "/variables", label: "Variables" },
  s: { path: "/settings", label: "Settings" },
  a: { path: "/admin", label: "Admin" },
};

export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: "Anywhere",
    items: [
      { keys: "/", does: "Search the list on this page" },
      ...Object.entries(GO_TO).map(([key, target]) => ({ keys: `g ${key}`, does: `Go to ${target.label}` })),
      { keys: "n", does: "New event (on the events list)" },
      { keys: "?", does: "Show these shortcuts" },
    ],
  },
  {
    group: "Lists (events, runs)",
    items: [
      { keys: "j / k", does: "Next / previous row" },
      { keys: "Enter", does: "Open the row" },
    ],
  },
  {
    group: "Event editor",
    items: [
      { keys: "Ctrl+S", does: "Save" },
      { keys: "Ctrl+Enter", does: "Save and run now" },
      { keys: "Ctrl+Space", does: "Runtime helper completions in the script" },
      { keys: "Esc", does: "Leave the script editor's full screen" },
    ],
  },
  {
    group: "Run page",
    items: [{ keys: "Ctrl+Enter", does: "Run again" }],
  },
];

/** Whether a key event comes from somewhere typing happens (then single keys are text). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target as HTMLInputElement).type;
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
  }
  return Boolean(target.closest("[contenteditable=true], .cm-editor"));
}

/**
 * Feeds keys one at a time; returns the path of a "g x" sequence once complete. A "g" waits
 * `timeoutMs` for its second key; any other key starts over.
 */
export class SequenceMatcher {
  private pendingAt: number | null = null;

  constructor(private readonly timeoutMs = 1500) {}

  feed(key: string, now: number): string | null {
    if (this.pendingAt !== null && now - this.pendingAt <= this.timeoutMs) {
      this.pendingAt = null;
      return GO_TO[key]?.path ?? null;
    }
    this.pendingAt = key === "g" ? now : null;
    return null;
  }

  get waiting(): boolean {
    return this.pendingAt !== null;
  }
}

/** The row after (+1) or before (-1) `current` among `rows`; the first (or last) when none is current. */
export function stepRow<T>(rows: T[], current: T | null, step: 1 | -1): T | null {
  if (rows.length === 0) return null;
  const at = current === null ? -1 : rows.indexOf(current);
  if (at === -1) return step === 1 ? rows[0]! : rows[rows.length - 1]!;
  return rows[Math.min(rows.length - 1, Math.max(0, at + step))]!;
}

// The app-wide keyboard shortcuts (see shortcuts.ts): "/" focuses the page's search, "g x"
// goes places, "n" starts a new event on the events list, j/k move through list rows, "?"
// shows the help. Keys typed into fields, and keys with Ctrl/Alt/Meta, are left alone.
import { useEffect, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { Dialog } from "@/components/ui/dialog";
import { useMe } from "@/lib/auth";
import { isTyping, SequenceMatcher, SHORTCUTS, stepRow } from "./shortcuts";

/**
 * The rows j/k move through: table rows of the page (or cards), each opened by its first link.
 * Long lists are virtualised (only rows near the viewport are rendered, spacers stand in for the
 * rest), so these are the rendered rows; stepping past the last one scrolls the next one in.
 */
function listRows(): HTMLElement[] {
  const main = document.getElementById("main");
  if (!main) return [];
  const rows = [...main.querySelectorAll<HTMLElement>("tbody tr, [data-list-row]")];
  return rows.filter((row) => row.offsetParent !== null && row.querySelector("a[href]"));
}

export function Shortcuts() {
  const navigate = useNavigate();
  const location = useLocation();
  const me = useMe();
  const [help, setHelp] = useState(false);
  const matcher = useRef(new SequenceMatcher());
  const current = useRef<HTMLElement | null>(null);

  useEffect(() => {
    current.current = null;
  }, [location.pathname]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      // A dialog (other than nothing) owns the keyboard.
      if (document.querySelector("[role=dialog], [role=alertdialog]")) return;
      const path = matcher.current.feed(e.key, performance.now());
      if (path) {
        if (path === "/admin" && me.role !== "ADMIN") return;
        e.preventDefault();
        navigate(path);
        return;
      }
      if (matcher.current.waiting) return;
      switch (e.key) {
        case "?":
          e.preventDefault();
          setHelp(true);
          return;
        case "/": {
          const search = document.querySelector<HTMLInputElement>("#main input[type=search]");
          if (search) {
            e.preventDefault();
            search.focus();
            search.select();
          }
          return;
        }
        case "n":
          if (location.pathname === "/events" && me.role !== "VIEWER" && me.scope !== "read") {
            e.preventDefault();
            navigate("/events/new");
          }
          return;
        case "j":
        case "k": {
          const step = e.key === "j" ? 1 : -1;
          const move = (tries: number): boolean => {
            const rows = listRows();
            const active = rows.find((row) => row.contains(document.activeElement)) ?? null;
            const from = active ?? (current.current && rows.includes(current.current) ? current.current : null);
            const next = stepRow(rows, from, step);
            if (!next) return false;
            // The last (first) row rendered of a virtualised list, with rows beyond it not yet
            // rendered (a spacer stands in for them; keys came faster than frames): step again
            // once the list has caught up with the scroll, failing that scroll on by a row.
            const beyond = step === 1 ? next.nextElementSibling : next.previousElementSibling;
            if (next === from && beyond?.hasAttribute("data-spacer")) {
              if (tries === 3) document.getElementById("main")?.scrollBy(0, step * next.offsetHeight);
              if (tries > 0) requestAnimationFrame(() => move(tries - 1));
              return true;
            }
            current.current = next;
            const link = next.querySelector<HTMLElement>("a[href]");
            link?.focus();
            next.scrollIntoView({ block: "nearest" });
            return true;
          };
          if (move(6)) e.preventDefault();
          return;
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate, location.pathname, me.role, me.scope]);

  return (
    <Dialog open={help} onOpenChange={setHelp} title="Keyboard shortcuts" className="max-w-lg">
      <div className="space-y-4">
        {SHORTCUTS.map((group) => (
          <section key={group.group}>
            <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-muted-foreground">{group.group}</h3>
            <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1 text-sm">
              {group.items
                .filter((s) => s.keys !== "g a" || me.role === "ADMIN")
                .map((s) => (
                  <div key={s.keys} className="contents">
                    <dt>
                      <kbd className="rounded border border-border bg-muted px-1.5 py-0.5 font-mono text-xs">{s.keys}</kbd>
                    </dt>
                    <dd className="text-muted-foreground">{s.does}</dd>
                  </div>
                ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}

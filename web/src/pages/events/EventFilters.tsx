import { Search, X } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/input";
import type { EventListFilters } from "@/lib/url-filters";

export function EventFilters({
  filters,
  onChange,
}: {
  filters: EventListFilters;
  onChange: (changes: Partial<EventListFilters>) => void;
}) {
  // The box updates the URL 300 ms after the last key, not on every key.
  const [text, setText] = useState(filters.q);
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === filters.q) return;
    const id = window.setTimeout(() => onChange({ q: text.trim() }), 300);
    return () => window.clearTimeout(id);
  }, [text, filters.q, onChange]);

  const any = Boolean(filters.q || filters.status || filters.type);
  return (
    <div role="search" className="flex flex-wrap items-center gap-2">
      <div className="relative min-w-48 flex-1 sm:max-w-xs">
        <Search className="pointer-events-none absolute left-2.5 top-2 size-4 text-muted-foreground" aria-hidden="true" />
        <label htmlFor="event-search" className="sr-only">
          Search events by name or description
        </label>
        <Input
          id="event-search"
          type="search"
          placeholder="Search events…"
          className="pl-8"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <label htmlFor="event-status" className="sr-only">
        Status
      </label>
      <Select
        id="event-status"
        className="w-auto"
        value={filters.status}
        onChange={(e) => onChange({ status: e.target.value })}
      >
        <option value="">All statuses</option>
        <option value="ACTIVE">Active</option>
        <option value="PAUSED">Paused</option>
        <option value="DRAFT">Draft</option>
        <option value="ARCHIVED">Archived</option>
      </Select>
      <label htmlFor="event-type" className="sr-only">
        Type
      </label>
      <Select id="event-type" className="w-auto" value={filters.type} onChange={(e) => onChange({ type: e.target.value })}>
        <option value="">All types</option>
        <option value="BASH">Bash</option>
        <option value="PYTHON">Python</option>
        <option value="NODEJS">Node.js</option>
        <option value="HTTP_REQUEST">HTTP request</option>
        <option value="TOOL_ACTION">Tool action</option>
      </Select>
      {any ? (
        <Button variant="ghost" size="md" onClick={() => onChange({ q: "", status: "", type: "" })}>
          <X aria-hidden="true" /> Clear
        </Button>
      ) : null}
    </div>
  );
}

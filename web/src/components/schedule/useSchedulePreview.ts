// The next runs of the schedule being edited, from the server: debounced while typing, one
// request per distinct spec (TanStack Query), the stale one cancelled when the spec changes.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApiError } from "@/api/client";
import { previewSchedule, type ScheduleSpec, toRequestSpec } from "@/api/schedules";
import { incomplete } from "./spec";

export const PREVIEW_DEBOUNCE_MS = 300;

export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    if (Object.is(value, debounced)) return;
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms, debounced]);
  return debounced;
}

export function useSchedulePreview(spec: ScheduleSpec, count: number) {
  const skip = incomplete(spec);
  // A string key: equal specs are one query, whatever object they come in.
  const key = skip ? "" : JSON.stringify(toRequestSpec(spec));
  const debouncedKey = useDebounced(key, PREVIEW_DEBOUNCE_MS);
  const query = useQuery({
    queryKey: ["schedules", "preview", debouncedKey, count],
    queryFn: ({ signal }) => previewSchedule(JSON.parse(debouncedKey) as ScheduleSpec, count, signal),
    enabled: debouncedKey !== "",
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    // A 4xx is the answer (the spec is wrong); only a failure to reach the server is retried.
    retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 1,
  });
  return {
    query,
    /** Nothing to ask yet, in words (manual, or a field left empty). */
    skip,
    /** The spec changed and its answer is on its way (typing or fetching). */
    pending: !skip && (key !== debouncedKey || query.isFetching),
    /** The answer is for an earlier spec. */
    stale: key !== debouncedKey || query.isPlaceholderData,
    /** The server refused the spec: its message names the field (kept while the next answer is on its way). */
    invalid: !skip && query.error instanceof ApiError && query.error.status === 400 ? query.error.message : null,
  };
}

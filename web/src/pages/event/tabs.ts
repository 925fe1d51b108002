// The event page's tabs, kept in the URL (?tab=…) so reload and shared links keep them.

export const EVENT_TABS = ["overview", "runs", "ledger", "webhooks", "audit"] as const;
export type EventTab = (typeof EVENT_TABS)[number];

/** The tab the URL asks for when the user may see it, else the overview. */
export function readTab(params: URLSearchParams, allowed: readonly EventTab[]): EventTab {
  const tab = params.get("tab") as EventTab | null;
  return tab && allowed.includes(tab) ? tab : "overview";
}

/** The query for another tab: the tab's own filters (status) go, others stay. */
export function withTab(params: URLSearchParams, tab: EventTab): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("status");
  if (tab === "overview") next.delete("tab");
  else next.set("tab", tab);
  return next;
}

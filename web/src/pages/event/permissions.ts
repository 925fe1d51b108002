// What the signed-in user may do on an event's page. The server decides in the end (403); the
// page hides what would be refused.
//
// GET /events/{id} names no owner yet, so ownership is known directly only for admins (they may
// change any event) and for events that are not shared (a user sees someone else's event only
// when it is shared). For a shared event, the webhooks list answers it: the server lists an
// event's webhooks only to those who may change the event (403 to others), without side effects.
import type { Me } from "@/api/types";

/** The answer of GET /events/{id}/webhooks as far as ownership goes. */
export type OwnershipProbe = "allowed" | "forbidden" | "pending" | "unknown";

export interface EventPermissions {
  /** Start runs, cancel them (not viewers, not read tokens). */
  run: boolean;
  /** Edit, pause/resume, delete, webhooks; null while it is not known yet. */
  change: boolean | null;
  /** Make a copy of it (a new event of one's own). */
  duplicate: boolean;
  /** Read its audit trail (GET /audit is for admins with an admin-scope session or token). */
  audit: boolean;
}

export function eventPermissions(
  me: Pick<Me, "id" | "role" | "scope">,
  event: { shared: boolean; ownerId?: string | null },
  probe: OwnershipProbe,
): EventPermissions {
  const writer = me.role !== "VIEWER" && me.scope !== "read";
  let change: boolean | null;
  if (!writer) change = false;
  else if (me.role === "ADMIN") change = true;
  else if (event.ownerId) change = event.ownerId === me.id;
  else if (!event.shared) change = true;
  else if (probe === "pending") change = null;
  // "unknown": the probe failed for another reason (an older server without webhooks): show the
  // buttons and let the server say no.
  else change = probe !== "forbidden";
  return { run: writer, change, duplicate: writer, audit: me.role === "ADMIN" && me.scope === "admin" };
}

/** Whether the page needs the probe at all. */
export function needsOwnershipProbe(me: Pick<Me, "role" | "scope">, event: { shared: boolean; ownerId?: string | null }): boolean {
  return me.role === "USER" && me.scope !== "read" && event.shared && !event.ownerId;
}

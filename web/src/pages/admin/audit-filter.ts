// The audit log's filters live in the URL (?actor=&action=&targetType=&targetId=).
import type { AuditFilter } from "@/api/admin";

/** The actions the server writes today (grep MakeAudit / Audit( in src/). */
export const AUDIT_ACTIONS = [
  "auth.login",
  "auth.logout",
  "event.create",
  "event.update",
  "event.delete",
  "event.run",
  "event.reveal_secrets",
  "schedule.set",
  "run.start",
  "run.end",
  "run.cancel",
  "action.fire",
  "action.skipped",
  "action.stopped",
  "workflow.create",
  "workflow.update",
  "workflow.delete",
  "workflow.run",
  "workflow.cancel",
  "workflow.release",
  "webhook.create",
  "webhook.delete",
  "variable.set",
  "variable.delete",
  "token.create",
  "token.revoke",
  "user.create",
  "user.invite",
  "user.accept_invite",
  "user.update",
  "user.password",
  "user.delete",
  "node.drain",
  "node.resume",
  "key.rotate",
];

export const AUDIT_TARGET_TYPES = [
  "event",
  "execution",
  "key",
  "node",
  "token",
  "user",
  "variable",
  "webhook",
  "workflow",
  "workflow_execution",
];

const FIELDS = ["actor", "action", "targetType", "targetId"] as const;

export function readAuditFilter(params: URLSearchParams): AuditFilter {
  const read = (k: string) => (params.get(k) ?? "").trim().slice(0, 64);
  return { actor: read("actor"), action: read("action"), targetType: read("targetType"), targetId: read("targetId") };
}

export function withAuditFilter(params: URLSearchParams, changes: Partial<AuditFilter>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of FIELDS) {
    if (!(key in changes)) continue;
    const value = changes[key];
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

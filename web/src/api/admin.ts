// Admin calls: users, invitations, the audit log, drain/resume and key rotation.
import { api } from "./client";
import type { Page, User, UserRole } from "./types";

const V1 = "/api/v1";

export function listUsers(cursor: string | null, signal?: AbortSignal) {
  return api<Page<User>>(`${V1}/users`, { query: { cursor, limit: 100 }, signal });
}

export interface Invitation {
  user: User;
  inviteToken: string;
  expiresAt: string;
}

export function inviteUser(email: string, role: UserRole) {
  return api<Invitation>(`${V1}/users/invite`, { method: "POST", body: { email, role } });
}

export function updateUser(id: string, fields: { role?: UserRole; status?: "ACTIVE" | "DISABLED" }) {
  return api<User>(`${V1}/users/${encodeURIComponent(id)}`, { method: "PATCH", body: fields });
}

export function deleteUser(id: string) {
  return api<void>(`${V1}/users/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: { type: string; id: string; name: string };
  source: string;
  action: string;
  targetType: string;
  targetId: string;
  outcome: string;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
}

export function listAudit(filter: Partial<AuditFilter>, cursor: string | null, signal?: AbortSignal) {
  return api<Page<AuditEntry>>(`${V1}/audit`, { query: { ...filter, cursor, limit: 50 }, signal });
}

export interface DrainState {
  draining: boolean;
  running: number;
  graceLeftSeconds: number | null;
}

export function drain(graceSeconds: number) {
  return api<DrainState>(`${V1}/admin/drain`, { method: "POST", body: { graceSeconds } });
}

export function resume() {
  return api<DrainState>(`${V1}/admin/resume`, { method: "POST", body: {} });
}

export function rotateKeys() {
  return api<{ rotated: boolean; reencryptedEvents: number }>(`${V1}/admin/keys/rotate`, {
    method: "POST",
    body: {},
  });
}

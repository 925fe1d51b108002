// The signed-in user's own account: profile and API tokens.
import { api } from "./client";
import type { Page, User } from "./types";

const V1 = "/api/v1";

export type TokenScope = "read" | "write" | "admin";

export interface ApiToken {
  id: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewApiToken extends ApiToken {
  /** The secret: in this answer only. */
  token: string;
}

export function updateProfile(fields: { displayName?: string; email?: string }) {
  return api<User>(`${V1}/auth/me`, { method: "PATCH", body: fields });
}

export function listTokens(signal?: AbortSignal) {
  return api<Page<ApiToken>>(`${V1}/tokens`, { signal });
}

export function createToken(body: { name: string; scope: TokenScope; expiresInDays?: number }) {
  return api<NewApiToken>(`${V1}/tokens`, { method: "POST", body });
}

export function revokeToken(id: string) {
  return api<void>(`${V1}/tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** Public: turns an invitation into an account. */
export function acceptInvite(body: { token: string; username: string; password: string; displayName?: string }) {
  return api<User>(`${V1}/auth/invites/accept`, { method: "POST", body, redirectOn401: false });
}

/**
 * The JSON the console shows for one login session (family): the same facts for "My sessions"
 * and the admin search. Never a token or a token hash.
 */
import type { RefreshSession } from '../authority.js';

/** One session as the console's API returns it. */
export interface SessionView {
  id: string;
  subject: string;
  client_id: string | null;
  status: 'active' | 'revoked' | 'expired';
  revoked_reason: string | null;
  created_at: string;
  last_refreshed_at: string | null;
  refresh_count: number;
  expires_at: string;
  scope: string;
  device: { id?: string; userAgent?: string; platform?: string; ip?: string };
  labels: Record<string, string>;
  tags: string[];
  current: boolean;
}

/** The view of a session; `status` and `revokedReason` come from its latest refresh record. */
export function sessionView(s: RefreshSession, currentId: string | undefined, status: SessionView['status'] = 'active', revokedReason?: string): SessionView {
  return {
    id: s.familyId, subject: s.subject, client_id: s.clientId ?? null, status, revoked_reason: revokedReason ?? null,
    created_at: new Date(s.issuedAt).toISOString(),
    last_refreshed_at: s.lastRefreshedAt === undefined ? null : new Date(s.lastRefreshedAt).toISOString(),
    refresh_count: s.refreshCount, expires_at: new Date(Math.min(s.expiresAt, s.familyExpiresAt)).toISOString(),
    scope: (s.scope ?? []).join(' '), device: s.device ?? {}, labels: s.labels ?? {}, tags: s.tags ?? [], current: s.familyId === currentId,
  };
}

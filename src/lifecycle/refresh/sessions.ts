/**
 * Login sessions as the store holds them: each live family has one live refresh record (the one
 * not yet exchanged; a rotation revokes the consumed one with reason `rotated`).
 */
import type { TokenRecord, TokenStore } from '../../store/index.js';
import { familyDataOf, parseRefreshRecordId, sessionFactsOf } from './family.js';
import type { RefreshSession } from './types.js';

/** The session a live refresh record stands for, or undefined for a record not written by a TokenPairIssuer. */
export function sessionOf(record: TokenRecord): RefreshSession | undefined {
  const family = familyDataOf(record);
  const parsed = parseRefreshRecordId(record.id);
  if (family === undefined || parsed === undefined || record.familyId !== parsed.familyId) return undefined;
  const session: RefreshSession = {
    familyId: parsed.familyId,
    subject: record.subject,
    issuedAt: family.loginAt,
    refreshCount: parsed.generation,
    expiresAt: record.expiresAt,
    familyExpiresAt: family.familyExpiresAt,
    ...sessionFactsOf(record),
  };
  if (parsed.generation > 0) session.lastRefreshedAt = record.issuedAt;
  return session;
}

/**
 * Every live session of `subject`, oldest login first. During a rotation in flight a family
 * briefly has two live refresh records; the newer one is reported.
 */
export async function listLiveSessions(store: TokenStore, subject: string, now: number): Promise<RefreshSession[]> {
  const byFamily = new Map<string, RefreshSession>();
  let cursor: string | undefined;
  do {
    const page = await store.list({ subject, kind: 'refresh', status: 'active' }, cursor === undefined ? { limit: 1000 } : { limit: 1000, cursor }, { now });
    for (const record of page.records) {
      const session = sessionOf(record);
      if (session === undefined) continue;
      const seen = byFamily.get(session.familyId);
      if (seen === undefined || seen.refreshCount < session.refreshCount) byFamily.set(session.familyId, session);
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return [...byFamily.values()].sort((a, b) => a.issuedAt - b.issuedAt || (a.familyId < b.familyId ? -1 : 1));
}

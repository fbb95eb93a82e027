/**
 * What every backend writes to its revocation log (or stream) in the same transaction or script
 * as the revocation itself, and what the revocation feed (src/lifecycle/feed/) reads back.
 */
import type { TokenFilter } from './types.js';

/**
 * One revocation. `expiresAt` is when the entry stops mattering (the token's expiry; for a
 * cutoff, the latest expiry among the records it revoked), so readers can forget it. A cutoff
 * revokes every token of the subject (or family) issued at or before `before`.
 */
export type RevocationEntry =
  | { type: 'id'; id: string; expiresAt: number }
  | { type: 'subject'; subject: string; before: number; expiresAt: number }
  | { type: 'family'; familyId: string; before: number; expiresAt: number };

/**
 * The cutoff a `revokeWhere` filter amounts to: a filter naming only a subject (or only a
 * family), optionally with `status: 'active'`, revokes every token of it; any other filter
 * (a kind, a client, tags) revokes a subset and gets per-id entries only.
 * @example cutoffOf({ subject: 'alice' }) // { type: 'subject', key: 'alice' }
 */
export function cutoffOf(filter: TokenFilter): { type: 'subject' | 'family'; key: string } | undefined {
  const named = Object.entries(filter).filter(([name, value]) => value !== undefined && !(name === 'status' && value === 'active'));
  if (named.length !== 1) return undefined;
  const [name, value] = named[0] as [string, unknown];
  if (name === 'subject' && typeof value === 'string') return { type: 'subject', key: value };
  if (name === 'familyId' && typeof value === 'string') return { type: 'family', key: value };
  return undefined;
}

/** The log's encoding of an entry's kind, shared by the SQL backends and the Redis stream. */
export const ENTRY_KIND = { id: 'i', subject: 's', family: 'f' } as const;

/**
 * Builds an entry from its stored parts (`kind` is an {@link ENTRY_KIND} letter). Returns
 * undefined for an unknown kind, so a newer writer's entries are skipped rather than misread.
 */
export function entryFromParts(kind: string, key: string, before: number, expiresAt: number): RevocationEntry | undefined {
  if (kind === ENTRY_KIND.id) return { type: 'id', id: key, expiresAt };
  if (kind === ENTRY_KIND.subject) return { type: 'subject', subject: key, before, expiresAt };
  if (kind === ENTRY_KIND.family) return { type: 'family', familyId: key, before, expiresAt };
  return undefined;
}

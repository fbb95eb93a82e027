/**
 * A full reload from the store itself: every revoked record still within retention, as per-id
 * entries. Used when a feed lost its place (a Redis stream trimmed past the reader).
 */
import type { RevocationEntry, TokenStore } from '../../store/index.js';

/** Every revoked record of `store`, paged through `list({ status: 'revoked' })`. */
export async function revokedEntriesOf(store: TokenStore): Promise<RevocationEntry[]> {
  const out: RevocationEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ status: 'revoked' }, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const r of page.records) out.push({ type: 'id', id: r.id, expiresAt: r.expiresAt });
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

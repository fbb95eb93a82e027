/**
 * Ordered scans for `list` and `count` on Redis: through the subject's index (one script on the
 * subject's slot), the family's, or the global one, in `issuedAt`, `id` order.
 */
import { compareIds, type KeysetPosition } from '../record-codec.js';
import type { TokenFilter, TokenRecord } from '../types.js';
import type { RedisAccess } from './redis-access.js';
import { decodeMember, tagDigest } from './redis-keys.js';
import { recordFromPairs } from './redis-record.js';
import { SUBJECT_RANGE } from './redis-scripts.js';

const SCAN_BATCH = 256;

/** One entry of an ordered index scan. */
interface IndexEntry {
  issuedAt: number;
  id: string;
  record: TokenRecord | undefined;
}

/**
 * Visits records in list order after `after`, through the narrowest index the filter allows.
 * `visit` returns false to stop.
 */
export async function scanRecords(redis: RedisAccess, filter: TokenFilter, after: KeysetPosition | undefined, visit: (record: TokenRecord) => boolean): Promise<void> {
  const min = after === undefined ? '-inf' : String(after.issuedAt);
  for (let offset = 0; ; offset += SCAN_BATCH) {
    const batch = await indexBatch(redis, filter, min, offset);
    for (const entry of batch.entries) {
      if (after !== undefined && entry.issuedAt === after.issuedAt && compareIds(entry.id, after.id) <= 0) continue;
      if (entry.record !== undefined && !visit(entry.record)) return;
    }
    if (batch.size < SCAN_BATCH) return;
  }
}

/** One batch of index entries; `size` counts index members, readable or not. */
async function indexBatch(redis: RedisAccess, filter: TokenFilter, min: string, offset: number): Promise<{ entries: IndexEntry[]; size: number }> {
  const { client, keys } = redis;
  if (filter.subject !== undefined) {
    const s = tagDigest(filter.subject);
    const reply = await redis.eval(SUBJECT_RANGE, [keys.subjectIndex(s)], [keys.recordPrefix(s), min, offset, SCAN_BATCH]) as unknown[];
    const out: IndexEntry[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const id = String(reply[i]);
      const record = recordFromPairs(reply[i + 2]);
      out.push({ id, issuedAt: Number(reply[i + 1]), record: record?.id === id ? record : undefined });
    }
    return { entries: out, size: out.length };
  }
  const key = filter.familyId !== undefined ? keys.familyIndex(filter.familyId) : keys.globalIndex();
  const page = await client.zrange(key, min, '+inf', 'BYSCORE', 'LIMIT', offset, SCAN_BATCH, 'WITHSCORES');
  const entries: Array<{ id: string; s: string; issuedAt: number }> = [];
  for (let i = 0; i + 1 < page.length; i += 2) {
    const member = decodeMember(page[i] as string);
    if (member !== undefined) entries.push({ ...member, issuedAt: Number(page[i + 1]) });
  }
  const records = await Promise.all(entries.map((e) => redis.readRecord(e.s, e.id)));
  return {
    entries: entries.map((e, i) => ({ id: e.id, issuedAt: e.issuedAt, record: records[i] })),
    size: page.length / 2,
  };
}

/** Index members read per round trip when revokeWhere walks a family or the global index. */
const INDEX_BATCH = 500;

/** The ids in a family or global index, grouped by the subject tag they are filed under. */
export async function membersBySubject(redis: RedisAccess, indexKey: string): Promise<Map<string, string[]>> {
  const bySubject = new Map<string, string[]>();
  for (let offset = 0; ; offset += INDEX_BATCH) {
    const members = await redis.client.zrange(indexKey, String(offset), String(offset + INDEX_BATCH - 1));
    for (const raw of members) {
      const member = decodeMember(raw);
      if (member === undefined) continue;
      const ids = bySubject.get(member.s) ?? [];
      ids.push(member.id);
      bySubject.set(member.s, ids);
    }
    if (members.length < INDEX_BATCH) return bySubject;
  }
}

/**
 * Removal of records past retention on Redis. Redis's own TTL removes the record keys; this pass
 * removes what TTL cannot reach: index entries and pointers in other slots.
 */
import type { RedisAccess } from './redis-access.js';
import { decodeMember, encodeHashPointer } from './redis-keys.js';
import { CLEANUP_RECORD, DELETE_IF_EQUAL } from './redis-scripts.js';

const CLEANUP_BATCH = 500;

/** Removes records whose `expiresAt + retentionMs <= now` and everything pointing at them; resolves to how many. */
export async function cleanupExpired(redis: RedisAccess, now: number, retentionMs: number): Promise<number> {
  const threshold = now - retentionMs;
  let removed = 0;
  // Each pass removes what it visits, except records that live on (skipped), so the range shrinks.
  let skip = 0;
  for (;;) {
    const members = await redis.client.zrangebyscore(redis.keys.expiryIndex(), '-inf', String(threshold), 'LIMIT', skip, CLEANUP_BATCH);
    if (members.length === 0) return removed;
    const outcomes = await Promise.all(members.map((raw) => cleanupMember(redis, raw, threshold)));
    for (const outcome of outcomes) {
      if (outcome === 'removed') removed++;
      else if (outcome === 'kept') skip++;
    }
  }
}

/**
 * Removes one record past retention and everything that points at it. A record Redis's own TTL
 * removed already counts as removed too: cleanup removes what is left of it.
 */
async function cleanupMember(redis: RedisAccess, raw: string, threshold: number): Promise<'removed' | 'kept' | 'malformed'> {
  const { client, keys } = redis;
  const dropIndexEntries = (): Promise<unknown> => Promise.all([
    client.zrem(keys.expiryIndex(), raw),
    client.zrem(keys.globalIndex(), raw),
  ]);
  const member = decodeMember(raw);
  if (member === undefined) {
    await dropIndexEntries();
    return 'malformed';
  }
  const reply = await redis.eval(CLEANUP_RECORD, [keys.record(member.s, member.id), keys.subjectIndex(member.s)],
    [member.id, String(threshold)]) as [number, string?, string?];
  if (Number(reply[0]) === 2) return 'kept';
  if (Number(reply[0]) === 1) {
    await Promise.all([
      redis.eval(DELETE_IF_EQUAL, [keys.idPointer(member.id)], [member.s]),
      reply[1] ? redis.eval(DELETE_IF_EQUAL, [keys.hashPointer(reply[1])], [encodeHashPointer(member.s, member.id)]) : undefined,
      reply[2] ? client.zrem(keys.familyIndex(reply[2]), raw) : undefined,
    ]);
  }
  await dropIndexEntries();
  return 'removed';
}

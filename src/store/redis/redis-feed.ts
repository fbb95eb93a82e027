/**
 * Reading the Redis revocation feed stream (see redis-feed-scripts.ts) for the revocation feed.
 */
import type { Redis } from 'ioredis';
import { entryFromParts, type RevocationEntry } from '../revocation-log.js';
import { RedisAccess } from './redis-access.js';
import { RedisKeys, validatePrefix } from './redis-keys.js';
import { READ_FEED } from './redis-feed-scripts.js';

/** One read of the stream: entries after `last` and the id to read from next, or `lost`. */
export type RedisFeedRead =
  | { status: 'ok'; entries: RevocationEntry[]; last: string }
  | { status: 'lost' };

/** The stream key of a store's key prefix (default `cjwt:`). */
export function redisFeedStream(prefix = 'cjwt:'): string {
  return new RedisKeys(validatePrefix(prefix)).feedStream();
}

/**
 * Reads up to `count` entries after stream id `last` (`'0-0'` for the start) in one script that
 * also checks trimming has not passed `last`; `lost` means the caller must reload in full.
 */
export async function readRedisFeed(client: Redis, prefix: string, last: string, count: number): Promise<RedisFeedRead> {
  const keys = new RedisKeys(validatePrefix(prefix));
  const reply = await new RedisAccess(client, keys).eval(READ_FEED, [keys.feedStream()], [last, count]) as unknown[];
  if (reply[0] !== 'ok') return { status: 'lost' };
  const entries: RevocationEntry[] = [];
  let next = last;
  for (const raw of reply.slice(1) as Array<[string, string[]]>) {
    next = raw[0];
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < raw[1].length; i += 2) f[raw[1][i] as string] = raw[1][i + 1] as string;
    const entry = entryFromParts(f.k ?? '', f.v ?? '', Number(f.b), Number(f.e));
    if (entry !== undefined) entries.push(entry);
  }
  return { status: 'ok', entries, last: next };
}

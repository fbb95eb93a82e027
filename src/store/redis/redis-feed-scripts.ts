/**
 * The Redis revocation feed's Lua: a stream `<prefix>{feed}` that every revoking script appends
 * to in the same script as the revocation (atomic on a single server), and the script that
 * reads it while checking that trimming has not passed the reader.
 *
 * Revoking scripts begin with {@link FEED_STUB}, a no-op `feed_revoked`/`feed_cutoff`. On a single
 * server the store runs their {@link withFeed} variant instead, where those functions XADD. A
 * cluster keeps the stub: one script cannot touch the record's slot and the stream's, so the
 * cluster store appends with {@link FEED_APPEND} first and revokes second.
 */
import { createHash } from 'node:crypto';
import type { LuaScript } from './redis-scripts.js';

/** The no-op feed functions every revoking script starts with. */
export const FEED_STUB = `local function feed_revoked(rkey) end
local function feed_cutoff(anykey, kind, key, before, expires) end
`;

// The stream name is derived from a key of the store (everything before its first `{`, i.e. the
// prefix), so no script gains a KEYS or ARGV slot. Entry fields: k kind (i/s/f), v id or subject
// or family, b cutoff time, e expiry.
function feedFunctions(maxLength: number): string {
  return `local function feed_stream(anykey)
  local b = string.find(anykey, '{', 1, true)
  if not b then return nil end
  return string.sub(anykey, 1, b - 1) .. '{feed}'
end
local function feed_revoked(rkey)
  local c = string.find(rkey, '}:r:', 1, true)
  local stream = feed_stream(rkey)
  if not c or not stream then return end
  local v = redis.call('HMGET', rkey, 'e', 'ra')
  redis.call('XADD', stream, 'MAXLEN', '~', ${maxLength}, '*', 'k', 'i', 'v', string.sub(rkey, c + 4), 'b', v[2] or '0', 'e', v[1] or '0')
end
local function feed_cutoff(anykey, kind, key, before, expires)
  local stream = feed_stream(anykey)
  if not stream then return end
  redis.call('XADD', stream, 'MAXLEN', '~', ${maxLength}, '*', 'k', kind, 'v', key, 'b', before, 'e', expires)
end
`;
}

const variants = new Map<string, LuaScript>();

/**
 * The variant of `script` that writes the feed, with the stream capped near `maxLength` entries.
 * Scripts without the stub are returned unchanged.
 */
export function withFeed(script: LuaScript, maxLength: number): LuaScript {
  if (!script.lua.startsWith(FEED_STUB)) return script;
  const cacheKey = `${script.sha}:${maxLength}`;
  let variant = variants.get(cacheKey);
  if (variant === undefined) {
    const lua = feedFunctions(Math.max(1, Math.floor(maxLength))) + script.lua.slice(FEED_STUB.length);
    variant = { name: `${script.name}_feed`, lua, sha: createHash('sha1').update(lua, 'utf8').digest('hex') };
    variants.set(cacheKey, variant);
  }
  return variant;
}

/** Default cap of the feed stream (approximate, as `MAXLEN ~`). */
export const DEFAULT_FEED_MAX_LENGTH = 100_000;

/**
 * KEYS: stream. ARGV: last id read ('0-0' for none), count.
 * Returns {'ok', entries...} (each entry {id, fields}), or {'lost'} when entries after the
 * reader's position may have been trimmed (or the stream vanished or was recreated): the reader
 * must reload in full. A reader's `last` is an entry it read, so "trimmed past me" is exactly
 * "the oldest entry left is newer than mine".
 */
export const READ_FEED: LuaScript = (() => {
  const lua = `
local last = ARGV[1]
local function parse(id)
  local d = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
end
local function greater(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am > bm end
  return as > bs
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  if last == '0-0' then return {'ok'} end
  return {'lost'}
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local f = {}
for i = 1, #info, 2 do f[info[i]] = info[i + 1] end
if greater(last, f['last-generated-id']) then return {'lost'} end
if last == '0-0' then
  if tonumber(f['entries-added']) > tonumber(f['length']) then return {'lost'} end
elseif tonumber(f['length']) == 0 then
  if greater(f['last-generated-id'], last) then return {'lost'} end
elseif greater(f['recorded-first-entry-id'], last) then
  return {'lost'}
end
local out = {'ok'}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', ARGV[2])) do out[#out + 1] = e end
return out
`;
  return { name: 'read_feed', lua, sha: createHash('sha1').update(lua, 'utf8').digest('hex') };
})();

/**
 * Cluster: appends entries to the feed stream before the store revokes (see
 * redis-cluster-scripts.ts). KEYS: stream. ARGV: maxLength, then kind, key, cutoff time, expiry
 * for each entry. Returns how many were appended.
 */
export const FEED_APPEND: LuaScript = (() => {
  const lua = `
for i = 2, #ARGV, 4 do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'k', ARGV[i], 'v', ARGV[i + 1], 'b', ARGV[i + 2], 'e', ARGV[i + 3])
end
return (#ARGV - 1) / 4
`;
  return { name: 'feed_append', lua, sha: createHash('sha1').update(lua, 'utf8').digest('hex') };
})();

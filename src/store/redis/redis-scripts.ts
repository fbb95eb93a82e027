/**
 * The Lua scripts of {@link RedisTokenStore}. Each runs atomically on one cluster slot: every key
 * it declares or derives shares one hash tag (see redis-keys.ts). All caller data arrives as
 * ARGV, never spliced into script text. Scripts compare strings only with `==`/`~=` (byte
 * equality): Lua's `<` uses the server's locale collation.
 */
import { createHash } from 'node:crypto';
import { FEED_STUB } from './redis-feed-scripts.js';

/** A script and its SHA-1, for EVALSHA with an EVAL fallback after a server restart. */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** A script with its SHA-1 computed once. */
export function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua, 'utf8').digest('hex') };
}

// Writes one record hash (ARGV from `at`: id, issuedAt, expireAtMs, then field/value pairs) and
// indexes it in the subject's sorted set, whose TTL grows to its longest-lived member.
// Revocation and consumption are one-way: the new version keeps the `ra`/`rr`/`ca` of the record
// it replaces, read from rkey or, when the record moved from another subject, from `carried`.
// `write_announces` tells, before anything is written, whether the write is a revocation the
// feed has not carried yet, and with which expiry: a record written already revoked, or a
// revoked record rewritten with a later expiry (else mirrors would forget it too early).
export const WRITE_RECORD_FN = `
local carried = nil
local function replaced(rkey)
  return carried or redis.call('HMGET', rkey, 'ra', 'rr', 'ca', 'e')
end
local function write_announces(rkey, at)
  local old = replaced(rkey)
  local revoked, e = old[1], nil
  for i = at + 3, #ARGV - 1, 2 do
    if ARGV[i] == 'ra' then revoked = true elseif ARGV[i] == 'e' then e = ARGV[i + 1] end
  end
  if not revoked or not e then return nil end
  if old[1] and old[4] and tonumber(e) <= tonumber(old[4]) then return nil end
  return e
end
local function write_record(rkey, zkey, at)
  local id = ARGV[at]
  local issued = ARGV[at + 1]
  local expire_at = tonumber(ARGV[at + 2])
  local fields = {}
  for i = at + 3, #ARGV do fields[#fields + 1] = ARGV[i] end
  local announce = write_announces(rkey, at)
  local old = replaced(rkey)
  redis.call('DEL', rkey)
  redis.call('HSET', rkey, unpack(fields))
  if old[1] then
    redis.call('HDEL', rkey, 'rr')
    if old[2] then redis.call('HSET', rkey, 'ra', old[1], 'rr', old[2]) else redis.call('HSET', rkey, 'ra', old[1]) end
  end
  if old[3] then redis.call('HSET', rkey, 'ca', old[3]) end
  if announce then feed_revoked(rkey) end
  redis.call('PEXPIREAT', rkey, expire_at)
  redis.call('ZADD', zkey, issued, id)
  local cur = redis.call('PEXPIRETIME', zkey)
  if cur >= 0 and cur < expire_at then redis.call('PEXPIREAT', zkey, expire_at)
  elseif cur == -1 then redis.call('PEXPIREAT', zkey, expire_at) end
end
`;

/** KEYS: record, subject index. ARGV: id. Deletes the record; returns its HGETALL (empty if none). */
export const DELETE_RECORD = script('delete_record', `
local all = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return all
`);

// Revokes the record at rkey unless it is missing or revoked already.
const REVOKE_FN = `
local function revoke_one(rkey, now, has_reason, reason)
  if redis.call('EXISTS', rkey) == 0 then return {'N'} end
  local ra = redis.call('HGET', rkey, 'ra')
  if ra then return {'A', ra} end
  if has_reason == '1' then redis.call('HSET', rkey, 'ra', now, 'rr', reason)
  else redis.call('HSET', rkey, 'ra', now) end
  feed_revoked(rkey)
  return {'R', now}
end
`;

// Marks the record at rkey consumed unless it is missing, has another hash, or was used,
// revoked or expired (checked in consumeRefusal's order).
const CONSUME_FN = `
local function consume(rkey, hash, now)
  local h = redis.call('HGET', rkey, 'h')
  if h ~= hash then return {'N', {}} end
  local v = redis.call('HMGET', rkey, 'ca', 'ra', 'e')
  if v[1] then return {'C', redis.call('HGETALL', rkey)} end
  if v[2] then return {'R', redis.call('HGETALL', rkey)} end
  if tonumber(v[3]) <= tonumber(now) then return {'E', redis.call('HGETALL', rkey)} end
  redis.call('HSET', rkey, 'ca', now)
  return {'OK', redis.call('HGETALL', rkey)}
end
`;

// Resolves a pointer key to the record key it names (nil when absent or malformed). Used only
// on standalone servers: the record lives in another slot than the pointer.
const POINTER_FN = `
local function pointed_record(pkey, mode, prefix, id)
  local p = redis.call('GET', pkey)
  if not p then return nil end
  if mode == 'i' then
    if #p ~= 43 then return nil end
    return prefix .. '{s:' .. p .. '}:r:' .. id
  end
  if #p <= 43 then return nil end
  return prefix .. '{s:' .. string.sub(p, 1, 43) .. '}:r:' .. string.sub(p, 44)
end
`;

/** Standalone only. KEYS: id pointer. ARGV: key prefix, id, now, hasReason, reason. As REVOKE_ONE. */
export const REVOKE_VIA_POINTER = script('revoke_via_pointer', `${FEED_STUB}${REVOKE_FN}${POINTER_FN}
local rkey = pointed_record(KEYS[1], 'i', ARGV[1], ARGV[2])
if not rkey then return {'N'} end
return revoke_one(rkey, ARGV[3], ARGV[4], ARGV[5])
`);

/**
 * KEYS: record. ARGV: token hash, now.
 * Returns {status, HGETALL}: 'N' not found (or the record no longer has this hash), 'C' already
 * consumed, 'R' revoked, 'E' expired, 'OK' consumed now.
 */
export const CONSUME = script('consume', `${CONSUME_FN}
return consume(KEYS[1], ARGV[1], ARGV[2])
`);

/** Standalone only. KEYS: hash pointer. ARGV: key prefix, token hash, now. As CONSUME. */
export const CONSUME_VIA_POINTER = script('consume_via_pointer', `${CONSUME_FN}${POINTER_FN}
local rkey = pointed_record(KEYS[1], 'h', ARGV[1], '')
if not rkey then return {'N', {}} end
return consume(rkey, ARGV[2], ARGV[3])
`);

// The subject's live records of `kind` other than `id`, oldest first (the zset order is
// issuedAt, then id bytes). Prunes index members whose record Redis already expired.
export const LIVE_SESSIONS_FN = `
local function live_sessions(zkey, rprefix, id, kind, now)
  local live = {}
  for _, m in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do
    if m ~= id then
      local v = redis.call('HMGET', rprefix .. m, 'k', 'e', 'ra')
      if not v[2] then redis.call('ZREM', zkey, m)
      elseif v[1] == kind and not v[3] and tonumber(v[2]) > now then live[#live + 1] = m end
    end
  end
  return live
end
local function evict(rprefix, live, max, now_s)
  local evicted = {}
  for i = 1, #live - max + 1 do
    redis.call('HSET', rprefix .. live[i], 'ra', now_s, 'rr', 'session_limit')
    feed_revoked(rprefix .. live[i])
    evicted[#evicted + 1] = live[i]
  end
  return evicted
end
`;

// Standalone servers only: everything a write needs besides the record, in the same script, so a
// write is one round trip and the hash-uniqueness check cannot race.
// KEYS: 1 record, 2 subject index, 3 id pointer, 4 global index, 5 expiry index, 6 hash pointer
// (KEYS[3] when none), 7 family index (KEYS[3] when none).
// ARGV: 1 key prefix, 2 subject tag, 3 index member, 4 member prefix of this id (append a subject
// tag), 5 token hash or '', 6 hash pointer value, 7 has family ('1'/'0'), 8 expiresAt,
// 9 kind, 10 now, 11 max, 12 policy (addSession only), 13.. write_record (id, issuedAt, expireAtMs, fields).
const PREPARE_LOCAL_FN = `
local function prepare_local()
  local prefix, s, id, issued, expire_at = ARGV[1], ARGV[2], ARGV[13], ARGV[14], ARGV[15]
  if ARGV[5] ~= '' then
    local cur = redis.call('GET', KEYS[6])
    if cur and #cur > 43 and string.sub(cur, 44) ~= id then
      local other = prefix .. '{s:' .. string.sub(cur, 1, 43) .. '}:r:' .. string.sub(cur, 44)
      if redis.call('HGET', other, 'h') == ARGV[5] then return false end
    end
    redis.call('SET', KEYS[6], ARGV[6], 'PXAT', expire_at)
  end
  local old = redis.call('SET', KEYS[3], s, 'PXAT', expire_at, 'GET')
  if old and old ~= s then
    carried = redis.call('HMGET', prefix .. '{s:' .. old .. '}:r:' .. id, 'ra', 'rr', 'ca', 'e')
    redis.call('DEL', prefix .. '{s:' .. old .. '}:r:' .. id)
    redis.call('ZREM', prefix .. '{s:' .. old .. '}:z', id)
    redis.call('ZREM', KEYS[4], ARGV[4] .. old)
    redis.call('ZREM', KEYS[5], ARGV[4] .. old)
  end
  redis.call('ZADD', KEYS[4], issued, ARGV[3])
  redis.call('ZADD', KEYS[5], ARGV[8], ARGV[3])
  if ARGV[7] == '1' then
    redis.call('ZADD', KEYS[7], issued, ARGV[3])
    local cur = redis.call('PEXPIRETIME', KEYS[7])
    if cur == -1 or cur < tonumber(expire_at) then redis.call('PEXPIREAT', KEYS[7], expire_at) end
  end
  return true
end
`;

/** Standalone only: the whole put in one script. Returns 1, or 0 when another record has the hash. */
export const PUT_LOCAL = script('put_local', `${FEED_STUB}${WRITE_RECORD_FN}${PREPARE_LOCAL_FN}
if not prepare_local() then return 0 end
write_record(KEYS[1], KEYS[2], 13)
return 1
`);

/**
 * Standalone only: the whole addSession in one script; the limit is checked before anything is
 * written. Returns {0, live} rejected, {-1} hash conflict, {1, evicted ids...} added.
 */
export const ADD_SESSION_LOCAL = script('add_session_local', `${FEED_STUB}${WRITE_RECORD_FN}${LIVE_SESSIONS_FN}${PREPARE_LOCAL_FN}
local rprefix = ARGV[1] .. '{s:' .. ARGV[2] .. '}:r:'
local now, max = tonumber(ARGV[10]), tonumber(ARGV[11])
local live = live_sessions(KEYS[2], rprefix, ARGV[13], ARGV[9], now)
if #live >= max and ARGV[12] == 'reject' then return {0, #live} end
if not prepare_local() then return {-1} end
local evicted = {}
if #live >= max then evicted = evict(rprefix, live, max, ARGV[10]) end
write_record(KEYS[1], KEYS[2], 13)
local out = {1}
for _, e in ipairs(evicted) do out[#out + 1] = e end
return out
`);

// Whether a record matches a revokeWhere filter (the meaning of matchesFilter) and is not yet
// revoked. `v` is HMGET of MATCH_FIELDS, `flt` the decoded filter JSON.
export const MATCH_FN = `
local function has(list, x)
  for _, y in ipairs(list) do if y == x then return true end end
  return false
end
local function matches(flt, now, v)
  if v[4] then return false end
  local expired = tonumber(v[3]) <= now
  if flt.status == 'revoked' then return false end
  if flt.status == 'active' and expired then return false end
  if flt.status == 'expired' and not expired then return false end
  if flt.subject ~= nil and v[1] ~= flt.subject then return false end
  if flt.kind ~= nil and v[2] ~= flt.kind then return false end
  if flt.clientId ~= nil and v[5] ~= flt.clientId then return false end
  if flt.familyId ~= nil and v[6] ~= flt.familyId then return false end
  if flt.deviceId ~= nil and v[7] ~= flt.deviceId then return false end
  if flt.tags ~= nil and #flt.tags > 0 then
    if not v[8] then return false end
    local tags = cjson.decode(v[8])
    for _, t in ipairs(flt.tags) do if not has(tags, t) then return false end end
  end
  if flt.labels ~= nil and next(flt.labels) ~= nil then
    if not v[9] then return false end
    local labels = cjson.decode(v[9])
    for k, want in pairs(flt.labels) do if labels[k] ~= want then return false end end
  end
  return true
end
`;

/** The record fields {@link MATCH_FN} reads, in its order. */
export const MATCH_FIELDS = "'s', 'k', 'e', 'ra', 'c', 'f', 'd', 't', 'l'";

/**
 * KEYS: subject index. ARGV: record key prefix, now, hasReason, reason, filter JSON, mode
 * ('all': every member of the subject index; 'ids': the ids that follow).
 * Revokes every not-yet-revoked record matching the filter (the meaning of matchesFilter);
 * returns how many.
 */
export const REVOKE_WHERE = script('revoke_where', `${FEED_STUB}${MATCH_FN}
local zkey, prefix = KEYS[1], ARGV[1]
local now_s = ARGV[2]
local now = tonumber(now_s)
local has_reason, reason = ARGV[3] == '1', ARGV[4]
local flt = cjson.decode(ARGV[5])
local ids
if ARGV[6] == 'all' then ids = redis.call('ZRANGE', zkey, 0, -1)
else ids = {} for i = 7, #ARGV do ids[#ids + 1] = ARGV[i] end end
local count = 0
local latest = now
for _, id in ipairs(ids) do
  local rkey = prefix .. id
  local v = redis.call('HMGET', rkey, ${MATCH_FIELDS})
  if not v[3] then
    if ARGV[6] == 'all' then redis.call('ZREM', zkey, id) end
  elseif matches(flt, now, v) then
    if has_reason then redis.call('HSET', rkey, 'ra', now_s, 'rr', reason)
    else redis.call('HSET', rkey, 'ra', now_s) end
    feed_revoked(rkey)
    if tonumber(v[3]) > latest then latest = tonumber(v[3]) end
    count = count + 1
  end
end
-- A filter naming only a subject or only a family (status 'active' aside) is a cutoff entry.
local named, only = 0, nil
for k, val in pairs(flt) do
  if not (k == 'status' and val == 'active') then named = named + 1; only = k end
end
if named == 1 and only == 'subject' and type(flt.subject) == 'string' then feed_cutoff(zkey, 's', flt.subject, now_s, string.format('%d', latest))
elseif named == 1 and only == 'familyId' and type(flt.familyId) == 'string' then feed_cutoff(zkey, 'f', flt.familyId, now_s, string.format('%d', latest)) end
return count
`);

/**
 * KEYS: subject index. ARGV: record key prefix, min score, offset, count.
 * One page of the subject index in list order: {id, score, HGETALL, id, score, HGETALL, ...}.
 */
export const SUBJECT_RANGE = script('subject_range', `
local page = redis.call('ZRANGE', KEYS[1], ARGV[2], '+inf', 'BYSCORE', 'LIMIT', ARGV[3], ARGV[4], 'WITHSCORES')
local out = {}
for i = 1, #page, 2 do
  out[#out + 1] = page[i]
  out[#out + 1] = page[i + 1]
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. page[i])
end
return out
`);

/**
 * KEYS: record, subject index. ARGV: id, threshold (now - retention).
 * Returns {1, hash, familyId} when it deleted a record past retention, {0} when the record was
 * already gone, {2} when it lives on (replaced with a later expiry).
 */
export const CLEANUP_RECORD = script('cleanup_record', `
local v = redis.call('HMGET', KEYS[1], 'e', 'h', 'f')
if not v[1] then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {0}
end
if tonumber(v[1]) > tonumber(ARGV[2]) then return {2} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return {1, v[2] or '', v[3] or ''}
`);

/** KEYS: key. ARGV: expected value. Deletes the key only while it holds that value. */
export const DELETE_IF_EQUAL = script('delete_if_equal', `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Standalone servers only (keys of several slots). KEYS: pointers, one per read. ARGV: key
 * prefix, then for each read its mode ('i' id pointer, 'h' hash pointer) and id (mode 'i'; ''
 * otherwise). Follows each pointer to its record and returns, per read, HMGET of `j`, `ra`,
 * `rr`, `ca` (an empty list when there is no record): a third of HGETALL's reply, which is most
 * of a lookup's client-side cost. A stale hash pointer may lead to a record with another hash
 * now: the caller checks.
 */
export const READ_POINTED = script('read_pointed', `${POINTER_FN}
local out = {}
for i = 1, #KEYS do
  local rkey = pointed_record(KEYS[i], ARGV[2 * i], ARGV[1], ARGV[2 * i + 1])
  if rkey then out[i] = redis.call('HMGET', rkey, 'j', 'ra', 'rr', 'ca') else out[i] = {} end
end
return out
`);

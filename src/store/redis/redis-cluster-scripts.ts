/**
 * The Lua scripts only a Redis Cluster store runs: the record write and session insert of a
 * store that goes slot by slot, the pointer and index steps around them, and the revoking
 * scripts of the cluster's feed-first protocol.
 *
 * Feed first: on a cluster one script cannot write the record's slot and the feed stream's, so
 * the store appends the feed entry before it revokes. Each revoking script here takes the list
 * of revocations already in the feed (id and the expiry it was logged with) and revokes nothing
 * unless every record it is about to revoke is in that list with an expiry at least the
 * record's; otherwise it writes nothing and returns what must be logged first. A crash between
 * the two steps therefore leaves a feed entry for a token not yet revoked (mirrors refuse it,
 * the safe side), never a revocation the feed does not carry. A logged count of -1 means the
 * store has no feed: the scripts then revoke without checking.
 */
import { FEED_STUB } from './redis-feed-scripts.js';
import { LIVE_SESSIONS_FN, MATCH_FIELDS, MATCH_FN, WRITE_RECORD_FN, script, type LuaScript } from './redis-scripts.js';

// Reads the logged list at ARGV[at] (a count, then id and expiry pairs) into `logged`; returns
// the index after it. `unlogged` appends id and expiry to `out` unless the feed already carries
// that id with an expiry at least `e`.
const LOGGED_FN = `
local logged = nil
local function read_logged(at)
  local n = tonumber(ARGV[at])
  if n < 0 then return at + 1 end
  logged = {}
  for i = at + 1, at + 2 * n, 2 do logged[ARGV[i]] = tonumber(ARGV[i + 1]) end
  return at + 1 + 2 * n
end
local function unlogged(id, e, out)
  if logged == nil then return end
  local l = logged[id]
  if l == nil or tonumber(e) > l then
    out[#out + 1] = id
    out[#out + 1] = e
  end
end
`;

/**
 * KEYS: record, subject index. ARGV: the logged list, then id, issuedAt, expireAtMs, field,
 * value, ... Returns {'OK'}, or {'L', id, expiry} when the write revokes (a record written
 * revoked, or a revoked one whose expiry grows) and the feed does not carry that yet.
 */
export const WRITE_RECORD: LuaScript = script('write_record', `${FEED_STUB}${WRITE_RECORD_FN}${LOGGED_FN}
local at = read_logged(1)
local missing = {'L'}
local announce = write_announces(KEYS[1], at)
if announce then unlogged(ARGV[at], announce, missing) end
if #missing > 1 then return missing end
write_record(KEYS[1], KEYS[2], at)
return {'OK'}
`);

/**
 * KEYS: record. ARGV: now, hasReason ('1'/'0'), reason, id, then the logged list (count, id, expiry).
 * Returns {'N'} not found, {'A', revokedAt} already revoked, {'L', expiresAt} not revoked because
 * the feed does not carry it yet (log it with that expiry, then call again), {'R', now} revoked.
 */
export const REVOKE_LOGGED: LuaScript = script('revoke_logged', `${LOGGED_FN}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'N'} end
local v = redis.call('HMGET', KEYS[1], 'ra', 'e')
if v[1] then return {'A', v[1]} end
read_logged(5)
local missing = {'L'}
unlogged(ARGV[4], v[2], missing)
if #missing > 1 then return {'L', missing[3]} end
if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'ra', ARGV[1], 'rr', ARGV[3])
else redis.call('HSET', KEYS[1], 'ra', ARGV[1]) end
return {'R', ARGV[1]}
`);

// Eviction claims (addSession on a cluster): the hash `ckey` maps a session chosen for eviction
// to `deadline:claimer`. A claimer logs its victims, then evicts them; meanwhile racing calls
// leave them alone (they count them, as the claimer's new session will replace them) and pick
// others, so each call's logged victims stay its own. A claim past its deadline (a claimer
// that crashed or gave up) is void. `choose_victims` returns nil when every candidate is
// claimed by others (wait and call again).
const CLAIMS_FN = `
local function choose_victims(ckey, prefix, live, need, claimer, lease_ms)
  local t = redis.call('TIME')
  local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local mine, taken = {}, {}
  for _, m in ipairs(live) do
    local c = redis.call('HGET', ckey, m)
    if c then
      local sep = string.find(c, ':', 1, true)
      if string.sub(c, sep + 1) == claimer then mine[#mine + 1] = m
      elseif tonumber(string.sub(c, 1, sep - 1)) > clock then taken[m] = true end
    end
  end
  local victims, chosen = {}, {}
  for _, m in ipairs(mine) do victims[#victims + 1] = m; chosen[m] = true end
  for _, m in ipairs(live) do
    if #victims >= need then break end
    if not chosen[m] and not taken[m] then victims[#victims + 1] = m end
  end
  if #victims < need then return nil end
  local claim = string.format('%d', clock + lease_ms) .. ':' .. claimer
  for _, m in ipairs(victims) do redis.call('HSET', ckey, m, claim) end
  if redis.call('PTTL', ckey) < lease_ms then redis.call('PEXPIRE', ckey, lease_ms) end
  return victims
end
`;

/**
 * KEYS: subject index, new record, eviction claims. ARGV: record key prefix, id, kind, now,
 * max, policy, claimer (unique per call), claim lease ms, the logged list (count, id,
 * expiry...), then the write_record arguments (id, issuedAt, expireAtMs, fields...).
 * Counts the subject's live records of this kind, applies the policy, writes the record.
 * Returns {0, live, existed} when rejected, {1, existed, evicted ids...} when added, {2, existed,
 * id, expiry, ...} when sessions to evict (or the new record, written revoked) are not in the
 * feed yet, {3, existed} when every session it could evict is claimed by a racing call. Only
 * claims are written unless it returns 0 or 1. Its victims are what it claimed in earlier rounds
 * (logged, so evicted whatever changed since), then the oldest unclaimed sessions as needed.
 */
export const ADD_SESSION: LuaScript = script('add_session', `${FEED_STUB}${WRITE_RECORD_FN}${LIVE_SESSIONS_FN}${LOGGED_FN}${CLAIMS_FN}
local prefix, id, kind = ARGV[1], ARGV[2], ARGV[3]
local now, max = tonumber(ARGV[4]), tonumber(ARGV[5])
local at = read_logged(9)
local existed = redis.call('EXISTS', KEYS[2])
local live = live_sessions(KEYS[1], prefix, id, kind, now)
if #live >= max and ARGV[6] == 'reject' then return {0, #live, existed} end
local missing = {2, existed}
local announce = write_announces(KEYS[2], at)
if announce then unlogged(id, announce, missing) end
local victims = {}
if #live >= max then
  victims = choose_victims(KEYS[3], prefix, live, #live - max + 1, ARGV[7], tonumber(ARGV[8]))
  if victims == nil then return {3, existed} end
  for _, m in ipairs(victims) do unlogged(m, redis.call('HGET', prefix .. m, 'e'), missing) end
end
if #missing > 2 then return missing end
for _, m in ipairs(victims) do
  redis.call('HSET', prefix .. m, 'ra', ARGV[4], 'rr', 'session_limit')
  redis.call('HDEL', KEYS[3], m)
end
write_record(KEYS[2], KEYS[1], at)
local out = {1, existed}
for _, m in ipairs(victims) do out[#out + 1] = m end
return out
`);

/**
 * KEYS: subject index. ARGV: record key prefix, now, hasReason, reason, filter JSON, mode ('all':
 * every member of the subject index; 'ids': the ids after the logged list), the logged list.
 * Revokes every not-yet-revoked record matching the filter, all or none: returns {'R', count},
 * or {'L', id, expiry, ...} when some match is not in the feed yet (nothing revoked). A record an
 * earlier round logged is revoked even if it stopped matching meanwhile (the feed announced it),
 * unless it is gone or revoked already.
 */
export const REVOKE_WHERE_LOGGED: LuaScript = script('revoke_where_logged', `${MATCH_FN}${LOGGED_FN}
local zkey, prefix = KEYS[1], ARGV[1]
local now_s = ARGV[2]
local now = tonumber(now_s)
local flt = cjson.decode(ARGV[5])
local at = read_logged(7)
local ids
if ARGV[6] == 'all' then ids = redis.call('ZRANGE', zkey, 0, -1)
else ids = {} for i = at, #ARGV do ids[#ids + 1] = ARGV[i] end end
local hits, missing = {}, {'L'}
for _, id in ipairs(ids) do
  local rkey = prefix .. id
  local v = redis.call('HMGET', rkey, ${MATCH_FIELDS})
  if not v[3] then
    if ARGV[6] == 'all' then redis.call('ZREM', zkey, id) end
  elseif matches(flt, now, v) then
    hits[#hits + 1] = rkey
    unlogged(id, v[3], missing)
  elseif logged ~= nil and logged[id] ~= nil and not v[4] then
    hits[#hits + 1] = rkey
    unlogged(id, v[3], missing)
  end
end
if #missing > 1 then return missing end
for _, rkey in ipairs(hits) do
  if ARGV[3] == '1' then redis.call('HSET', rkey, 'ra', now_s, 'rr', ARGV[4])
  else redis.call('HSET', rkey, 'ra', now_s) end
end
return {'R', #hits}
`);

/**
 * KEYS: global index, expiry index. ARGV: member, issuedAt, expiresAt.
 */
export const INDEX_ADD: LuaScript = script('index_add', `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`);

/** KEYS: sorted set. ARGV: score, member, expireAtMs. ZADD, then grow the key's TTL to expireAtMs. */
export const ZADD_GROW: LuaScript = script('zadd_grow', `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local at = tonumber(ARGV[3])
local cur = redis.call('PEXPIRETIME', KEYS[1])
if cur == -1 or (cur >= 0 and cur < at) then redis.call('PEXPIREAT', KEYS[1], at) end
return 1
`);

/**
 * Cluster only. KEYS: hash pointer, its claim lease. ARGV: value (S..id), id length, expireAtMs,
 * expected ('' = claim), leaseMs.
 * Claim: sets the pointer when it is free or names the same id; otherwise returns the holder.
 * With `expected`: replaces the pointer only if it still holds `expected` (a holder whose record
 * is gone or carries another hash now) and no other claim is in flight; returns 'L' when one is.
 * A successful claim takes the lease for leaseMs: until then the claimer may still be writing its
 * record in another slot, so a missing record does not yet make its pointer stale.
 */
export const CLAIM_HASH: LuaScript = script('claim_hash', `
local cur = redis.call('GET', KEYS[1])
local ok
if ARGV[4] ~= '' then
  ok = (cur == ARGV[4])
  if ok then
    local lease = redis.call('GET', KEYS[2])
    if lease and lease ~= ARGV[1] then return 'L' end
  end
else ok = (not cur) or cur == ARGV[1] or (#cur == #ARGV[1] and string.sub(cur, 44) == string.sub(ARGV[1], 44)) end
if ok then
  -- Only gains time: a rewrite with a shorter expiry (perhaps one later refused) must not cut
  -- short the pointer of the record still stored.
  local at = tonumber(ARGV[3])
  local t = redis.call('PEXPIRETIME', KEYS[1])
  if t > at then at = t end
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', at)
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
  return false
end
return cur
`);

/**
 * KEYS: id pointer. ARGV: value, expireAtMs. SET ... GET whose expiry only grows: a write that
 * is then refused (addSession over its limit) or carries a shorter expiry never shortens the
 * pointer of the record still stored. Returns the previous value.
 */
export const SET_GROW: LuaScript = script('set_grow', `
local at = tonumber(ARGV[2])
local cur = redis.call('PEXPIRETIME', KEYS[1])
if cur > at then at = cur end
return redis.call('SET', KEYS[1], ARGV[1], 'PXAT', at, 'GET')
`);

/**
 * Cluster only, after a record moved to another subject: gives the new version the revocation
 * and consumption of the version it replaced, unless it has its own. KEYS: record. ARGV:
 * revokedAt ('' none), hasReason ('1'/'0'), reason, consumedAt ('' none).
 */
export const KEEP_LIFECYCLE: LuaScript = script('keep_lifecycle', `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' and not redis.call('HGET', KEYS[1], 'ra') then
  redis.call('HDEL', KEYS[1], 'rr')
  if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'ra', ARGV[1], 'rr', ARGV[3]) else redis.call('HSET', KEYS[1], 'ra', ARGV[1]) end
end
if ARGV[4] ~= '' and not redis.call('HGET', KEYS[1], 'ca') then redis.call('HSET', KEYS[1], 'ca', ARGV[4]) end
return 1
`);

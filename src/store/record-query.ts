/**
 * The meaning of a filter, a status and a page, written once so every backend agrees: backends
 * that cannot express a condition in their query language narrow with an index and finish with
 * {@link matchesFilter}; backends that page in memory use {@link pageOf}.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import type { ConsumeResult, TokenFilter, TokenPageResult, TokenRecord, TokenStatus } from './types.js';

/** Default page size of `list`. */
export const DEFAULT_PAGE_LIMIT = 100;
/** Largest page `list` returns, whatever the caller asks. */
export const MAX_PAGE_LIMIT = 1000;

/**
 * Status of a record at `now`: revoked wins over expired.
 * @example recordStatus({ ...r, expiresAt: 10 }, 20) // 'expired'
 */
export function recordStatus(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, now: number): TokenStatus {
  if (record.revokedAt !== undefined) return 'revoked';
  return record.expiresAt <= now ? 'expired' : 'active';
}

/** True when the record is neither revoked nor expired at `now`. */
export function isLive(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, now: number): boolean {
  return record.revokedAt === undefined && record.expiresAt > now;
}

/** True when the record satisfies every condition of the filter at `now` (exact string matches). */
export function matchesFilter(record: TokenRecord, filter: TokenFilter, now: number): boolean {
  if (filter.subject !== undefined && record.subject !== filter.subject) return false;
  if (filter.clientId !== undefined && record.clientId !== filter.clientId) return false;
  if (filter.kind !== undefined && record.kind !== filter.kind) return false;
  if (filter.familyId !== undefined && record.familyId !== filter.familyId) return false;
  if (filter.deviceId !== undefined && record.device?.id !== filter.deviceId) return false;
  if (filter.status !== undefined && recordStatus(record, now) !== filter.status) return false;
  if (filter.tags !== undefined && filter.tags.length > 0) {
    const tags = record.tags;
    if (tags === undefined) return false;
    for (const tag of filter.tags) if (!tags.includes(tag)) return false;
  }
  if (filter.labels !== undefined) {
    const labels = record.labels;
    for (const key of Object.keys(filter.labels)) {
      if (labels === undefined || !Object.hasOwn(labels, key) || labels[key] !== filter.labels[key]) return false;
    }
  }
  return true;
}

/** True when the filter has conditions beyond plain column equality and status (tags, labels). */
export function filterNeedsRecordCheck(filter: TokenFilter): boolean {
  return (filter.tags !== undefined && filter.tags.length > 0) ||
    (filter.labels !== undefined && Object.keys(filter.labels).length > 0);
}

const STATUSES: ReadonlySet<string> = new Set(['active', 'revoked', 'expired']);
const FILTER_STRINGS = ['subject', 'clientId', 'kind', 'familyId', 'deviceId'] as const;

/** Throws {@link StoreInputInvalid} unless the filter is well formed. */
export function validateFilter(filter: TokenFilter): void {
  if (filter === null || typeof filter !== 'object') throw new StoreInputInvalid('filter must be an object');
  for (const field of FILTER_STRINGS) {
    const value = filter[field];
    if (value !== undefined && typeof value !== 'string') throw new StoreInputInvalid(`filter.${field} must be a string`);
  }
  if (filter.status !== undefined && !STATUSES.has(filter.status)) {
    throw new StoreInputInvalid('filter.status must be active, revoked or expired');
  }
  if (filter.tags !== undefined && (!Array.isArray(filter.tags) || filter.tags.some((t) => typeof t !== 'string'))) {
    throw new StoreInputInvalid('filter.tags must be an array of strings');
  }
  if (filter.labels !== undefined) {
    if (filter.labels === null || typeof filter.labels !== 'object' || Array.isArray(filter.labels) ||
      Object.values(filter.labels).some((v) => typeof v !== 'string')) {
      throw new StoreInputInvalid('filter.labels must map strings to strings');
    }
  }
}

/**
 * Orders two strings by Unicode code point, which is also the order of their UTF-8 bytes: the
 * order SQL backends give binary/`C`-collated columns. Plain `<` compares UTF-16 code units and
 * would put U+FFFD before an emoji.
 */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (D800-DFFF) encode code points above FFFF, so they must rank after E000-FFFF.
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Position of a record in list order. */
export interface KeysetPosition {
  issuedAt: number;
  id: string;
}

/** List order: `issuedAt` ascending, then `id` by code point. */
export function compareRecords(a: KeysetPosition, b: KeysetPosition): number {
  return a.issuedAt - b.issuedAt || compareIds(a.id, b.id);
}

/**
 * Encodes the position of the last record of a page as an opaque cursor (base64url JSON).
 * @example decodeCursor(encodeCursor({ issuedAt: 1, id: 'a' })) // { issuedAt: 1, id: 'a' }
 */
export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.issuedAt, position.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; anything else throws {@link StoreInputInvalid}. */
export function decodeCursor(cursor: string): KeysetPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new StoreInputInvalid('invalid cursor');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new StoreInputInvalid('invalid cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'number' ||
    !Number.isFinite(parsed[0]) || typeof parsed[1] !== 'string') {
    throw new StoreInputInvalid('invalid cursor');
  }
  return { issuedAt: parsed[0], id: parsed[1] };
}

/**
 * The page size to use: 100 when absent, at most 1000; not a positive number throws.
 * @example normalizeLimit(undefined) // 100
 */
export function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 1) {
    throw new StoreInputInvalid('page limit must be a positive number');
  }
  return Math.min(Math.floor(limit), MAX_PAGE_LIMIT);
}

/**
 * One page out of records that already match the filter, in any order: sorts a copy, skips up
 * to the cursor, and sets `nextCursor` only when more records follow.
 */
export function pageOf(matching: Iterable<TokenRecord>, page: { limit?: number; cursor?: string } = {}): TokenPageResult {
  const limit = normalizeLimit(page.limit);
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const sorted = (after === undefined ? [...matching] : [...matching].filter((r) => compareRecords(r, after) > 0))
    .sort(compareRecords);
  return pageFromSorted(sorted, limit);
}

/**
 * Builds a page from up to `limit + 1` sorted records (the extra one only proves that a next
 * page exists), for backends that fetch `limit + 1` rows after the cursor.
 */
export function pageFromSorted(sorted: TokenRecord[], limit: number): TokenPageResult {
  if (sorted.length <= limit) return { records: sorted };
  const records = sorted.slice(0, limit);
  const last = records[records.length - 1] as TokenRecord;
  return { records, nextCursor: encodeCursor(last) };
}

/**
 * Why a found record cannot be consumed at `now`, or undefined when it can. A record used
 * before reports `already_consumed` even when since revoked or expired, so refresh-token reuse
 * is always recognisable.
 */
export function consumeRefusal(record: TokenRecord, now: number): ConsumeResult | undefined {
  if (record.consumedAt !== undefined) {
    return { consumed: false, reason: 'already_consumed', consumedAt: record.consumedAt, record };
  }
  if (record.revokedAt !== undefined) return { consumed: false, reason: 'revoked', record };
  if (record.expiresAt <= now) return { consumed: false, reason: 'expired', record };
  return undefined;
}

/**
 * Which live sessions `evict-oldest` revokes so that one slot is free under `max`: the oldest by
 * list order. `live` may be in any order.
 */
export function sessionsToEvict<T extends KeysetPosition>(live: T[], max: number): T[] {
  const excess = live.length - max + 1;
  if (excess <= 0) return [];
  return [...live].sort(compareRecords).slice(0, excess);
}

/** Throws {@link StoreInputInvalid} unless `max` is a positive integer and the policy is known. */
export function validateSessionLimit(max: number, policy: string): void {
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    throw new StoreInputInvalid('max sessions must be a positive integer');
  }
  if (policy !== 'reject' && policy !== 'evict-oldest') {
    throw new StoreInputInvalid('session limit policy must be reject or evict-oldest');
  }
}

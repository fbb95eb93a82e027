/**
 * Record encoding, filter matching and cursors as {@link MySqlTokenStore} uses them.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import type { TokenFilter, TokenRecord } from './types.js';
import { withoutLifecycleFields } from './mysql-row.js';

function assertString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new StoreInputInvalid(`${name} must be a string`);
}

function assertTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new StoreInputInvalid(`${name} must be a finite number`);
}

/** Validates a record and returns its JSON document without the column-held lifecycle fields. */
export function encodeStoredRecord(record: TokenRecord): string {
  if (record === null || typeof record !== 'object') throw new StoreInputInvalid('record must be an object');
  assertString(record.id, 'id');
  assertString(record.kind, 'kind');
  assertString(record.subject, 'subject');
  if (record.hash !== undefined) assertString(record.hash, 'hash');
  if (record.clientId !== undefined) assertString(record.clientId, 'clientId');
  if (record.familyId !== undefined) assertString(record.familyId, 'familyId');
  if (record.revokedReason !== undefined) assertString(record.revokedReason, 'revokedReason');
  if (record.device?.id !== undefined) assertString(record.device.id, 'device.id');
  assertTime(record.issuedAt, 'issuedAt');
  assertTime(record.expiresAt, 'expiresAt');
  if (record.revokedAt !== undefined) assertTime(record.revokedAt, 'revokedAt');
  if (record.consumedAt !== undefined) assertTime(record.consumedAt, 'consumedAt');
  return JSON.stringify(withoutLifecycleFields(record));
}

/** Parses a stored JSON document. */
export function decodeStoredRecord(json: string): TokenRecord {
  return JSON.parse(json) as TokenRecord;
}

/** Full filter check on a decoded record (the SQL already applied the indexed part). */
export function matchesRecordFilter(record: TokenRecord, filter: TokenFilter, now: number): boolean {
  if (filter.subject !== undefined && record.subject !== filter.subject) return false;
  if (filter.clientId !== undefined && record.clientId !== filter.clientId) return false;
  if (filter.kind !== undefined && record.kind !== filter.kind) return false;
  if (filter.familyId !== undefined && record.familyId !== filter.familyId) return false;
  if (filter.deviceId !== undefined && record.device?.id !== filter.deviceId) return false;
  if (filter.status !== undefined) {
    const status = record.revokedAt !== undefined ? 'revoked' : record.expiresAt <= now ? 'expired' : 'active';
    if (status !== filter.status) return false;
  }
  if (filter.tags) for (const tag of filter.tags) if (!record.tags?.includes(tag)) return false;
  if (filter.labels) {
    for (const [key, value] of Object.entries(filter.labels)) {
      if (!record.labels || !Object.hasOwn(record.labels, key) || record.labels[key] !== value) return false;
    }
  }
  return true;
}

/** The page size: default 100, at most 1000. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw new StoreInputInvalid('page.limit must be a positive integer');
  return Math.min(limit, 1000);
}

/** Opaque cursor naming the last record of a page. */
export function listCursor(record: TokenRecord): string {
  return Buffer.from(JSON.stringify([record.issuedAt, record.id]), 'utf8').toString('base64url');
}

/** Reads a cursor made by {@link listCursor}; anything else is StoreInputInvalid. */
export function readListCursor(cursor: string): { issuedAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { issuedAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new StoreInputInvalid('invalid list cursor');
}

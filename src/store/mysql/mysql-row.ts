/**
 * Row <-> record mapping and filter -> WHERE translation for {@link MySqlTokenStore}. Every value
 * travels as a bound parameter; only column names and fixed SQL fragments are spliced.
 */
import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { filterCanMatch } from '../lookup-key.js';
import { decodeRecord, filterNeedsRecordCheck } from '../record-codec.js';
import type { TokenFilter, TokenRecord } from '../types.js';

/** A bound parameter value as the store sends it. */
export type SqlValue = Buffer | number | string | null;

/** UTF-8 bytes of a string: the exact form stored in the binary columns. */
export function bytes(value: string): Buffer {
  return Buffer.from(value, 'utf8');
}

/** SHA-256 of the UTF-8 bytes: the indexable stand-in for strings too long for a key. */
export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Columns written by put/addSession, in the order of {@link recordParams}. */
export const RECORD_COLUMNS = [
  'id_digest', 'id', 'hash_digest', 'hash', 'kind', 'subject_digest', 'subject', 'client_id',
  'family_digest', 'family_id', 'device_id', 'issued_at', 'expires_at', 'revoked_at',
  'revoked_reason', 'consumed_at', 'record',
] as const;

/** Columns read back to rebuild a record. */
export const READ_COLUMNS = 'record, revoked_at, revoked_reason, consumed_at';

const optionalBytes = (value: string | undefined): Buffer | null => (value === undefined ? null : bytes(value));
const optionalDigest = (value: string | undefined): Buffer | null => (value === undefined ? null : digest(value));
const optionalTime = (value: number | undefined): number | null => (value === undefined ? null : value);

/**
 * Bound values for {@link RECORD_COLUMNS}. The mutable lifecycle fields (revokedAt,
 * revokedReason, consumedAt) live only in their columns, so revoke/consume never rewrite the
 * JSON document; `encoded` is the rest of the record as JSON.
 */
export function recordParams(record: TokenRecord, encoded: string): SqlValue[] {
  return [
    digest(record.id), bytes(record.id), optionalDigest(record.hash), optionalBytes(record.hash),
    bytes(record.kind), digest(record.subject), bytes(record.subject), optionalBytes(record.clientId),
    optionalDigest(record.familyId), optionalBytes(record.familyId), optionalBytes(record.device?.id),
    record.issuedAt, record.expiresAt, optionalTime(record.revokedAt), optionalBytes(record.revokedReason),
    optionalTime(record.consumedAt), bytes(encoded),
  ];
}

/** The record without the fields kept in columns, ready for JSON encoding. */
export function withoutLifecycleFields(record: TokenRecord): TokenRecord {
  const { revokedAt: _r, revokedReason: _rr, consumedAt: _c, ...rest } = record;
  return rest;
}

/** A row as mysql2 returns it for {@link READ_COLUMNS}. */
export interface TokenRow {
  record: Buffer | string;
  revoked_at: number | string | null;
  revoked_reason: Buffer | string | null;
  consumed_at: number | string | null;
}

/** {@link TokenRow} as typed for mysql2's `execute` (its rows must be RowDataPackets). */
export type TokenRowPacket = TokenRow & RowDataPacket;

/** Bound values selecting one string exactly: its digest (for the index), then its bytes. */
export type ExactKey = [Buffer, Buffer];

/** The {@link ExactKey} of `value`, for `WHERE x_digest = ? AND x = ?`. */
export function exactKey(value: string): ExactKey {
  return [digest(value), bytes(value)];
}

/** A binary column's value as text (mysql2 hands BLOBs back as Buffers, strings as they are). */
export const text = (value: Buffer | string): string => (typeof value === 'string' ? value : value.toString('utf8'));

/** Rebuilds a record from its row (the JSON document plus the lifecycle columns). */
export function rowToRecord(row: TokenRow): TokenRecord {
  const record = decodeRecord(text(row.record));
  // Pools configured with bigNumberStrings hand BIGINTs back as strings.
  if (row.revoked_at !== null) record.revokedAt = Number(row.revoked_at);
  else delete record.revokedAt;
  if (row.revoked_reason !== null) record.revokedReason = text(row.revoked_reason);
  else delete record.revokedReason;
  if (row.consumed_at !== null) record.consumedAt = Number(row.consumed_at);
  else delete record.consumedAt;
  return record;
}

/** A WHERE clause with its bound values. */
export interface SqlCondition {
  sql: string;
  params: SqlValue[];
  /** False when the filter has parts (tags, labels) that must be checked on the decoded record. */
  exact: boolean;
}

/**
 * Translates the indexed part of a (validated) filter to SQL; tags and labels are left to the
 * caller, who checks each decoded record with `matchesFilter` when `exact` is false.
 */
export function filterCondition(filter: TokenFilter, now: number): SqlCondition {
  const parts: string[] = [];
  const params: SqlValue[] = [];
  if (!filterCanMatch(filter)) return { sql: '1 = 0', params, exact: true };
  if (filter.subject !== undefined) {
    parts.push('subject_digest = ? AND subject = ?');
    params.push(digest(filter.subject), bytes(filter.subject));
  }
  if (filter.familyId !== undefined) {
    parts.push('family_digest = ? AND family_id = ?');
    params.push(digest(filter.familyId), bytes(filter.familyId));
  }
  if (filter.clientId !== undefined) {
    parts.push('client_id = ?');
    params.push(bytes(filter.clientId));
  }
  if (filter.kind !== undefined) {
    parts.push('kind = ?');
    params.push(bytes(filter.kind));
  }
  if (filter.deviceId !== undefined) {
    parts.push('device_id = ?');
    params.push(bytes(filter.deviceId));
  }
  switch (filter.status) {
    case 'active':
      parts.push('revoked_at IS NULL AND expires_at > ?');
      params.push(now);
      break;
    case 'revoked':
      parts.push('revoked_at IS NOT NULL');
      break;
    case 'expired':
      parts.push('revoked_at IS NULL AND expires_at <= ?');
      params.push(now);
      break;
    default:
      break;
  }
  return { sql: parts.length === 0 ? '1 = 1' : parts.join(' AND '), params, exact: !filterNeedsRecordCheck(filter) };
}

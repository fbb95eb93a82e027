/**
 * Filter -> WHERE translation and row -> record mapping for {@link SqliteTokenStore}. Values are
 * always bound parameters; only fixed column names and SQL fragments are spliced.
 */
import { decodeRecord, encodeJson, filterNeedsRecordCheck } from '../record-codec.js';
import type { KeysetPosition } from '../record-codec.js';
import type { TokenFilter, TokenRecord } from '../types.js';

/** Columns read back to rebuild a record. */
export const SQLITE_READ_COLUMNS = 'record, revoked_at, revoked_reason, consumed_at';

/** A row as better-sqlite3 returns it for {@link SQLITE_READ_COLUMNS}. */
export interface SqliteTokenRow {
  record: string;
  revoked_at: number | null;
  revoked_reason: string | null;
  consumed_at: number | null;
}

/** Rebuilds a record: the JSON document plus the lifecycle columns. */
export function rowToRecord(row: SqliteTokenRow): TokenRecord {
  const record = decodeRecord(row.record);
  if (row.revoked_at !== null) record.revokedAt = row.revoked_at;
  if (row.revoked_reason !== null) record.revokedReason = row.revoked_reason;
  if (row.consumed_at !== null) record.consumedAt = row.consumed_at;
  return record;
}

/** Bound values of the insert statement, named after its parameters. */
export function recordParams(record: TokenRecord): Record<string, unknown> {
  const { revokedAt, revokedReason, consumedAt, ...rest } = record;
  return {
    id: record.id, hash: record.hash ?? null, kind: record.kind, subject: record.subject,
    client_id: record.clientId ?? null, family_id: record.familyId ?? null, device_id: record.device?.id ?? null,
    issued_at: record.issuedAt, expires_at: record.expiresAt, revoked_at: revokedAt ?? null,
    revoked_reason: revokedReason ?? null, consumed_at: consumedAt ?? null, record: encodeJson(rest),
  };
}

/** A WHERE clause with its bound values. */
export interface SqliteCondition {
  sql: string;
  params: unknown[];
  /** False when tags or labels must still be checked on the decoded record. */
  exact: boolean;
}

/**
 * The indexed part of a filter as SQL, restricted to records within retention (`horizon` is
 * `now - revocationRetentionMs`) and, when given, after the keyset position.
 */
export function sqliteCondition(filter: TokenFilter, now: number, horizon: number, after?: KeysetPosition): SqliteCondition {
  const parts = ['expires_at > ?'];
  const params: unknown[] = [horizon];
  const equal = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    parts.push(`${column} = ?`);
    params.push(value);
  };
  equal('subject', filter.subject);
  equal('family_id', filter.familyId);
  equal('client_id', filter.clientId);
  equal('kind', filter.kind);
  equal('device_id', filter.deviceId);
  if (filter.status === 'active') {
    parts.push('revoked_at IS NULL AND expires_at > ?');
    params.push(now);
  } else if (filter.status === 'revoked') {
    parts.push('revoked_at IS NOT NULL');
  } else if (filter.status === 'expired') {
    parts.push('revoked_at IS NULL AND expires_at <= ?');
    params.push(now);
  }
  if (after !== undefined) {
    parts.push('(issued_at > ? OR (issued_at = ? AND id > ?))');
    params.push(after.issuedAt, after.issuedAt, after.id);
  }
  return { sql: parts.join(' AND '), params, exact: !filterNeedsRecordCheck(filter) };
}

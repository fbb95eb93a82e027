/**
 * Row <-> record mapping and filter -> WHERE translation for {@link PostgresTokenStore}.
 *
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, and lone UTF-16 surrogates do not survive
 * UTF-8. The contract stores strings byte-exactly whatever they contain, so no user string is
 * stored as plain text:
 * - the record itself lives in `doc`, a `text` column holding `JSON.stringify` output, which
 *   escapes NUL as `\u0000` and lone surrogates as `\udXXX` and so round-trips every JS string;
 * - equality lookups use `*_key` columns: SHA-256 of the string's UTF-16 code units (injective,
 *   fixed 32 bytes, so 10 KB ids index as well as short ones);
 * - ordering by id uses `id_sort`: two bytes per UTF-16 code unit, ranked so that byte order is
 *   code point order, the list order every backend uses (`compareIds`);
 * - tag and label containment (`@>`) runs on `jsonb` copies whose strings are the JSON literals
 *   of the originals (NUL-free and injective).
 * Every value travels as a bound parameter; only fixed SQL fragments are spliced.
 */
import * as nodeCrypto from 'node:crypto';
import type { TokenFilter, TokenRecord } from '../types.js';
import { decodeRecord, encodeRecord } from '../record-codec.js';

// One-shot crypto.hash is faster but only exists from Node 20.12; a named import of it would
// fail to link on older 20.x, so it is looked up on the namespace.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: Buffer, enc: 'buffer') => Buffer }).hash;

/** Lookup key of a string: SHA-256 over its UTF-16LE code units. */
export function stringKey(value: string): Buffer {
  const units = Buffer.from(value, 'utf16le');
  return oneShotHash !== undefined ? oneShotHash('sha256', units, 'buffer') : nodeCrypto.createHash('sha256').update(units).digest();
}

// Code units mapped so that their numeric order is code point order: surrogates (which encode
// code points above U+FFFF) move after U+E000-U+FFFF. A bijection on 0..0xFFFF, so lone
// surrogates survive too.
function unitRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function rankUnit(rank: number): number {
  if (rank >= 0xf800) return rank - 0x2000;
  if (rank >= 0xd800) return rank + 0x800;
  return rank;
}

/**
 * Sort key of a string: two bytes per UTF-16 code unit, ranked so that `bytea` order is code
 * point order (the list order of every backend, see `compareIds`).
 */
export function sortKey(value: string): Buffer {
  const out = Buffer.allocUnsafe(value.length * 2);
  for (let i = 0; i < value.length; i++) out.writeUInt16BE(unitRank(value.charCodeAt(i)), i * 2);
  return out;
}

/** Inverse of {@link sortKey}. */
export function fromSortKey(key: Buffer): string {
  let out = '';
  for (let i = 0; i + 1 < key.length; i += 2) out += String.fromCharCode(rankUnit(key.readUInt16BE(i)));
  return out;
}

const optionalKey = (value: string | undefined): Buffer | null => (value === undefined ? null : stringKey(value));

/** jsonb-safe form of a tag list: each tag as its JSON literal. */
export function tagsJson(tags: readonly string[]): string {
  return JSON.stringify(tags.map((t) => JSON.stringify(t)));
}

/** jsonb-safe form of a label map: keys and values as their JSON literals. */
export function labelsJson(labels: Readonly<Record<string, string>>): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[JSON.stringify(k)] = JSON.stringify(v);
  return JSON.stringify(out);
}

/** Columns written by put/addSession, in the order of {@link recordParams}. */
export const RECORD_COLUMNS = [
  'id_key', 'id_sort', 'hash_key', 'kind_key', 'subject_key', 'client_key', 'family_key', 'device_key',
  'issued_at', 'expires_at', 'revoked_at', 'revoked_reason', 'consumed_at', 'tags', 'labels', 'doc',
] as const;

/**
 * The SET list of an insert over an existing id (`alias` names the existing row): every column
 * from the new version, except that revocation and consumption are one-way, so a new version of
 * a stored record keeps them.
 */
export function upsertSetList(alias: string): string {
  const kept: Record<string, string> = {
    revoked_at: `COALESCE(${alias}.revoked_at, EXCLUDED.revoked_at)`,
    revoked_reason: `CASE WHEN ${alias}.revoked_at IS NULL THEN EXCLUDED.revoked_reason ELSE ${alias}.revoked_reason END`,
    consumed_at: `COALESCE(${alias}.consumed_at, EXCLUDED.consumed_at)`,
  };
  return RECORD_COLUMNS.filter((c) => c !== 'id_key').map((c) => `${c} = ${kept[c] ?? `EXCLUDED.${c}`}`).join(', ');
}

/** Columns read back to rebuild a record. */
export const READ_COLUMNS = 'doc, revoked_at, revoked_reason, consumed_at';

/**
 * Bound values for {@link RECORD_COLUMNS}. The mutable lifecycle fields (revokedAt,
 * revokedReason, consumedAt) live only in their columns, so revoke/consume never rewrite `doc`.
 */
export function recordParams(record: TokenRecord): unknown[] {
  const { revokedAt, revokedReason, consumedAt, ...rest } = record;
  return [
    stringKey(record.id), sortKey(record.id), optionalKey(record.hash), stringKey(record.kind),
    stringKey(record.subject), optionalKey(record.clientId), optionalKey(record.familyId),
    optionalKey(record.device?.id), record.issuedAt, record.expiresAt, revokedAt ?? null,
    revokedReason === undefined ? null : JSON.stringify(revokedReason), consumedAt ?? null,
    record.tags && record.tags.length > 0 ? tagsJson(record.tags) : null,
    record.labels && Object.keys(record.labels).length > 0 ? labelsJson(record.labels) : null,
    encodeRecord(rest as TokenRecord),
  ];
}

/** A row as pg returns it for {@link READ_COLUMNS} (int8 arrives as a string). */
export interface TokenRow {
  doc: string;
  revoked_at: string | number | null;
  revoked_reason: string | null;
  consumed_at: string | number | null;
}

/** Rebuilds a record from its row. */
export function rowToRecord(row: TokenRow): TokenRecord {
  const record = decodeRecord(row.doc);
  if (row.revoked_at !== null) record.revokedAt = Number(row.revoked_at);
  if (row.revoked_reason !== null) record.revokedReason = JSON.parse(row.revoked_reason) as string;
  if (row.consumed_at !== null) record.consumedAt = Number(row.consumed_at);
  return record;
}

/** A WHERE clause with its bound values; placeholders are numbered from `firstParam`. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * Translates a filter into a WHERE clause (`TRUE` for an empty filter). `params` continues the
 * numbering of the caller's earlier parameters.
 */
export function filterCondition(filter: TokenFilter, now: number, params: unknown[] = []): SqlCondition {
  const parts: string[] = [];
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.subject !== undefined) parts.push(`subject_key = ${bind(stringKey(filter.subject))}`);
  if (filter.clientId !== undefined) parts.push(`client_key = ${bind(stringKey(filter.clientId))}`);
  if (filter.kind !== undefined) parts.push(`kind_key = ${bind(stringKey(filter.kind))}`);
  if (filter.familyId !== undefined) parts.push(`family_key = ${bind(stringKey(filter.familyId))}`);
  if (filter.deviceId !== undefined) parts.push(`device_key = ${bind(stringKey(filter.deviceId))}`);
  if (filter.tags !== undefined && filter.tags.length > 0) parts.push(`tags @> ${bind(tagsJson(filter.tags))}::jsonb`);
  if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
    parts.push(`labels @> ${bind(labelsJson(filter.labels))}::jsonb`);
  }
  switch (filter.status) {
    case 'active':
      parts.push(`revoked_at IS NULL AND expires_at > ${bind(now)}`);
      break;
    case 'revoked':
      parts.push('revoked_at IS NOT NULL');
      break;
    case 'expired':
      parts.push(`revoked_at IS NULL AND expires_at <= ${bind(now)}`);
      break;
    default:
      break;
  }
  return { sql: parts.length === 0 ? 'TRUE' : parts.join(' AND '), params };
}

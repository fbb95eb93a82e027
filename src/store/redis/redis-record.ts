/**
 * A record's stored form in Redis: one hash per record. The immutable part is the shared JSON
 * encoding (field `j`); the fields the Lua scripts read or change live beside it as plain
 * strings, so no script ever re-encodes JSON (Lua's cjson would lose number precision and turn
 * `[]` into `{}`).
 */
import { StorageError } from '../../jose/errors.js';
import { decodeRecord, encodeRecord } from '../record-codec.js';
import type { TokenRecord } from '../types.js';

/**
 * Hash fields: `j` JSON without the mutable fields; `s` subject; `k` kind; `i` issuedAt;
 * `e` expiresAt; `h` token hash; `c` clientId; `f` familyId; `d` device id; `t` tags (JSON);
 * `l` labels (JSON); `ra`/`rr` revokedAt/revokedReason; `ca` consumedAt.
 */
export function recordFields(record: TokenRecord): string[] {
  const { revokedAt, revokedReason, consumedAt, ...rest } = record;
  const fields = [
    'j', encodeRecord(rest),
    's', record.subject,
    'k', record.kind,
    'i', String(record.issuedAt),
    'e', String(record.expiresAt),
  ];
  if (record.hash !== undefined) fields.push('h', record.hash);
  if (record.clientId !== undefined) fields.push('c', record.clientId);
  if (record.familyId !== undefined) fields.push('f', record.familyId);
  if (record.device?.id !== undefined) fields.push('d', record.device.id);
  if (record.tags !== undefined && record.tags.length > 0) fields.push('t', JSON.stringify(record.tags));
  if (record.labels !== undefined && Object.keys(record.labels).length > 0) fields.push('l', JSON.stringify(record.labels));
  if (revokedAt !== undefined) fields.push('ra', String(revokedAt));
  if (revokedReason !== undefined) fields.push('rr', revokedReason);
  if (consumedAt !== undefined) fields.push('ca', String(consumedAt));
  return fields;
}

/** Rebuilds a record from HGETALL's object; undefined for a missing (empty) hash. */
export function recordFromHash(hash: Record<string, string>): TokenRecord | undefined {
  const json = hash.j;
  if (json === undefined) {
    if (Object.keys(hash).length === 0) return undefined;
    throw new StorageError({ op: 'decode', detail: 'stored record hash has no j field' });
  }
  const record = decodeRecord(json);
  if (hash.ra !== undefined) record.revokedAt = Number(hash.ra);
  if (hash.rr !== undefined) record.revokedReason = hash.rr;
  if (hash.ca !== undefined) record.consumedAt = Number(hash.ca);
  return record;
}

/** Rebuilds a record from a flat `[field, value, ...]` array, as scripts return HGETALL. */
export function recordFromPairs(pairs: unknown): TokenRecord | undefined {
  if (!Array.isArray(pairs)) return undefined;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) hash[String(pairs[i])] = String(pairs[i + 1]);
  return recordFromHash(hash);
}

/**
 * Rebuilds a record from READ_POINTED's `[j, ra, rr, ca]` reply; undefined when there is none.
 * Mutable fields without `j` mean a damaged record, which must not read as "unknown".
 */
export function recordFromCore(reply: unknown): TokenRecord | undefined {
  if (!Array.isArray(reply) || reply.length < 4) return undefined;
  const [json, ra, rr, ca] = reply as Array<string | null>;
  if (json === null || json === undefined) {
    if (ra == null && rr == null && ca == null) return undefined;
    throw new StorageError({ op: 'decode', detail: 'stored record hash has no j field' });
  }
  const record = decodeRecord(json);
  if (ra != null) record.revokedAt = Number(ra);
  if (rr != null) record.revokedReason = rr;
  if (ca != null) record.consumedAt = Number(ca);
  return record;
}

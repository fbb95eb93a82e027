/**
 * Shared helpers of every token store backend: the record's stored form (JSON), its validation,
 * and (re-exported) the meaning of status, filters, paging and the call plumbing. Backends reuse
 * these so that all five agree byte for byte.
 */
import { StorageError, StoreInputInvalid } from '../jose/errors.js';
import type { TokenRecord } from './types.js';
import { isWellFormedString } from './lookup-key.js';

export {
  DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, recordStatus, isLive, matchesFilter, filterNeedsRecordCheck,
  validateFilter, compareIds, compareRecords, encodeCursor, decodeCursor, normalizeLimit, pageOf,
  pageFromSorted, consumeRefusal, sessionsToEvict, validateSessionLimit,
} from './record-query.js';
export type { KeysetPosition } from './record-query.js';
export {
  DEFAULT_REVOCATION_RETENTION_MS, DEFAULT_OPERATION_TIMEOUT_MS, resolveStoreOptions, callNow,
  hashKey, idKey, abortedError, throwIfAborted, toStorageError, runStoreCall, closedError,
} from './store-call.js';
export type { ResolvedStoreOptions } from './store-call.js';

/**
 * The stored form of a record: JSON. JSON escapes NUL, quotes and control characters, so any
 * string round-trips exactly.
 * @example decodeRecord(encodeRecord(record)) // deep-equals record
 */
export function encodeRecord(record: TokenRecord): string {
  return encodeJson(record);
}

/** JSON of a record or part of one; what JSON cannot hold (a BigInt, a cycle) is bad input. */
export function encodeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new StoreInputInvalid(`record is not JSON-serialisable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Parses a stored record; a corrupt document is a {@link StorageError}, never a partial record. */
export function decodeRecord(json: string): TokenRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new StorageError({ op: 'decode', detail: 'stored record is not valid JSON', cause: err });
  }
  if (value === null || typeof value !== 'object' || typeof (value as TokenRecord).id !== 'string' ||
    typeof (value as TokenRecord).expiresAt !== 'number') {
    throw new StorageError({ op: 'decode', detail: 'stored record has the wrong shape' });
  }
  return value as TokenRecord;
}

/** A deep copy, so a caller mutating a returned record cannot change the stored one. */
export function cloneRecord(record: TokenRecord): TokenRecord {
  return JSON.parse(JSON.stringify(record)) as TokenRecord;
}

function checkString(value: unknown, field: string, optional: boolean): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'string') throw new StoreInputInvalid(`record.${field} must be a string`);
  // A lone surrogate has no UTF-8 form, so a database column could not store it exactly.
  if (!isWellFormedString(value)) throw new StoreInputInvalid(`record.${field} is not well-formed Unicode`);
}

function checkTime(value: unknown, field: string, optional: boolean): void {
  if (value === undefined && optional) return;
  if (!Number.isSafeInteger(value)) throw new StoreInputInvalid(`record.${field} must be whole milliseconds (a safe integer)`);
}

/**
 * `record` with the revocation and consumption of `previous`, the version it replaces: both are
 * one-way, so a new version keeps them (the earlier revocation wins over one the new version
 * brings). Returns `record` itself when there is nothing to keep.
 * @example keepLifecycle({ ...stored, revokedAt: undefined }, stored).revokedAt === stored.revokedAt
 */
export function keepLifecycle(record: TokenRecord, previous: TokenRecord | undefined): TokenRecord {
  if (previous === undefined || (previous.revokedAt === undefined && previous.consumedAt === undefined)) return record;
  const kept: TokenRecord = { ...record };
  if (previous.revokedAt !== undefined) {
    kept.revokedAt = previous.revokedAt;
    if (previous.revokedReason === undefined) delete kept.revokedReason;
    else kept.revokedReason = previous.revokedReason;
  }
  if (previous.consumedAt !== undefined) kept.consumedAt = previous.consumedAt;
  return kept;
}

/**
 * Throws {@link StoreInputInvalid} unless the record has the fields every backend indexes, with
 * the right types. Called by `put` and `addSession` before any I/O.
 */
export function validateRecord(record: TokenRecord): void {
  if (record === null || typeof record !== 'object') throw new StoreInputInvalid('record must be an object');
  checkString(record.id, 'id', false);
  if (record.id.length === 0) throw new StoreInputInvalid('record.id must not be empty');
  checkString(record.hash, 'hash', true);
  if (record.hash !== undefined && record.hash.length === 0) throw new StoreInputInvalid('record.hash must not be empty');
  checkString(record.kind, 'kind', false);
  checkString(record.subject, 'subject', false);
  checkString(record.clientId, 'clientId', true);
  checkString(record.familyId, 'familyId', true);
  checkString(record.parentId, 'parentId', true);
  checkString(record.revokedReason, 'revokedReason', true);
  checkTime(record.issuedAt, 'issuedAt', false);
  checkTime(record.expiresAt, 'expiresAt', false);
  checkTime(record.revokedAt, 'revokedAt', true);
  checkTime(record.consumedAt, 'consumedAt', true);
  if (record.device !== undefined) {
    if (record.device === null || typeof record.device !== 'object') throw new StoreInputInvalid('record.device must be an object');
    checkString(record.device.id, 'device.id', true);
  }
  if (record.tags !== undefined) {
    if (!Array.isArray(record.tags)) throw new StoreInputInvalid('record.tags must be an array of strings');
    for (const tag of record.tags) checkString(tag, 'tags[]', false);
  }
  if (record.labels !== undefined) {
    if (record.labels === null || typeof record.labels !== 'object' || Array.isArray(record.labels)) {
      throw new StoreInputInvalid('record.labels must map strings to strings');
    }
    for (const [key, value] of Object.entries(record.labels)) {
      checkString(key, 'labels key', false);
      checkString(value, 'labels value', false);
    }
  }
}

/**
 * Between the manager's API and the store: a request becomes a TokenRecord, a record becomes a
 * TokenInfo, a filter becomes a TokenFilter. Kept apart from the manager so the hot path reads
 * as the sequence of checks it is.
 */
import { randomBytes } from 'node:crypto';
import { StoreInputInvalid, parseDuration } from '../jose/index.js';
import { recordStatus } from '../store/index.js';
import type { TokenFilter, TokenRecord } from '../store/index.js';
import type { OpaqueTokenFilter, OpaqueTokenRequest, TokenInfo } from './types.js';

/** Default record kind of opaque tokens. */
export const OPAQUE_KIND = 'opaque';

/** A random record id (128 bits, base64url): unguessable, and unrelated to the token. */
export function newRecordId(): string {
  return randomBytes(16).toString('base64url');
}

/** Seconds (or `'15m'`) as milliseconds. */
export function durationMs(ttl: number | string, what: string): number {
  let seconds: number;
  try {
    seconds = parseDuration(ttl);
  } catch {
    throw new StoreInputInvalid(`${what} must be seconds or a duration such as '15m'`);
  }
  if (seconds <= 0) throw new StoreInputInvalid(`${what} must be positive`);
  return seconds * 1000;
}

/**
 * The record of a token about to be issued. The request is checked here, before the token is
 * made, so a bad request costs no randomness and reaches no store.
 *
 * @throws {StoreInputInvalid} for a missing user, a bad lifetime or an expiry not in the future.
 */
export function recordFor(request: OpaqueTokenRequest, hash: string, now: number, defaultTtlMs: number): TokenRecord {
  if (request === null || typeof request !== 'object') throw new StoreInputInvalid('generateToken needs a request object');
  if (typeof request.userId !== 'string' || request.userId.length === 0) throw new StoreInputInvalid('userId must be a non-empty string');
  if (request.scope !== undefined && (!Array.isArray(request.scope) || request.scope.some((s) => typeof s !== 'string'))) {
    throw new StoreInputInvalid('scope must be an array of strings');
  }
  if (request.customData !== undefined && (request.customData === null || typeof request.customData !== 'object' || Array.isArray(request.customData))) {
    throw new StoreInputInvalid('customData must be an object');
  }
  const expiresAt = expiryOf(request, now, defaultTtlMs);
  const record: TokenRecord = {
    id: newRecordId(), hash, kind: request.kind ?? OPAQUE_KIND, subject: request.userId, issuedAt: now, expiresAt,
  };
  if (request.clientId !== undefined) record.clientId = request.clientId;
  if (request.scope !== undefined) record.scope = [...request.scope];
  if (request.customData !== undefined) record.data = structuredClone(request.customData);
  if (request.device !== undefined) record.device = { ...request.device };
  if (request.labels !== undefined) record.labels = { ...request.labels };
  if (request.tags !== undefined) record.tags = [...request.tags];
  return record;
}

function expiryOf(request: OpaqueTokenRequest, now: number, defaultTtlMs: number): number {
  if (request.expiresAt !== undefined && request.ttl !== undefined) throw new StoreInputInvalid('give expiresAt or ttl, not both');
  let expiresAt: number;
  if (request.expiresAt instanceof Date) expiresAt = request.expiresAt.getTime();
  else if (typeof request.expiresAt === 'number') expiresAt = request.expiresAt * 1000;
  else if (request.expiresAt !== undefined) throw new StoreInputInvalid('expiresAt must be a Date or epoch seconds');
  else expiresAt = now + (request.ttl === undefined ? defaultTtlMs : durationMs(request.ttl, 'ttl'));
  if (!Number.isFinite(expiresAt)) throw new StoreInputInvalid('expiresAt must be a valid time');
  expiresAt = Math.floor(expiresAt);
  if (expiresAt <= now) throw new StoreInputInvalid('the token would expire before it is issued');
  return expiresAt;
}

/** What a caller may see of a record, at time `now`. */
export function tokenInfoOf(record: TokenRecord, now: number): TokenInfo {
  // One object literal: every TokenInfo gets the same hidden class whatever fields the record has.
  const info: TokenInfo = {
    id: record.id,
    userId: record.subject,
    clientId: record.clientId,
    scope: record.scope ?? [],
    kind: record.kind,
    issuedAt: new Date(record.issuedAt),
    expiresAt: new Date(record.expiresAt),
    status: recordStatus(record, now),
    revokedAt: record.revokedAt === undefined ? undefined : new Date(record.revokedAt),
    revokedReason: record.revokedReason,
    customData: record.data,
    device: record.device,
    labels: record.labels,
    tags: record.tags,
  };
  return info;
}

/** The store filter of a manager filter (`userId` is the store's `subject`). */
export function storeFilterOf(filter: OpaqueTokenFilter = {}): TokenFilter {
  if (filter === null || typeof filter !== 'object') throw new StoreInputInvalid('filter must be an object');
  const out: TokenFilter = {};
  if (filter.userId !== undefined) out.subject = filter.userId;
  if (filter.clientId !== undefined) out.clientId = filter.clientId;
  if (filter.kind !== undefined) out.kind = filter.kind;
  if (filter.status !== undefined) out.status = filter.status;
  if (filter.tags !== undefined) out.tags = filter.tags;
  if (filter.labels !== undefined) out.labels = filter.labels;
  if (filter.deviceId !== undefined) out.deviceId = filter.deviceId;
  return out;
}

/**
 * Refresh families in the store. A family is one login; its refresh records have the ids
 * `<familyId>.<generation>` (generation 0 at login, +1 at each rotation), so the successor of a
 * consumed refresh token is found by id in one round trip (the reuse grace needs it) and any
 * refresh record names its family without a read (session eviction needs that).
 *
 * Ids are not secrets: a token is known only by its hash, and a record id alone grants nothing.
 */
import { randomBytes } from 'node:crypto';
import type { TokenRecord } from '../../store/index.js';

/** What every refresh record of a family carries in `data`. */
export interface FamilyData {
  /** Login time (epoch ms). */
  loginAt: number;
  /** Absolute end of the family (epoch ms). */
  familyExpiresAt: number;
  /** Extra access token claims of the family. */
  claims?: Record<string, unknown>;
  /** The pair this record's token belongs to, sealed (only when a reuse grace is configured). */
  sealedPair?: string;
}

/** A fresh random family id (128 bits, base64url). */
export function newFamilyId(): string {
  return randomBytes(16).toString('base64url');
}

/** The id of the refresh record of `generation` in `familyId`. */
export function refreshRecordId(familyId: string, generation: number): string {
  return `${familyId}.${generation}`;
}

/** The family and generation a refresh record id names, or undefined when it is not one of ours. */
export function parseRefreshRecordId(id: string): { familyId: string; generation: number } | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const generation = Number(id.slice(dot + 1));
  if (!Number.isSafeInteger(generation) || generation < 0 || String(generation) !== id.slice(dot + 1)) return undefined;
  return { familyId: id.slice(0, dot), generation };
}

/** The id of the refresh record that replaces `record` at its rotation. */
export function successorRecordId(record: TokenRecord): string | undefined {
  const parsed = parseRefreshRecordId(record.id);
  return parsed === undefined ? undefined : refreshRecordId(parsed.familyId, parsed.generation + 1);
}

/**
 * The family facts of a refresh record, or undefined when the record was not written by a
 * TokenPairIssuer (then it is refused like an unknown token).
 */
export function familyDataOf(record: TokenRecord): FamilyData | undefined {
  const data = record.data;
  if (data === undefined || typeof data.loginAt !== 'number' || typeof data.familyExpiresAt !== 'number') return undefined;
  const out: FamilyData = { loginAt: data.loginAt, familyExpiresAt: data.familyExpiresAt };
  if (data.claims !== null && typeof data.claims === 'object' && !Array.isArray(data.claims)) out.claims = data.claims as Record<string, unknown>;
  if (typeof data.sealedPair === 'string') out.sealedPair = data.sealedPair;
  return out;
}

/** The `data` of a refresh record (no undefined members: every backend stores it as JSON). */
export function familyDataRecord(data: FamilyData): Record<string, unknown> {
  const out: Record<string, unknown> = { loginAt: data.loginAt, familyExpiresAt: data.familyExpiresAt };
  if (data.claims !== undefined) out.claims = data.claims;
  if (data.sealedPair !== undefined) out.sealedPair = data.sealedPair;
  return out;
}

/** What a login session says of itself (client, scope, device, labels, tags): only the fields the record has. */
export function sessionFactsOf(record: TokenRecord): Pick<TokenRecord, 'clientId' | 'scope' | 'device' | 'labels' | 'tags'> {
  const facts: Pick<TokenRecord, 'clientId' | 'scope' | 'device' | 'labels' | 'tags'> = {};
  if (record.clientId !== undefined) facts.clientId = record.clientId;
  if (record.scope !== undefined) facts.scope = record.scope;
  if (record.device !== undefined) facts.device = record.device;
  if (record.labels !== undefined) facts.labels = record.labels;
  if (record.tags !== undefined) facts.tags = record.tags;
  return facts;
}

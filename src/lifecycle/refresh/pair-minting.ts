/**
 * Minting one access/refresh pair and the two store records that stand for it. Nothing here
 * touches the store: the issuer decides how the records are written (addSession at login, put at
 * rotation).
 */
import { randomBytes } from 'node:crypto';
import { JWTInvalid } from '../../jose/index.js';
import type { JWTManager } from '../../jwt/index.js';
import type { OpaqueTokenFormat } from '../../opaque/index.js';
import type { TokenDevice, TokenRecord } from '../../store/index.js';
import { familyDataRecord, refreshRecordId, sessionFactsOf, type FamilyData } from './family.js';
import type { PairSeal } from './pair-seal.js';
import type { TokenPair } from './types.js';

/** Claims the issuer sets itself; a caller's `claims` may not name them. */
const PAIR_CLAIMS = new Set(['sid', 'client_id', 'scope']);

/** Who and what a family is for: the same for every pair of the family. */
export interface FamilyFacts {
  familyId: string;
  subject: string;
  clientId?: string;
  scope?: string[];
  device?: TokenDevice;
  labels?: Record<string, string>;
  tags?: string[];
  family: FamilyData;
}

/** A minted pair and its records. */
export interface MintedPair {
  pair: TokenPair;
  accessRecord: TokenRecord;
  refreshRecord: TokenRecord;
}

/** What minting needs from the issuer. */
export interface MintContext {
  jwt: JWTManager;
  format: OpaqueTokenFormat;
  seal: PairSeal | undefined;
  accessTtlMs: number;
  refreshTtlMs: number;
}

/** The scope as a list, from a space-separated string or a list; undefined when empty. */
export function normalizeScope(scope: string | string[] | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const list = typeof scope === 'string' ? scope.split(' ') : scope;
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw new JWTInvalid('scope must be a string or a list of strings');
  const out = list.filter((s) => s.length > 0);
  return out.length === 0 ? undefined : out;
}

/** Refuses extra claims that would override what the pair sets (`sid`, `client_id`, `scope`). */
export function checkExtraClaims(claims: Record<string, unknown> | undefined): void {
  if (claims === undefined) return;
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new JWTInvalid('claims must be an object');
  for (const name of Object.keys(claims)) {
    if (PAIR_CLAIMS.has(name)) throw new JWTInvalid(`claim "${name}" is set by the token pair and cannot be given`);
  }
}

/** Copies the defined optional members, so stored records hold no `undefined`. */
function withOptional(record: TokenRecord, optional: Partial<TokenRecord>): TokenRecord {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (record as unknown as Record<string, unknown>)[key] = value;
  }
  return record;
}

/**
 * Signs the access token and draws the refresh token of `generation` in the family, at `now`.
 * The access token never outlives the family; the refresh token lives `refreshTtlMs` (the
 * idle timeout) and never past the family's end.
 */
export async function mintPair(ctx: MintContext, facts: FamilyFacts, generation: number, now: number, parentId?: string): Promise<MintedPair> {
  const { familyId, subject, family } = facts;
  const iat = Math.floor(now / 1000);
  const exp = Math.floor(Math.min(now + ctx.accessTtlMs, family.familyExpiresAt) / 1000);
  const customClaims: Record<string, unknown> = { ...family.claims, sid: familyId };
  if (facts.clientId !== undefined) customClaims.client_id = facts.clientId;
  if (facts.scope !== undefined) customClaims.scope = facts.scope.join(' ');
  const jwtId = randomBytes(16).toString('base64url');
  const access = await ctx.jwt.generateToken({ subject, jwtId, issuedAt: iat, expiresAt: Math.max(exp, iat), customClaims });
  const refresh = ctx.format.generate();
  const refreshId = refreshRecordId(familyId, generation);
  const refreshExpiresAt = Math.min(now + ctx.refreshTtlMs, family.familyExpiresAt);
  const pair: TokenPair = {
    accessToken: access.token,
    refreshToken: refresh.token,
    accessExpiresAt: access.expiresAt.getTime(),
    refreshExpiresAt,
    familyId,
    sessionId: familyId,
  };
  const data: FamilyData = { ...family };
  delete data.sealedPair;
  if (ctx.seal !== undefined) data.sealedPair = ctx.seal.seal(pair, refreshId);
  const accessRecord = withOptional(
    { id: jwtId, kind: 'access', subject, familyId, issuedAt: now, expiresAt: pair.accessExpiresAt },
    { clientId: facts.clientId, scope: facts.scope },
  );
  const refreshRecord = withOptional(
    { id: refreshId, hash: refresh.hash, kind: 'refresh', subject, familyId, issuedAt: now, expiresAt: refreshExpiresAt, data: familyDataRecord(data) },
    { parentId, clientId: facts.clientId, scope: facts.scope, device: facts.device, labels: facts.labels, tags: facts.tags },
  );
  return { pair, accessRecord, refreshRecord };
}

/** The family facts a stored refresh record carries (for the next rotation). */
export function factsOf(record: TokenRecord, family: FamilyData, familyId: string): FamilyFacts {
  return { familyId, subject: record.subject, family, ...sessionFactsOf(record) };
}

/**
 * One key of a KeyRing and what is derived from it once: the public key and JWK, and (lazily)
 * the signer and the per-options verifiers.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../jose/algorithms.js';
import type { JWTClaims, JWTVerifyResult } from '../jose/jwt/jwt.js';
import { calculateJwkThumbprint, exportJWK, toPublicKey, type JWK } from '../jose/jwk/keys.js';

/** Lifecycle state: `active` signs and verifies; `retiring` only verifies; `retired` does neither. */
export type KeyState = 'active' | 'retiring' | 'retired';

/** What a key is published for. */
export type KeyUse = 'sig' | 'enc';

/** Public description of a ring key (no key material). Times are epoch milliseconds. */
export interface KeyInfo {
  kid: string;
  alg: JWSAlgorithm;
  use: KeyUse;
  state: KeyState;
  /** `secret` (HMAC), `private` (can sign) or `public` (verify only). */
  type: 'secret' | 'private' | 'public';
  createdAt: number;
  /** When the key stopped signing. */
  retiringAt?: number;
  /** When the key stops verifying; absent: it verifies until retired or removed. */
  retireAt?: number;
}

/** Internal record; the ring never hands it out. */
export interface RingEntry {
  readonly kid: string;
  readonly alg: JWSAlgorithm;
  readonly use: KeyUse;
  /** Private or secret key; undefined for a verify-only public key. */
  readonly signingKey: KeyObject | undefined;
  /** Public key, or the secret for HMAC. */
  readonly verifyKey: KeyObject;
  /** Public JWK without metadata; undefined for secrets (never published). */
  readonly publicJwk: JWK | undefined;
  readonly createdAt: number;
  retiringAt: number | undefined;
  retireAt: number | undefined;
  /** Set by `retire(kid)`: retired now, whatever retireAt says. */
  retired: boolean;
  /** Signers by header `typ`, built on first use. */
  readonly signers: Map<string, (claims: JWTClaims) => string>;
  /** Verifiers by options object, built on first use. */
  readonly verifiers: WeakMap<object, (token: string) => JWTVerifyResult>;
}

/** The default `kid`: RFC 7638 thumbprint for asymmetric keys, random for secrets (no digest of a secret is published). */
export function defaultKid(key: KeyObject): string {
  return key.type === 'secret' ? randomBytes(16).toString('base64url') : calculateJwkThumbprint(toPublicKey(key));
}

/** Builds the entry for a key whose algorithm has been checked. */
export function makeEntry(init: { key: KeyObject; kid: string; alg: JWSAlgorithm; use: KeyUse; createdAt: number; retiringAt?: number | undefined; retireAt?: number | undefined; retired?: boolean }): RingEntry {
  const { key } = init;
  const verifyKey = key.type === 'secret' ? key : toPublicKey(key);
  let publicJwk: JWK | undefined;
  if (key.type !== 'secret') {
    const jwk = exportJWK(verifyKey);
    publicJwk = {};
    // Only the key members: whatever else export adds is not ours to publish.
    for (const m of ['kty', 'crv', 'x', 'y', 'n', 'e']) if (jwk[m] !== undefined) publicJwk[m] = jwk[m];
  }
  return {
    kid: init.kid,
    alg: init.alg,
    use: init.use,
    signingKey: key.type === 'public' ? undefined : key,
    verifyKey,
    publicJwk,
    createdAt: init.createdAt,
    retiringAt: init.retiringAt,
    retireAt: init.retireAt,
    retired: init.retired ?? false,
    signers: new Map(),
    verifiers: new WeakMap(),
  };
}

/** State of an entry at `now`, given the ring's active kid. */
export function entryState(entry: RingEntry, activeKid: string | undefined, now: number): KeyState {
  if (entry.retired || (entry.retireAt !== undefined && now >= entry.retireAt)) return 'retired';
  return entry.kid === activeKid ? 'active' : 'retiring';
}

/** Public description of an entry. */
export function entryInfo(entry: RingEntry, activeKid: string | undefined, now: number): KeyInfo {
  const info: KeyInfo = {
    kid: entry.kid,
    alg: entry.alg,
    use: entry.use,
    state: entryState(entry, activeKid, now),
    type: entry.signingKey === undefined ? 'public' : entry.signingKey.type === 'secret' ? 'secret' : 'private',
    createdAt: entry.createdAt,
  };
  if (entry.retiringAt !== undefined) info.retiringAt = entry.retiringAt;
  if (entry.retireAt !== undefined) info.retireAt = entry.retireAt;
  return info;
}

/**
 * Choosing a verification key from a JWKS by the token's header. Keys are imported once per
 * document; a key that cannot be imported is skipped rather than failing the whole set.
 */
import type { KeyObject } from 'node:crypto';
import { algorithmsForKey, type JWSAlgorithm } from '../jose/algorithms.js';
import { JWKSInvalid, JWKSMultipleMatchingKeys, JWKSNoMatchingKey } from '../jose/errors.js';
import { importJWK, type JWK } from '../jose/jwk/keys.js';
import { isJWKS, type JWKS } from './jwks-fetch.js';

/** The header members that pick a key. */
export interface KeySelector {
  alg?: string;
  kid?: string;
}

interface ImportedKey {
  kid: string | undefined;
  alg: string | undefined;
  algorithms: readonly JWSAlgorithm[];
  key: KeyObject;
}

/** A JWKS with its keys imported, ready for lookups. */
export class ImportedJWKS {
  private readonly keys: ImportedKey[] = [];

  constructor(readonly jwks: JWKS) {
    if (!isJWKS(jwks)) throw new JWKSInvalid('not a { "keys": [...] } document');
    for (const jwk of jwks.keys) {
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) continue;
      // Only public keys belong in a published set; a stray private or secret member is ignored
      // rather than turning a verifier into something that holds signing material.
      if (jwk.kty === 'oct' || jwk.d !== undefined) continue;
      let key: KeyObject;
      try {
        key = importJWK(jwk as JWK);
      } catch {
        continue;
      }
      this.keys.push({
        kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
        alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
        algorithms: algorithmsForKey(key),
        key,
      });
    }
  }

  /** Number of usable keys. */
  get size(): number {
    return this.keys.length;
  }

  /** Usable keys matching the header: same `kid` when it has one, and able to verify its `alg`. */
  candidates(header: KeySelector): KeyObject[] {
    const alg = header.alg;
    const out: KeyObject[] = [];
    for (const k of this.keys) {
      if (header.kid !== undefined && k.kid !== header.kid) continue;
      if (typeof alg !== 'string' || !(k.algorithms as readonly string[]).includes(alg)) continue;
      if (k.alg !== undefined && k.alg !== alg) continue;
      out.push(k.key);
    }
    return out;
  }

  /**
   * The one key for the header.
   *
   * @throws {JWKSNoMatchingKey} when no key matches.
   * @throws {JWKSMultipleMatchingKeys} when several match and the header has no `kid` to decide.
   */
  select(header: KeySelector): KeyObject {
    const found = this.candidates(header);
    if (found.length === 0) throw new JWKSNoMatchingKey();
    if (found.length > 1) throw new JWKSMultipleMatchingKeys();
    return found[0]!;
  }
}

/**
 * A synchronous key resolver over a local JWKS, usable wherever a `(header) => KeyObject`
 * resolver is accepted (e.g. `verifyJWT(token, createLocalJWKSet(jwks))`).
 *
 * @example const key = createLocalJWKSet(ring.jwks())({ alg: 'ES256', kid });
 */
export function createLocalJWKSet(jwks: JWKS): (header: KeySelector) => KeyObject {
  const set = new ImportedJWKS(jwks);
  return (header) => set.select(header);
}

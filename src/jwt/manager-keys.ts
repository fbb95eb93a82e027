/**
 * Turning the manager's key input (KeyObject, PEM, JWK, secret bytes, or a KeyRing) into the
 * KeyRing every manager signs and verifies with.
 */
import { KeyObject } from 'node:crypto';
import { ALGORITHMS, algorithmsForKey, type AlgorithmFamily, type JWSAlgorithm } from '../jose/algorithms.js';
import { JOSEAlgNotAllowed, KeyTooWeak } from '../jose/errors.js';
import { importJWK, importPEM, importSecret, type JWK } from '../jose/jwk/keys.js';
import { KeyRing } from '../keys/key-ring.js';
import type { JWTManagerInit, KeyInput } from './types.js';

/** Imports a key input once. Strings are PEM when they look like PEM, else HMAC secrets. */
export function importKeyInput(input: KeyInput): KeyObject {
  if (input instanceof KeyObject) return input;
  if (typeof input === 'string') return input.trimStart().startsWith('-----BEGIN') ? importPEM(input) : importSecret(input);
  if (input instanceof Uint8Array) return importSecret(input);
  return importJWK(input as JWK);
}

function familyOf(alg: JWSAlgorithm): AlgorithmFamily {
  return ALGORITHMS[alg].family;
}

/**
 * The manager's key ring. `family` restricts the key kind for the typed constructors
 * (`withRSA` accepts RSA and RSA-PSS algorithms only, and so on).
 *
 * @throws {JOSEAlgNotAllowed | KeyTooWeak | JWKInvalid} for a key that does not fit.
 */
export function keyRingFor(init: JWTManagerInit, families?: readonly AlgorithmFamily[]): KeyRing {
  if (init.keyRing !== undefined) {
    const active = init.keyRing.signingKey();
    if (init.algorithm !== undefined && active !== undefined && active.alg !== init.algorithm) {
      throw new JOSEAlgNotAllowed(`the key ring signs with ${active.alg}, not ${init.algorithm}`);
    }
    return init.keyRing;
  }
  const key = init.key === undefined ? undefined : importKeyInput(init.key);
  const ring = new KeyRing({ now: init.now, allowKidless: init.allowKidless });
  if (key === undefined) {
    const alg = init.algorithm ?? 'ES256';
    if (families !== undefined && !families.includes(familyOf(alg))) throw new JOSEAlgNotAllowed(`${alg} does not fit this constructor`);
    ring.rotate({ algorithm: alg, ...(init.keyId === undefined ? {} : { kid: init.keyId }) });
    return ring;
  }
  const usable = algorithmsForKey(key);
  const alg = init.algorithm ?? usable.find((a) => families === undefined || families.includes(familyOf(a)));
  if (alg === undefined) throw new KeyTooWeak('the key does not fit any algorithm of this constructor at the minimum strength');
  if (families !== undefined && !families.includes(familyOf(alg))) throw new JOSEAlgNotAllowed(`${alg} does not fit this constructor`);
  if (key.type === 'public') throw new JOSEAlgNotAllowed('a JWTManager needs a private key or a secret to sign');
  ring.add(key, { alg, active: true, ...(init.keyId === undefined ? {} : { kid: init.keyId }) });
  return ring;
}

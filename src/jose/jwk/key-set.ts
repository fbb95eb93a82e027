/**
 * Rules for a set of keys (a JWKS, a key file, a key ring): a set used to verify is either a
 * secret store or a public set, never both, because a verifier holding both is one mix-up away
 * from key confusion; and no two keys of one set share a `kid` for the same use, because then
 * the `kid` no longer says which key signed.
 */
import type { KeyObject } from 'node:crypto';
import { JWKSInvalid } from '../errors.js';

/** One member of a set, as far as the set rules are concerned. */
export interface KeySetMember {
  key: KeyObject;
  kid?: string | undefined;
  use?: string | undefined;
}

/** The error for a verification set that holds both secret (`oct`) and asymmetric keys. */
export function mixedKeySetError(): JWKSInvalid {
  return new JWKSInvalid('a key set used to verify must hold either secret (oct) keys or asymmetric keys, not both');
}

/**
 * Refuses a verification set that holds both secret (`oct`) keys and asymmetric keys.
 *
 * @throws {JWKSInvalid} naming the mix.
 * @example assertNotMixed(keys.filter((k) => k.use !== 'enc'))
 */
export function assertNotMixed(members: readonly KeySetMember[]): void {
  let secrets = 0;
  for (const m of members) if (m.key.type === 'secret') secrets += 1;
  if (secrets > 0 && secrets < members.length) throw mixedKeySetError();
}

/**
 * Refuses two members with the same `kid` and the same `use` (a member without `use` serves
 * both, so it collides with either).
 *
 * @throws {JWKSInvalid} naming the `kid`'s position, never key material.
 */
export function assertUniqueKids(members: readonly KeySetMember[]): void {
  const seen = new Map<string, Array<string | undefined>>();
  for (const m of members) {
    if (m.kid === undefined) continue;
    const uses = seen.get(m.kid) ?? [];
    if (uses.some((u) => u === undefined || m.use === undefined || u === m.use)) {
      throw new JWKSInvalid(`two keys in the set share the kid ${JSON.stringify(m.kid.slice(0, 64))} for the same use`);
    }
    uses.push(m.use);
    seen.set(m.kid, uses);
  }
}

/**
 * What a JWK says it may be used for: `use` (RFC 7517 §4.2) and `key_ops` (§4.3). A key marked
 * for encryption never verifies a signature and a signing key never decrypts, whichever of the
 * two members says so; when both are present they must agree.
 */
import { JWKInvalid } from '../errors.js';

/** The operations RFC 7517 §4.3 registers. */
export type KeyOperation = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'wrapKey' | 'unwrapKey' | 'deriveKey' | 'deriveBits';

/** What cjwt asks of a key. */
export type KeyPurpose = 'sign' | 'verify' | 'encrypt' | 'decrypt';

/** The usage members of a JWK, checked. */
export interface KeyUsage {
  use?: string;
  keyOps?: readonly string[];
}

const SIGNATURE_OPS: ReadonlySet<string> = new Set(['sign', 'verify']);
const ENCRYPTION_OPS: ReadonlySet<string> = new Set(['encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'deriveKey', 'deriveBits']);

/**
 * The operations that grant each purpose. Verifying and encrypting use the public half, so a
 * private key listed for the other half of its family (`sign`, `decrypt`) grants them too; a key
 * listed only for `verify` never signs, and only for `encrypt` never decrypts.
 */
const GRANTING_OPS: Readonly<Record<KeyPurpose, ReadonlySet<string>>> = {
  sign: new Set(['sign']),
  verify: SIGNATURE_OPS,
  decrypt: new Set(['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits']),
  encrypt: ENCRYPTION_OPS,
};

/**
 * Reads and checks `use` and `key_ops`: `use` a string, `key_ops` an array of distinct strings,
 * and the two consistent (RFC 7517 §4.3: `sig` goes with sign/verify, `enc` with the others).
 *
 * @throws {JWKInvalid} for malformed or contradictory members.
 * @example readKeyUsage({ kty: 'oct', k, key_ops: ['encrypt', 'decrypt'] }) // { keyOps: ['encrypt', 'decrypt'] }
 */
export function readKeyUsage(jwk: { use?: unknown; key_ops?: unknown }): KeyUsage {
  const out: KeyUsage = {};
  if (jwk.use !== undefined) {
    if (typeof jwk.use !== 'string' || jwk.use.length === 0) throw new JWKInvalid('JWK "use" must be a non-empty string');
    out.use = jwk.use;
  }
  if (jwk.key_ops !== undefined) {
    const ops = jwk.key_ops;
    if (!Array.isArray(ops) || ops.some((op) => typeof op !== 'string')) throw new JWKInvalid('JWK "key_ops" must be an array of strings');
    if (new Set(ops).size !== ops.length) throw new JWKInvalid('JWK "key_ops" must not repeat an operation');
    out.keyOps = Object.freeze([...ops as string[]]);
    const family = out.use === 'sig' ? SIGNATURE_OPS : out.use === 'enc' ? ENCRYPTION_OPS : undefined;
    if (family !== undefined && out.keyOps.some((op) => !family.has(op))) {
      throw new JWKInvalid(`JWK "key_ops" contradicts "use": "${out.use}"`);
    }
  }
  return out;
}

/**
 * True when a key with this `use` / `key_ops` may serve `purpose`. Absent members allow
 * everything; an unknown `use` allows nothing.
 *
 * @example keyUsageAllows({ keyOps: ['encrypt', 'decrypt'] }, 'verify') // false
 */
export function keyUsageAllows(usage: KeyUsage, purpose: KeyPurpose): boolean {
  if (usage.use !== undefined && usage.use !== (purpose === 'sign' || purpose === 'verify' ? 'sig' : 'enc')) return false;
  if (usage.keyOps === undefined) return true;
  const granting = GRANTING_OPS[purpose];
  return usage.keyOps.some((op) => granting.has(op));
}

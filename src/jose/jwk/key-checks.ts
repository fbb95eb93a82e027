/**
 * Key strength and key-confusion checks shared by key import and the per-key signer/verifier
 * factories. They run once per key, never per token.
 */
import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ALGORITHMS, MIN_RSA_MODULUS_BITS, OPENSSL_TO_JOSE_CURVE, type AlgorithmSpec } from '../algorithms.js';
import { JOSEAlgNotAllowed, JWKInvalid, KeyTooWeak } from '../errors.js';

function parsesAs(attempt: () => unknown): boolean {
  try { attempt(); return true; } catch { return false; }
}

/**
 * Rejects a would-be HMAC secret that is really an encoded key (PEM, DER SPKI/PKCS#1/PKCS#8/SEC1/X.509, or a
 * JWK, or an X.509 certificate). This closes the classic RS256→HS256 confusion: a public key can never become a secret.
 *
 * @throws {JWKInvalid} when the bytes are a key encoding.
 */
export function assertSecretIsNotAKey(secret: Uint8Array): void {
  const bytes = Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength);
  const text = bytes.toString('latin1').trimStart();
  if (text.startsWith('-----BEGIN') || text.startsWith('ssh-') || text.includes('-----BEGIN ')) {
    throw new JWKInvalid('an HMAC secret must not be a PEM-encoded key');
  }
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && ('kty' in parsed || 'keys' in parsed)) {
        throw new JWKInvalid('an HMAC secret must not be a JSON Web Key');
      }
    } catch (err) {
      if (err instanceof JWKInvalid) throw err;
    }
  }
  // DER always starts with a SEQUENCE tag; only then is it worth asking OpenSSL.
  if (bytes[0] === 0x30) {
    const der =
      parsesAs(() => createPublicKey({ key: bytes, format: 'der', type: 'spki' })) ||
      parsesAs(() => createPublicKey({ key: bytes, format: 'der', type: 'pkcs1' })) ||
      parsesAs(() => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' })) ||
      parsesAs(() => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs1' })) ||
      parsesAs(() => createPrivateKey({ key: bytes, format: 'der', type: 'sec1' })) ||
      parsesAs(() => new X509Certificate(bytes));
    if (der) throw new JWKInvalid('an HMAC secret must not be a DER-encoded key');
  }
}

/**
 * Checks that `key` can be used with `alg` (right type, right curve, strong enough) and returns the
 * algorithm's table row. For secrets it also exports the bytes once, to run the key-confusion check.
 *
 * @throws {JOSEAlgNotAllowed} when the key does not fit the algorithm.
 * @throws {KeyTooWeak} when it fits but is below the minimum strength.
 */
export function checkKeyForAlgorithm(key: KeyObject, alg: string, purpose: 'sign' | 'verify'): AlgorithmSpec {
  const spec = Object.prototype.hasOwnProperty.call(ALGORITHMS, alg) ? ALGORITHMS[alg as keyof typeof ALGORITHMS] : undefined;
  if (spec === undefined) throw new JOSEAlgNotAllowed(`unsupported or disallowed algorithm "${alg}"`);
  if (spec.family === 'HMAC') {
    if (key.type !== 'secret') throw new JOSEAlgNotAllowed(`${alg} needs a secret key, not a ${key.type} key`);
    if ((key.symmetricKeySize ?? 0) < spec.hashLength) {
      throw new KeyTooWeak(`${alg} needs a secret of at least ${spec.hashLength} bytes`);
    }
    assertSecretIsNotAKey(key.export());
    return spec;
  }
  if (key.type === 'secret') throw new JOSEAlgNotAllowed(`${alg} needs an asymmetric key, not a secret`);
  if (purpose === 'sign' && key.type !== 'private') throw new JOSEAlgNotAllowed(`signing with ${alg} needs a private key`);
  const type = key.asymmetricKeyType ?? '';
  if (!spec.keyTypes.includes(type)) throw new JOSEAlgNotAllowed(`${alg} cannot be used with a ${type} key`);
  const details = key.asymmetricKeyDetails ?? {};
  if (spec.family === 'RSA' || spec.family === 'RSA-PSS') {
    if ((details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
      throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_MODULUS_BITS} bits`);
    }
    if (type === 'rsa-pss' && details.hashAlgorithm !== undefined && details.hashAlgorithm !== spec.hash) {
      throw new JOSEAlgNotAllowed(`this RSA-PSS key is restricted to ${details.hashAlgorithm}`);
    }
  }
  if (spec.family === 'ECDSA' && OPENSSL_TO_JOSE_CURVE[details.namedCurve ?? ''] !== spec.curve) {
    throw new JOSEAlgNotAllowed(`${alg} needs a ${String(spec.curve)} key`);
  }
  return spec;
}

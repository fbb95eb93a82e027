/**
 * ECDH-ES (RFC 7518 §4.6, RFC 8037 §3.2): ephemeral key generation, validation of the sender's
 * ephemeral public key, shared-secret computation. NIST points are checked against the curve by
 * OpenSSL (`ECDH.computeSecret` rejects a point that is not on it); X25519/X448 outputs that are
 * all zero (low-order points) are rejected by OpenSSL's derivation.
 */
import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { JWEInvalid } from '../errors.js';
import { decodeSegment } from './header.js';
import { EC_CURVES, type PreparedKey } from './prepared-key.js';

type ECKey = Extract<PreparedKey, { kind: 'ec' }>;
type OKPKey = Extract<PreparedKey, { kind: 'okp' }>;

// DER SubjectPublicKeyInfo headers of RFC 8410 keys: the raw public key follows.
const SPKI_PREFIX = {
  X25519: Buffer.from('302a300506032b656e032100', 'hex'),
  X448: Buffer.from('3042300506032b656f033900', 'hex'),
} as const;

function coordinate(value: unknown, length: number): Buffer {
  if (typeof value !== 'string') throw new JWEInvalid('invalid "epk" header parameter');
  const bytes = decodeSegment(value, '"epk" coordinate');
  if (bytes.length !== length) throw new JWEInvalid('invalid "epk" header parameter');
  return bytes;
}

/**
 * Reads the sender's ephemeral public key for `recipient`'s curve. Structural problems (wrong
 * kty/crv, bad lengths) are a malformed JWE; whether the point lies on the curve is decided when
 * the secret is computed, and a failure there is a decryption failure.
 */
export function parseEphemeralKey(epk: unknown, recipient: ECKey | OKPKey): Buffer | KeyObject {
  if (epk === null || typeof epk !== 'object' || Array.isArray(epk)) throw new JWEInvalid('"epk" header parameter must be a JWK object');
  const jwk = epk as Record<string, unknown>;
  if (jwk.crv !== recipient.crv) throw new JWEInvalid('"epk" curve does not match the key');
  if ('d' in jwk) throw new JWEInvalid('"epk" must be a public key');
  if (recipient.kind === 'ec') {
    if (jwk.kty !== 'EC') throw new JWEInvalid('invalid "epk" key type');
    const n = EC_CURVES[recipient.crv].coordinateLength;
    const point = Buffer.allocUnsafe(1 + 2 * n);
    point[0] = 4;
    point.set(coordinate(jwk.x, n), 1);
    point.set(coordinate(jwk.y, n), 1 + n);
    return point;
  }
  if (jwk.kty !== 'OKP') throw new JWEInvalid('invalid "epk" key type');
  const x = coordinate(jwk.x, recipient.crv === 'X25519' ? 32 : 56);
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX[recipient.crv], x]), format: 'der', type: 'spki' });
  } catch {
    throw new JWEInvalid('invalid "epk" header parameter');
  }
}

/** The recipient side: Z from our private key and their ephemeral public key; `undefined` if invalid. */
export function recipientSharedSecret(recipient: ECKey | OKPKey, ephemeral: Buffer | KeyObject): Buffer | undefined {
  try {
    if (recipient.kind === 'ec') {
      if (recipient.ecdh === undefined) return undefined;
      return recipient.ecdh.computeSecret(ephemeral as Buffer);
    }
    if (!recipient.isPrivate) return undefined;
    return diffieHellman({ privateKey: recipient.key, publicKey: ephemeral as KeyObject });
  } catch {
    return undefined;
  }
}

/**
 * The sender side: a fresh ephemeral key pair (or the injected one, for test vectors), its public
 * JWK for the `epk` header, and Z.
 */
export function senderSharedSecret(recipient: ECKey | OKPKey, fixedEphemeral?: KeyObject): { epk: Record<string, string>; z: Buffer } {
  if (recipient.kind === 'ec') {
    const ecdh = createECDH(EC_CURVES[recipient.crv].openssl);
    let point: Buffer;
    if (fixedEphemeral === undefined) point = ecdh.generateKeys();
    else {
      ecdh.setPrivateKey(Buffer.from(fixedEphemeral.export({ format: 'jwk' }).d ?? '', 'base64url'));
      point = ecdh.getPublicKey();
    }
    const n = EC_CURVES[recipient.crv].coordinateLength;
    const epk = { kty: 'EC', crv: recipient.crv, x: point.subarray(1, 1 + n).toString('base64url'), y: point.subarray(1 + n).toString('base64url') };
    return { epk, z: ecdh.computeSecret(recipient.publicPoint) };
  }
  const privateKey = fixedEphemeral ?? (recipient.crv === 'X25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448')).privateKey;
  const publicKey = createPublicKey(privateKey);
  const x = publicKey.export({ format: 'jwk' }).x ?? '';
  return { epk: { kty: 'OKP', crv: recipient.crv, x }, z: diffieHellman({ privateKey, publicKey: recipient.publicKey }) };
}

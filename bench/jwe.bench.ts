/**
 * JWE and nested tokens: cjwt against jose and the floor — the bare node:crypto calls plus the
 * base64url/JSON work that cannot be skipped, written inline. Rows: nested issue (sign ES256, then
 * encrypt) and nested decrypt+verify for ECDH-ES+A256KW/A256GCM and RSA-OAEP-256/A256GCM, and
 * plain dir/A256GCM encrypt and decrypt. Every decrypter reads the same token, made by cjwt.
 */
import { Buffer } from 'node:buffer';
import {
  constants, createCipheriv, createDecipheriv, createECDH, createHash, createSecretKey, generateKeyPairSync, privateDecrypt,
  publicEncrypt, randomBytes, sign as cryptoSign, verify as cryptoVerify, type KeyObject,
} from 'node:crypto';
import * as jose from 'jose';
import { createJWEDecrypter, createJWEEncrypter } from '../src/jose/jwe/jwe.js';
import { createNestedJWTIssuer, createNestedJWTVerifier } from '../src/nested/index.js';
import type { Harness, Row, Suite } from './harness.js';

const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

function claimsNow(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: '1234567890', uid: 42, scope: 'read write', iss: 'https://issuer.example', aud: 'api', iat: now, exp: now + 3600, jti: 'ZP0nT0yLmZ2bq3Wj5y1bSg' };
}

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** ES256 compact JWS, floor style. */
function floorSign(key: KeyObject, claims: object): string {
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

function floorVerify(key: KeyObject, jws: string): unknown {
  const [h, p, s] = jws.split('.') as [string, string, string];
  JSON.parse(Buffer.from(h, 'base64url').toString());
  const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (!cryptoVerify('sha256', Buffer.from(jws.slice(0, jws.lastIndexOf('.'))), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
  return payload;
}

function gcmEncrypt(cek: Buffer, header: string, plaintext: string, encryptedKey: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', cek, iv);
  c.setAAD(Buffer.from(header));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return `${header}.${encryptedKey}.${iv.toString('base64url')}.${ct.toString('base64url')}.${c.getAuthTag().toString('base64url')}`;
}

function gcmDecrypt(cek: Buffer, parts: string[]): Buffer {
  const d = createDecipheriv('aes-256-gcm', cek, Buffer.from(parts[2]!, 'base64url'));
  d.setAAD(Buffer.from(parts[0]!));
  d.setAuthTag(Buffer.from(parts[4]!, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(parts[3]!, 'base64url')), d.final()]);
}

function concatKdf256(z: Buffer, alg: string): Buffer {
  const info = Buffer.concat([Buffer.from([0, 0, 0, alg.length]), Buffer.from(alg), Buffer.alloc(8), Buffer.from([0, 0, 1, 0])]);
  return createHash('sha256').update(Buffer.from([0, 0, 0, 1])).update(z).update(info).digest();
}

/** Floor for ECDH-ES+A256KW/A256GCM: ephemeral P-256, Z, Concat KDF, AES-KW, GCM. */
function floorEcdh(recipient: { publicKey: KeyObject; privateKey: KeyObject }): { encrypt(p: string): string; decrypt(t: string): Buffer } {
  const jwk = recipient.publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  const mine = createECDH('prime256v1');
  mine.setPrivateKey(Buffer.from(recipient.privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  return {
    encrypt(plaintext) {
      const eph = createECDH('prime256v1');
      const pub = eph.generateKeys();
      const kek = concatKdf256(eph.computeSecret(point), 'ECDH-ES+A256KW');
      const cek = randomBytes(32);
      const w = createCipheriv('id-aes256-wrap', kek, KW_IV);
      const ek = Buffer.concat([w.update(cek), w.final()]);
      const header = b64({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', epk: { kty: 'EC', crv: 'P-256', x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') } });
      return gcmEncrypt(cek, header, plaintext, ek.toString('base64url'));
    },
    decrypt(token) {
      const parts = token.split('.');
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as { epk: { x: string; y: string } };
      const epk = Buffer.concat([Buffer.of(4), Buffer.from(header.epk.x, 'base64url'), Buffer.from(header.epk.y, 'base64url')]);
      const kek = concatKdf256(mine.computeSecret(epk), 'ECDH-ES+A256KW');
      const u = createDecipheriv('id-aes256-wrap', kek, KW_IV);
      const cek = Buffer.concat([u.update(Buffer.from(parts[1]!, 'base64url')), u.final()]);
      return gcmDecrypt(cek, parts);
    },
  };
}

/** Floor for RSA-OAEP-256/A256GCM. */
function floorRsa(recipient: { publicKey: KeyObject; privateKey: KeyObject }): { encrypt(p: string): string; decrypt(t: string): Buffer } {
  const header = b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' });
  return {
    encrypt(plaintext) {
      const cek = randomBytes(32);
      const ek = publicEncrypt({ key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
      return gcmEncrypt(cek, header, plaintext, ek.toString('base64url'));
    },
    decrypt(token) {
      const parts = token.split('.');
      JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
      const cek = privateDecrypt({ key: recipient.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(parts[1]!, 'base64url'));
      return gcmDecrypt(cek, parts);
    },
  };
}

const suite: Suite = async (h: Harness) => {
  const rows: Row[] = [];
  const sig = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const claims = claimsNow();

  for (const [alg, recipient, floor] of [
    ['ECDH-ES+A256KW', generateKeyPairSync('ec', { namedCurve: 'P-256' }), floorEcdh],
    ['RSA-OAEP-256', generateKeyPairSync('rsa', { modulusLength: 2048 }), floorRsa],
  ] as const) {
    const label = `${alg}/A256GCM+ES256`;
    const issue = createNestedJWTIssuer({ signingKey: sig.privateKey, signingAlg: 'ES256', encryptionKey: recipient.publicKey, alg, enc: 'A256GCM', issuedAt: false });
    const verify = createNestedJWTVerifier({ decryptionKey: recipient.privateKey, verificationKey: sig.publicKey, issuer: 'https://issuer.example', audience: 'api', keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'], algorithms: ['ES256'] });
    const f = floor(recipient);
    const token = issue(claims);
    // Every implementation must read the shared token before it is timed.
    verify(token);
    floorVerify(sig.publicKey, f.decrypt(token).toString());
    const joseDecryptVerify = async (t: string): Promise<unknown> => {
      const { plaintext } = await jose.compactDecrypt(t, recipient.privateKey, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: ['A256GCM'] });
      return jose.jwtVerify(new TextDecoder().decode(plaintext), sig.publicKey, { issuer: 'https://issuer.example', audience: 'api', algorithms: ['ES256'] });
    };
    await joseDecryptVerify(token);
    if (h.wants('nested-issue', label)) {
      rows.push(await h.compare('nested-issue', label, {
        cjwt: () => issue(claims),
        jose: async () => {
          const jws = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(sig.privateKey);
          return new jose.CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg, enc: 'A256GCM', cty: 'JWT' }).encrypt(recipient.publicKey);
        },
        floor: () => f.encrypt(floorSign(sig.privateKey, claims)),
      }));
    }
    if (h.wants('nested-decrypt-verify', label)) {
      rows.push(await h.compare('nested-decrypt-verify', label, {
        cjwt: () => verify(token),
        jose: () => joseDecryptVerify(token),
        floor: () => floorVerify(sig.publicKey, f.decrypt(token).toString()),
      }));
    }
  }

  const secret = randomBytes(32);
  const key = createSecretKey(secret);
  const plaintext = JSON.stringify(claims);
  const encrypt = createJWEEncrypter(key, { alg: 'dir', enc: 'A256GCM' });
  const decrypt = createJWEDecrypter(key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
  const dirHeader = b64({ alg: 'dir', enc: 'A256GCM' });
  const token = encrypt(plaintext);
  decrypt(token);
  await jose.compactDecrypt(token, key);
  if (h.wants('jwe-encrypt', 'dir/A256GCM')) {
    const bytes = new TextEncoder().encode(plaintext);
    rows.push(await h.compare('jwe-encrypt', 'dir/A256GCM', {
      cjwt: () => encrypt(plaintext),
      jose: () => new jose.CompactEncrypt(bytes).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(key),
      floor: () => gcmEncrypt(secret, dirHeader, plaintext, ''),
    }));
  }
  if (h.wants('jwe-decrypt', 'dir/A256GCM')) {
    rows.push(await h.compare('jwe-decrypt', 'dir/A256GCM', {
      cjwt: () => decrypt(token),
      jose: () => jose.compactDecrypt(token, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] }),
      floor: () => {
        const parts = token.split('.');
        JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
        return gcmDecrypt(secret, parts);
      },
    }));
  }
  return rows;
};

export default suite;

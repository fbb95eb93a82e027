/**
 * Multi-signature rows of `npm run bench:encryption`: verifying a 3-signer (RS256, ES256, EdDSA)
 * JWS General JSON token under a threshold-3 policy, against three bare `crypto.verify` calls
 * over the same signing inputs (the floor), and against jose doing the same checks: three
 * `flattenedVerify` calls with the CryptoKey picked by `kid` (imported once), then the count.
 */
import { Buffer } from 'node:buffer';
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { Ed25519, ES256, MultiSignatureManager, RS256, ThresholdPolicy } from '../src/encryption/index.js';
import { generateKeyPair } from '../src/jose/index.js';
import type { Harness, Row } from './harness.js';

/** The multi-signature rows. */
export async function multiSignatureRows(h: Harness): Promise<Row[]> {
  if (!h.wants('verify', '3 signers')) return [];
  const pairs = { a: generateKeyPair('RS256'), b: generateKeyPair('ES256'), c: generateKeyPair('EdDSA') };
  const msm = new MultiSignatureManager({
    signers: [
      { id: 'a', algorithm: RS256, role: 'approver', key: pairs.a.privateKey },
      { id: 'b', algorithm: ES256, role: 'auditor', key: pairs.b.privateKey },
      { id: 'c', algorithm: Ed25519, role: 'officer', key: pairs.c.privateKey },
    ],
  });
  const policy = { type: ThresholdPolicy, requiredSignatures: 3 } as const;
  const data = JSON.stringify({ tx: 'transfer', amount: 1000, currency: 'EUR', to: 'DE89370400440532013000', ts: 1764633600 });
  const { jws } = msm.createMultiSignature({ data, signers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], policy });
  const check = msm.verifyMultiSignature({ jws, policy });
  if (!check.valid) throw new Error('cjwt cannot verify its own token');

  // Floor: the three verifications, each with its signing input and decoded signature.
  const floorKeys: Array<{ key: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' }; hash: string | null }> = [
    { key: pairs.a.publicKey, hash: 'sha256' },
    { key: { key: pairs.b.publicKey, dsaEncoding: 'ieee-p1363' }, hash: 'sha256' },
    { key: pairs.c.publicKey, hash: null },
  ];
  const floor = (): number => {
    let ok = 0;
    for (let i = 0; i < 3; i++) {
      const entry = jws.signatures[i]!;
      const { key, hash } = floorKeys[i]!;
      if (cryptoVerify(hash, Buffer.from(`${entry.protected!}.${jws.payload}`), key, Buffer.from(entry.signature, 'base64url'))) ok++;
    }
    if (ok !== 3) throw new Error('floor failed');
    return ok;
  };
  floor();

  const joseKeys = new Map<string, jose.CryptoKey>([
    ['a', await jose.importJWK(pairs.a.publicKey.export({ format: 'jwk' }) as jose.JWK, 'RS256') as jose.CryptoKey],
    ['b', await jose.importJWK(pairs.b.publicKey.export({ format: 'jwk' }) as jose.JWK, 'ES256') as jose.CryptoKey],
    ['c', await jose.importJWK(pairs.c.publicKey.export({ format: 'jwk' }) as jose.JWK, 'EdDSA') as jose.CryptoKey],
  ]);
  const joseVerify = async (): Promise<number> => {
    const seen = new Set<string>();
    for (const entry of jws.signatures) {
      const out = await jose.flattenedVerify({ payload: jws.payload, protected: entry.protected!, signature: entry.signature },
        (header) => joseKeys.get(header.kid!)!, { algorithms: ['RS256', 'ES256', 'EdDSA'] });
      seen.add(out.protectedHeader!.kid!);
    }
    if (seen.size < 3) throw new Error('policy unmet');
    return seen.size;
  };
  await joseVerify();

  const row = await h.compare('verify', '3 signers (RS256+ES256+EdDSA)', {
    cjwt: () => msm.verifyMultiSignature({ jws, policy }),
    floor,
    jose: joseVerify,
  });
  msm.close();
  return [row];
}

/**
 * JWS/JWT sign and verify: cjwt against jose, fast-jwt (cache off), jsonwebtoken, and the floor —
 * the bare node:crypto call plus the base64url/JSON work a verifier cannot skip, written inline.
 * Every verifier checks the same token (signed by cjwt); every signer signs the same claims.
 */
import { Buffer } from 'node:buffer';
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, generateKeyPairSync, randomBytes, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import * as jose from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { createJWTSigner, createJWTVerifier, type JWSAlgorithm } from '../src/jose/index.js';
import type { Harness, Row, Suite } from './harness.js';

const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const;

interface KeySet {
  signKey: KeyObject;
  verifyKey: KeyObject;
  /** What fast-jwt is given: the secret bytes or PEM text, which it prepares once per factory. */
  fastSignKey: string | Buffer;
  fastVerifyKey: string | Buffer;
}

function keysFor(alg: (typeof ALGS)[number]): KeySet {
  if (alg === 'HS256') {
    const secret = randomBytes(32);
    const key = createSecretKey(secret);
    return { signKey: key, verifyKey: key, fastSignKey: secret, fastVerifyKey: secret };
  }
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    : alg === 'EdDSA' ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const publicPem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  return { signKey: createPrivateKey(privatePem), verifyKey: createPublicKey(publicPem), fastSignKey: privatePem, fastVerifyKey: publicPem };
}

const HASH: Record<string, string | null> = { HS256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null };

function floorOptions(alg: string, key: KeyObject): KeyObject | { key: KeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' } {
  if (alg === 'PS256') return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  if (alg === 'ES256') return { key, dsaEncoding: 'ieee-p1363' };
  return key;
}

/** The floor verifier: split, decode and parse header and payload, one crypto call. */
function floorVerifier(alg: string, key: KeyObject): (token: string) => unknown {
  const hash = HASH[alg] ?? null;
  if (alg === 'HS256') {
    return (token) => {
      const [h, p, s] = token.split('.') as [string, string, string];
      JSON.parse(Buffer.from(h, 'base64url').toString());
      const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString());
      const mac = createHmac('sha256', key).update(token.slice(0, token.lastIndexOf('.'))).digest();
      const sig = Buffer.from(s, 'base64url');
      if (sig.length !== mac.length || !timingSafeEqual(mac, sig)) throw new Error('bad signature');
      return payload;
    };
  }
  const options = floorOptions(alg, key);
  return (token) => {
    const [h, p, s] = token.split('.') as [string, string, string];
    JSON.parse(Buffer.from(h, 'base64url').toString());
    const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString());
    if (!cryptoVerify(hash, Buffer.from(token.slice(0, token.lastIndexOf('.'))), options, Buffer.from(s, 'base64url'))) throw new Error('bad signature');
    return payload;
  };
}

/** The floor signer: serialise and encode the payload, one crypto call (header precomputed). */
function floorSigner(alg: string, key: KeyObject): (claims: object) => string {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const hash = HASH[alg] ?? null;
  if (alg === 'HS256') {
    return (claims) => {
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
    };
  }
  const options = floorOptions(alg, key);
  return (claims) => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${cryptoSign(hash, Buffer.from(input), options).toString('base64url')}`;
  };
}

function claimsNow(): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: '1234567890', name: 'John Doe', admin: true, iss: 'https://issuer.example', aud: 'api', iat: now, exp: now + 3600 };
}

const suite: Suite = async (h: Harness) => {
  const rows: Row[] = [];
  for (const alg of ALGS) {
    const keys = keysFor(alg);
    const claims = claimsNow();
    const cjwtSign = createJWTSigner({ key: keys.signKey, alg: alg as JWSAlgorithm, issuedAt: false });
    const token = cjwtSign(claims);
    const jwtAlg = alg as jsonwebtoken.Algorithm;
    const jsonwebtokenSupports = alg !== 'EdDSA';

    if (h.wants('sign', alg)) {
      const fastSign = createSigner({ key: keys.fastSignKey, algorithm: alg, noTimestamp: true });
      const josePayload = { ...claims };
      rows.push(await h.compare('sign', alg, {
        cjwt: () => cjwtSign(claims),
        jose: () => new jose.SignJWT(josePayload).setProtectedHeader({ alg, typ: 'JWT' }).sign(keys.signKey),
        'fast-jwt': () => fastSign(claims),
        jsonwebtoken: jsonwebtokenSupports ? () => jsonwebtoken.sign(claims, keys.signKey, { algorithm: jwtAlg, noTimestamp: true }) : null,
        floor: ((s) => () => s(claims))(floorSigner(alg, keys.signKey)),
      }));
    }

    if (h.wants('verify', alg)) {
      const cjwtVerify = createJWTVerifier(keys.verifyKey, { algorithms: [alg as JWSAlgorithm] });
      const fastVerify = createVerifier({ key: keys.fastVerifyKey, algorithms: [alg], cache: false });
      const floor = floorVerifier(alg, keys.verifyKey);
      // Every verifier must accept the shared token before it is timed.
      cjwtVerify(token); fastVerify(token); floor(token); await jose.jwtVerify(token, keys.verifyKey);
      if (jsonwebtokenSupports) jsonwebtoken.verify(token, keys.verifyKey, { algorithms: [jwtAlg] });
      rows.push(await h.compare('verify', alg, {
        cjwt: () => cjwtVerify(token),
        jose: () => jose.jwtVerify(token, keys.verifyKey, { algorithms: [alg] }),
        'fast-jwt': () => fastVerify(token),
        jsonwebtoken: jsonwebtokenSupports ? () => jsonwebtoken.verify(token, keys.verifyKey, { algorithms: [jwtAlg] }) : null,
        floor: () => floor(token),
      }));
    }
  }
  return rows;
};

export default suite;

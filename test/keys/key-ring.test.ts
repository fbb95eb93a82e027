import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { isCjwtError } from '../../src/jose/errors.js';
import { signJWT, verifyJWT } from '../../src/jose/jwt/jwt.js';
import { calculateJwkThumbprint, generateKeyPair, generateSecret, toPublicKey } from '../../src/jose/jwk/keys.js';
import { createLocalJWKSet } from '../../src/keys/jwks-select.js';
import { KeyRing } from '../../src/keys/key-ring.js';

const HOUR = 3_600_000;

function clock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function claims(now: number, ttlSeconds = 86_400): { sub: string; iat: number; exp: number } {
  const iat = Math.floor(now / 1000);
  return { sub: 'user-1', iat, exp: iat + ttlSeconds };
}

function signWithoutKid(secret: KeyObject): string {
  return signJWT({ sub: 'kidless' }, secret, { alg: 'HS256', expiresIn: '1h' });
}

function signWithKid(secret: KeyObject, alg: 'HS256', kid: string): string {
  return signJWT({ sub: 'x' }, secret, { alg, kid, expiresIn: '1h' });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(isCjwtError(err), `expected a typed error, got ${String(err)}`);
    return err.code;
  }
}

describe('KeyRing', () => {
  it('uses the RFC 7638 thumbprint as the default kid and puts kid and alg in the header', () => {
    const { privateKey } = generateKeyPair('ES256');
    const ring = new KeyRing();
    const info = ring.add(privateKey);
    assert.equal(info.kid, calculateJwkThumbprint(toPublicKey(privateKey)));
    assert.equal(info.alg, 'ES256');
    assert.equal(info.state, 'active');
    assert.equal(info.type, 'private');
    const token = ring.sign({ sub: 'a' });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(header, { alg: 'ES256', typ: 'JWT', kid: info.kid });
    assert.equal(ring.verify(token).payload.sub, 'a');
  });

  it('a token signed before rotation verifies during the grace period and fails after it', () => {
    const c = clock();
    const ring = KeyRing.generate('ES256', { now: c.now });
    const oldKid = ring.signingKey()!.kid;
    const before = ring.sign(claims(c.now()));
    const rotated = ring.rotate({ gracePeriod: '1h' });
    assert.notEqual(rotated.kid, oldKid);
    assert.equal(ring.signingKey()!.kid, rotated.kid);
    const after = ring.sign(claims(c.now()));
    assert.equal(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid, rotated.kid);

    c.advance(59 * 60_000);
    assert.equal(ring.verify(before).payload.sub, 'user-1');
    const old = ring.list().find((k) => k.kid === oldKid)!;
    assert.equal(old.state, 'retiring');
    assert.equal(old.retireAt, Date.UTC(2030, 0, 1) + HOUR);

    c.advance(2 * 60_000);
    assert.equal(codeOf(() => ring.verify(before)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(ring.list().find((k) => k.kid === oldKid)!.state, 'retired');
    assert.equal(ring.verify(after).payload.sub, 'user-1');
  });

  it('the JWKS lists exactly the keys that verify, public members only', () => {
    const c = clock();
    const ring = KeyRing.generate('RS256', { now: c.now });
    const first = ring.signingKey()!.kid;
    ring.rotate({ algorithm: 'ES256', gracePeriod: 600 });
    const second = ring.signingKey()!.kid;
    ring.add(generateSecret('HS256'), { active: false });
    let jwks = ring.jwks();
    assert.deepEqual(jwks.keys.map((k) => k.kid), [second, first]);
    for (const k of jwks.keys) {
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(k[m], undefined, `member ${m} leaked`);
      assert.notEqual(k.kty, 'oct');
      assert.equal(k.use, 'sig');
    }
    assert.deepEqual(jwks.keys.map((k) => k.alg), ['ES256', 'RS256']);
    c.advance(601_000);
    jwks = ring.jwks();
    assert.deepEqual(jwks.keys.map((k) => k.kid), [second]);
    // The JWKS verifies what the ring signs, through the jose core.
    const token = ring.sign(claims(Date.now()));
    assert.equal(verifyJWT(token, createLocalJWKSet(jwks)).payload.sub, 'user-1');
  });

  it('refuses kidless tokens unless allowed, then tries only keys of the token alg', () => {
    const secret = generateSecret('HS256');
    const strict = new KeyRing();
    strict.add(secret, { kid: 'h1' });
    const kidless = signWithoutKid(secret);
    assert.equal(codeOf(() => strict.verify(kidless)), 'ERR_JWKS_NO_MATCHING_KEY');

    const lenient = new KeyRing({ allowKidless: true });
    lenient.add(generateKeyPair('ES256').privateKey);
    lenient.add(generateSecret('HS256'), { kid: 'other-secret', active: false });
    lenient.add(secret, { kid: 'h1', active: false });
    assert.equal(lenient.verify(kidless).payload.sub, 'kidless');
    const onlyEs = new KeyRing({ allowKidless: true });
    onlyEs.add(generateKeyPair('ES256').privateKey);
    assert.equal(codeOf(() => onlyEs.verify(kidless)), 'ERR_JWKS_NO_MATCHING_KEY');
  });

  it('the key decides the algorithm: a token whose header alg differs from the key is refused', () => {
    const secret = generateSecret('HS512');
    const ring = new KeyRing();
    ring.add(secret, { kid: 'k', alg: 'HS512' });
    const forged = signWithKid(secret, 'HS256', 'k');
    assert.equal(codeOf(() => ring.verify(forged)), 'ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('retire() stops a key at once and prune() removes it', () => {
    const ring = KeyRing.generate('EdDSA');
    const old = ring.signingKey()!.kid;
    const token = ring.sign(claims(Date.now()));
    ring.rotate({ gracePeriod: '1d' });
    assert.equal(ring.verify(token).payload.sub, 'user-1');
    assert.equal(ring.retire(old), true);
    assert.equal(codeOf(() => ring.verify(token)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.deepEqual(ring.prune(), [old]);
    assert.equal(ring.list().length, 1);
  });

  it('refuses weak keys, duplicate kids and a public key as the signer', () => {
    const ring = new KeyRing();
    assert.equal(codeOf(() => ring.add(generateSecret(16))), 'ERR_KEY_WEAK');
    ring.add(generateSecret('HS256'), { kid: 'same' });
    assert.equal(codeOf(() => ring.add(generateSecret('HS256'), { kid: 'same' })), 'ERR_JWK_INVALID');
    const pub = generateKeyPair('ES256').publicKey;
    assert.equal(codeOf(() => ring.add(pub, { active: true })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.equal(ring.add(pub).state, 'retiring');
    assert.equal(codeOf(() => ring.add(generateKeyPair('ES256').privateKey, { alg: 'RS256' })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    const before = ring.signingKey();
    assert.equal(codeOf(() => ring.rotate({ key: pub, algorithm: 'ES256' })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.deepEqual(ring.signingKey(), before);
  });

  it('a scheduled rotation runs on an unref()ed timer and can be stopped', async () => {
    const ring = KeyRing.generate('HS256');
    const first = ring.signingKey()!.kid;
    const rotations: string[] = [];
    const stop = ring.schedule({ interval: 1, gracePeriod: 60, onRotate: (info) => rotations.push(info.kid) });
    // Poll rather than sleep a fixed time: a loaded machine may fire the timer late.
    for (let waited = 0; rotations.length === 0 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    stop();
    const count = rotations.length;
    assert.ok(count >= 1, 'the schedule rotated');
    assert.notEqual(ring.signingKey()!.kid, first);
    assert.equal(ring.signingKey()!.kid, rotations.at(-1));
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(rotations.length, count, 'stopped schedules do not rotate');
  });
});


describe('KeyRing: retireAt given to add()', () => {
  it('is kept when the added key becomes the active key, and the key stops verifying then', () => {
    const c = clock();
    const ring = new KeyRing({ now: c.now });
    const info = ring.add(generateKeyPair('ES256').privateKey, { alg: 'ES256', kid: 'short-lived', retireAt: c.now() + HOUR });
    assert.equal(info.state, 'active');
    assert.equal(info.retireAt, c.now() + HOUR);
    const token = ring.sign(claims(c.now()));
    assert.equal(ring.verify(token).payload.sub, 'user-1');
    c.advance(HOUR);
    assert.equal(codeOf(() => ring.verify(token)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.deepEqual(ring.jwks().keys, []);
  });
});

describe('KeyRing: an active key past its retireAt', () => {
  it('no longer signs (a token it made could never verify)', () => {
    const c = clock();
    const ring = new KeyRing({ now: c.now });
    ring.add(generateKeyPair('ES256').privateKey, { alg: 'ES256', kid: 'ends', retireAt: c.now() + HOUR });
    assert.equal(ring.signingKey()?.kid, 'ends');
    c.advance(HOUR);
    assert.equal(ring.signingKey(), undefined);
    assert.equal(codeOf(() => ring.sign(claims(c.now()))), 'ERR_JOSE_ALG_NOT_ALLOWED');
    // Rotation still works from the ring's algorithm history when told the algorithm.
    const next = ring.rotate({ algorithm: 'ES256' });
    assert.equal(ring.verify(ring.sign(claims(c.now()))).protectedHeader.kid, next.kid);
  });
});

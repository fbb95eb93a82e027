import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJWT, signJWT } from '../../src/jose/jwt/jwt.js';
import { exportPEM, generateKeyPair, generateSecret } from '../../src/jose/jwk/keys.js';
import { JWTManager, type VerifyTokenResult } from '../../src/jwt/index.js';
import { KeyRing } from '../../src/keys/key-ring.js';

const SECRET = generateSecret('HS256');

function clock(start = Date.UTC(2030, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

function codeOf(result: VerifyTokenResult): string | undefined {
  return result.valid ? undefined : result.error.code;
}

describe('JWTManager', () => {
  it('an explicit typ is required on verify; without one, typ is not checked', async () => {
    const access = JWTManager.withHMAC(SECRET, { typ: 'at+jwt' });
    const token = (await access.generateToken({ subject: 'u' })).token;
    assert.equal(decodeJWT(token).header.typ, 'at+jwt');
    assert.equal((await access.verifyToken(token)).valid, true);
    // Same key, other token type (an ID token, say): refused by the access-token manager.
    const idToken = signJWT({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET, { alg: 'HS256', typ: 'JWT', kid: access.getKeyInfo().active!.kid });
    assert.equal(codeOf(await access.verifyToken(idToken)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    const plain = JWTManager.withHMAC(SECRET);
    assert.equal((await plain.verifyToken(signJWT({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 }, SECRET, { alg: 'HS256', typ: 'whatever', kid: plain.getKeyInfo().active!.kid }))).valid, true);
  });

  it('generateToken fills the registered claims and returns dates and jti', async () => {
    const c = clock();
    const m = JWTManager.withHMAC(SECRET, { issuer: 'https://auth.example', audience: 'api', defaultTtl: '15m', now: c.now });
    const out = await m.generateToken({ subject: 'user-1', customClaims: { role: 'admin' } });
    const iat = Date.UTC(2030, 0, 1) / 1000;
    assert.deepEqual(out.claims, { role: 'admin', iss: 'https://auth.example', sub: 'user-1', aud: 'api', iat, exp: iat + 900, jti: out.jwtId });
    assert.match(out.jwtId, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(out.issuedAt.getTime(), iat * 1000);
    assert.equal(out.expiresAt.getTime(), (iat + 900) * 1000);
    assert.deepEqual(decodeJWT(out.token).payload, out.claims);
    const other = await m.generateToken({ subject: 'user-1' });
    assert.notEqual(other.jwtId, out.jwtId);
  });

  it('generateToken honours explicit times, jti, audience and issuer', async () => {
    const m = JWTManager.withHMAC(SECRET, { issuer: 'default-iss', requireIssuer: false });
    const issuedAt = new Date(Date.now() - 10_000);
    const expiresAt = new Date(Date.now() + 60_000);
    const out = await m.generateToken({ issuer: 'other', subject: 's', audience: ['a', 'b'], issuedAt, expiresAt, notBefore: issuedAt, jwtId: 'my-id' });
    assert.equal(out.claims.iss, 'other');
    assert.deepEqual(out.claims.aud, ['a', 'b']);
    assert.equal(out.claims.iat, Math.floor(issuedAt.getTime() / 1000));
    assert.equal(out.claims.nbf, Math.floor(issuedAt.getTime() / 1000));
    assert.equal(out.claims.exp, Math.floor(expiresAt.getTime() / 1000));
    assert.equal(out.jwtId, 'my-id');
    // iss present but not the configured one: refused even though not required.
    assert.equal(codeOf(await m.verifyToken(out.token)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('the shortcut generateToken(subject, data) puts data under "data"', async () => {
    const m = JWTManager.withHMAC(SECRET);
    const out = await m.generateToken('user-2', { plan: 'pro', n: 3 });
    assert.deepEqual(out.claims.data, { plan: 'pro', n: 3 });
    const r = await m.verifyToken(out.token);
    assert.ok(r.valid);
    assert.equal(r.subject, 'user-2');
    assert.deepEqual(r.customClaims, { data: { plan: 'pro', n: 3 } });
    assert.deepEqual(JSON.parse(JSON.stringify(r)), { valid: true, claims: out.claims, subject: 'user-2', customClaims: { data: { plan: 'pro', n: 3 } } });
  });

  it('refuses registered names in customClaims and tokens above maxTokenSize', async () => {
    const m = JWTManager.withHMAC(SECRET, { maxTokenSize: 300 });
    await assert.rejects(m.generateToken({ subject: 's', customClaims: { exp: 1 } }), { code: 'ERR_JWT_INVALID' });
    await assert.rejects(m.generateToken({ subject: 's', customClaims: { blob: 'x'.repeat(400) } }), { code: 'ERR_TOKEN_TOO_LARGE' });
    await assert.rejects(m.generateToken({ subject: 's', expiresAt: 10, issuedAt: 20 }), { code: 'ERR_JWT_INVALID' });
  });

  it('verifyToken never throws for bad input and names the reason', async () => {
    const c = clock();
    const m = JWTManager.withHMAC(SECRET, { issuer: 'iss', audience: 'api', defaultTtl: 60, now: c.now });
    const { token } = await m.generateToken({ subject: 'u' });
    assert.equal((await m.verifyToken(token)).valid, true);
    const bad: Array<[unknown, string]> = [
      ['', 'ERR_JWS_INVALID'],
      ['a.b', 'ERR_JWS_INVALID'],
      [42, 'ERR_JWS_INVALID'],
      [`${token.slice(0, -2)}AA`, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
      ['x'.repeat(9000), 'ERR_TOKEN_TOO_LARGE'],
      [JWTManager.withHMAC(generateSecret('HS256')).keyRing.sign({ sub: 'u', exp: 2e9 }), 'ERR_JWKS_NO_MATCHING_KEY'],
    ];
    for (const [input, code] of bad) {
      const r = await m.verifyToken(input as string);
      assert.equal(r.valid, false);
      assert.equal(codeOf(r), code, `input ${String(input).slice(0, 20)}`);
    }
    const other = JWTManager.withKeyRing(m.keyRing, { issuer: 'someone-else', audience: 'api', now: c.now });
    assert.equal(codeOf(await other.verifyToken(token)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    const wrongAud = JWTManager.withKeyRing(m.keyRing, { issuer: 'iss', audience: 'other', now: c.now });
    assert.equal(codeOf(await wrongAud.verifyToken(token)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    c.advance(61_000);
    assert.equal(codeOf(await m.verifyToken(token)), 'ERR_JWT_EXPIRED');
    const tolerant = JWTManager.withKeyRing(m.keyRing, { issuer: 'iss', audience: 'api', clockTolerance: '5m', now: c.now });
    assert.equal((await tolerant.verifyToken(token)).valid, true);
  });

  it('requireIssuer / requireAudience without configured values require the claim to exist', async () => {
    const m = JWTManager.withHMAC(SECRET, { requireIssuer: true, requireAudience: true });
    const noIss = m.keyRing.sign({ sub: 'u', aud: 'x', exp: Math.floor(Date.now() / 1000) + 60 });
    const r = await m.verifyToken(noIss);
    assert.equal(codeOf(r), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    const both = m.keyRing.sign({ sub: 'u', iss: 'i', aud: 'x', exp: Math.floor(Date.now() / 1000) + 60 });
    assert.equal((await m.verifyToken(both)).valid, true);
    const noExp = m.keyRing.sign({ sub: 'u', iss: 'i', aud: 'x' });
    assert.equal(codeOf(await m.verifyToken(noExp)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  });

  it('constructors for RSA, ECDSA, HMAC and EdDSA keys (KeyObject, PEM, JWK) and a KeyRing', async () => {
    const rsa = generateKeyPair('RS256').privateKey;
    const managers: Array<[JWTManager, string]> = [
      [JWTManager.withRSA(rsa), 'RS256'],
      [JWTManager.withRSA(exportPEM(rsa), { algorithm: 'PS256' }), 'PS256'],
      [JWTManager.withECDSA(generateKeyPair('ES384').privateKey), 'ES384'],
      [JWTManager.withHMAC(Buffer.alloc(64, 7).map((b, i) => b ^ i)), 'HS256'],
      [JWTManager.withHMAC(SECRET, { algorithm: 'HS256', keyId: 'hmac-1' }), 'HS256'],
      [JWTManager.withEdDSA(generateKeyPair('Ed25519').privateKey.export({ format: 'jwk' }) as never), 'EdDSA'],
      [JWTManager.withKeyRing(KeyRing.generate('ES512')), 'ES512'],
      [new JWTManager(), 'ES256'],
      [new JWTManager({ algorithm: 'HS512' }), 'HS512'],
    ];
    for (const [m, alg] of managers) {
      const { token } = await m.generateToken({ subject: alg });
      assert.equal(decodeJWT(token).header.alg, alg);
      const r = await m.verifyToken(token);
      assert.ok(r.valid && r.subject === alg, alg);
    }
    assert.equal(managers[4]![0].getKeyInfo().active!.kid, 'hmac-1');
    assert.throws(() => JWTManager.withECDSA(rsa), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => JWTManager.withRSA(rsa, { algorithm: 'ES256' }), { code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
    assert.throws(() => JWTManager.withHMAC('too short'), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => JWTManager.withECDSA(generateKeyPair('ES256').publicKey), { code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('parseToken decodes without verifying', async () => {
    const m = JWTManager.withHMAC(SECRET);
    const foreign = signJWT({ sub: 'x', exp: 1 }, generateSecret('HS256'), { alg: 'HS256' });
    const parsed = m.parseToken(foreign);
    assert.equal(parsed.header.alg, 'HS256');
    assert.equal(parsed.claims.sub, 'x');
    assert.throws(() => m.parseToken('nope'), { code: 'ERR_JWS_INVALID' });
  });

  it('refresh re-issues a valid token with new jti, iat and exp and keeps the other claims', async () => {
    const c = clock();
    const m = JWTManager.withHMAC(SECRET, { issuer: 'iss', defaultTtl: '10m', now: c.now });
    const first = await m.generateToken({ subject: 'u', audience: 'api', customClaims: { role: 'r' }, expiresIn: 120 });
    c.advance(60_000);
    const second = await m.refresh(first.token);
    assert.notEqual(second.jwtId, first.jwtId);
    assert.equal(second.claims.iat, first.claims.iat! + 60);
    assert.equal(second.claims.exp, second.claims.iat! + 120);
    assert.deepEqual({ ...second.claims, iat: 0, exp: 0, jti: '' }, { ...first.claims, iat: 0, exp: 0, jti: '' });
    c.advance(10 * 60_000);
    await assert.rejects(m.refresh(first.token), { code: 'ERR_JWT_EXPIRED' });
    assert.equal(m.getMetrics().refreshed, 1);
  });

  it('rotateKey: old tokens verify in the grace period, fail after; JWKS follows', async () => {
    const c = clock();
    const m = new JWTManager({ algorithm: 'ES256', defaultTtl: '1d', now: c.now });
    const before = await m.generateToken({ subject: 'u' });
    const oldKid = m.getKeyInfo().active!.kid;
    const info = m.rotateKey({ gracePeriod: '30m' });
    assert.notEqual(info.kid, oldKid);
    assert.equal(m.getKeyInfo().active!.kid, info.kid);
    assert.deepEqual(m.jwks().keys.map((k) => k.kid), [info.kid, oldKid]);
    const after = await m.generateToken({ subject: 'u' });
    assert.equal(decodeJWT(after.token).header.kid, info.kid);
    c.advance(29 * 60_000);
    assert.equal((await m.verifyToken(before.token)).valid, true);
    c.advance(2 * 60_000);
    assert.equal(codeOf(await m.verifyToken(before.token)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal((await m.verifyToken(after.token)).valid, true);
    assert.deepEqual(m.jwks().keys.map((k) => k.kid), [info.kid]);
    assert.deepEqual(m.getKeyInfo().keys.map((k) => k.state), ['active', 'retired']);
    const rotated = m.rotateKey({ algorithm: 'EdDSA', gracePeriod: 60 });
    assert.equal(rotated.alg, 'EdDSA');
    assert.equal(decodeJWT((await m.generateToken({ subject: 'u' })).token).header.alg, 'EdDSA');
  });
});

describe('JWTManager.verifyToken under mutation', () => {
  it('resolves to a typed failure for every mutated token, never throws, never valid', async () => {
    const m = JWTManager.withHMAC(SECRET, { issuer: 'iss', audience: 'api' });
    const { token } = await m.generateToken({ subject: 'u', customClaims: { n: 1 } });
    const alphabet = 'ABCabc012-_.=+/ {}"\u0000é';
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const chars = [...token];
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars[at] = alphabet[rand(alphabet.length)]!;
        else if (op === 1) chars.splice(at, 1);
        else chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
      }
      const mutated = chars.join('');
      if (mutated === token) continue;
      const r = await m.verifyToken(mutated);
      assert.equal(r.valid, false, `mutation ${i} verified`);
      if (!r.valid) assert.match(r.error.code, /^ERR_[A-Z0-9_]+$/);
    }
  });
});

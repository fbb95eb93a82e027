// JWT claims: building (iat/exp/nbf/jti/iss/sub/aud) and every verification option.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import {
  JWTClaimValidationFailed, JWTExpired, JWSInvalid, JWTInvalid, JoseError, createJWTSigner, createJWTVerifier, decodeJWT, generateKeyPair,
  generateRandomToken, generateSecret, getTokenExpirationTime, getTokenSubject, hashSHA256, isTokenExpired, isValidJWTFormat,
  parseDuration, signJWT, verifyJWT, type JWTClaims, type JWTVerifyOptions,
} from '../../src/jose/index.js';

const secret = generateSecret('HS256');
const T0 = 1_700_000_000;
const at = (seconds: number): Date => new Date(seconds * 1000);

function claimFailure(claim: string, reason: string, code = 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
  return (err: unknown): boolean => err instanceof JWTClaimValidationFailed && err.claim === claim && err.reason === reason && err.code === code;
}

function check(claims: JWTClaims, options: JWTVerifyOptions, header: { typ?: string } = {}) {
  const token = signJWT(claims, secret, { alg: 'HS256', issuedAt: false, ...header });
  return () => verifyJWT(token, secret, { currentDate: at(T0), ...options });
}

test('parseDuration understands seconds and unit strings', () => {
  assert.equal(parseDuration(90), 90);
  assert.equal(parseDuration('90'), 90);
  assert.equal(parseDuration('15m'), 900);
  assert.equal(parseDuration('2h'), 7200);
  assert.equal(parseDuration('7d'), 604800);
  assert.equal(parseDuration('1 week'), 604800);
  assert.equal(parseDuration('1.5h'), 5400);
  for (const bad of ['', 'abc', '5 parsecs', '-5m', Number.NaN, -1]) assert.throws(() => parseDuration(bad as string), JoseError);
});

test('signJWT fills iat, exp, nbf, jti, iss, sub and aud', () => {
  const token = signJWT({ sub: 'u1', role: 'admin' }, secret, {
    alg: 'HS256', kid: 'k1', issuedAt: T0, expiresIn: '15m', notBefore: 0, jti: 'id-1', issuer: 'https://issuer', audience: ['a', 'b'],
  });
  const { header, payload } = decodeJWT(token);
  assert.deepEqual(header, { alg: 'HS256', typ: 'JWT', kid: 'k1' });
  assert.equal(payload.iat, T0);
  assert.equal(payload.exp, T0 + 900);
  assert.equal(payload.jti, 'id-1');
  assert.deepEqual(payload.aud, ['a', 'b']);
  assert.equal(payload.iss, 'https://issuer');
  assert.equal(payload.role, 'admin');
  assert.equal(typeof payload.nbf, 'number');
  const random = decodeJWT(signJWT({}, secret, { alg: 'HS256', jti: true })).payload;
  assert.match(random.jti as string, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(Math.abs((random.iat as number) - Date.now() / 1000) < 5);
  assert.equal(decodeJWT(signJWT({}, secret, { alg: 'HS256', issuedAt: false })).payload.iat, undefined);
  assert.throws(() => signJWT([] as never, secret, { alg: 'HS256' }), JWTInvalid);
  assert.throws(() => signJWT({ aud: [1] } as never, secret, { alg: 'HS256' }), claimFailure('aud', 'invalid'));
});

test('createJWTSigner precomputes options and does not mutate the claims', () => {
  const { privateKey, publicKey } = generateKeyPair('ES256');
  const sign = createJWTSigner({ key: privateKey, alg: 'ES256', typ: 'at+jwt', issuer: 'iss', audience: 'api', expiresIn: 60, subject: 'default' });
  const claims = { sub: 'u2' };
  const { payload, protectedHeader } = verifyJWT(sign(claims), publicKey, { issuer: 'iss', audience: 'api', typ: 'at+jwt' });
  assert.deepEqual(claims, { sub: 'u2' });
  assert.equal(payload.sub, 'u2');
  assert.equal((payload.exp as number) - (payload.iat as number), 60);
  assert.equal(protectedHeader.typ, 'at+jwt');
});

test('exp: expired tokens fail with ERR_JWT_EXPIRED; clock tolerance widens the window', () => {
  assert.throws(check({ exp: T0 }, {}), (e: unknown) => e instanceof JWTExpired && e.code === 'ERR_JWT_EXPIRED' && e.claim === 'exp');
  assert.throws(check({ exp: T0 - 10 }, { clockTolerance: 5 }), JWTExpired);
  assert.equal(check({ exp: T0 - 10 }, { clockTolerance: '30s' })().payload.exp, T0 - 10);
  assert.equal(check({ exp: T0 + 1 }, {})().payload.exp, T0 + 1);
});

test('nbf: not-yet-valid tokens fail, within tolerance they pass', () => {
  assert.throws(check({ nbf: T0 + 10 }, {}), claimFailure('nbf', 'check_failed'));
  assert.equal(check({ nbf: T0 + 10 }, { clockTolerance: 10 })().payload.nbf, T0 + 10);
  assert.equal(check({ nbf: T0 }, {})().payload.nbf, T0);
});

test('issuer: string or list', () => {
  assert.equal(check({ iss: 'a' }, { issuer: 'a' })().payload.iss, 'a');
  assert.equal(check({ iss: 'b' }, { issuer: ['a', 'b'] })().payload.iss, 'b');
  assert.throws(check({ iss: 'c' }, { issuer: ['a', 'b'] }), claimFailure('iss', 'check_failed'));
  assert.throws(check({}, { issuer: 'a' }), claimFailure('iss', 'missing'));
});

test('audience: string or array on either side, one in common is enough', () => {
  assert.equal(check({ aud: 'api' }, { audience: 'api' })().payload.aud, 'api');
  assert.deepEqual(check({ aud: ['x', 'api'] }, { audience: 'api' })().payload.aud, ['x', 'api']);
  assert.deepEqual(check({ aud: ['x', 'y'] }, { audience: ['y', 'z'] })().payload.aud, ['x', 'y']);
  assert.throws(check({ aud: ['x'] }, { audience: ['y'] }), claimFailure('aud', 'check_failed'));
  assert.throws(check({ aud: 'x' }, { audience: 'y' }), claimFailure('aud', 'check_failed'));
  assert.throws(check({}, { audience: 'y' }), claimFailure('aud', 'missing'));
});

test('subject and required claims', () => {
  assert.equal(check({ sub: 'u' }, { subject: 'u' })().payload.sub, 'u');
  assert.throws(check({ sub: 'v' }, { subject: 'u' }), claimFailure('sub', 'check_failed'));
  assert.throws(check({ sub: 'u' }, { requiredClaims: ['sub', 'jti'] }), claimFailure('jti', 'missing'));
  assert.equal(check({ sub: 'u', jti: 'j' }, { requiredClaims: ['sub', 'jti'] })().payload.jti, 'j');
});

test('maxTokenAge: requires iat, refuses old and future-dated tokens', () => {
  assert.throws(check({}, { maxTokenAge: '1h' }), claimFailure('iat', 'missing'));
  assert.equal(check({ iat: T0 - 3000 }, { maxTokenAge: '1h' })().payload.iat, T0 - 3000);
  assert.throws(check({ iat: T0 - 4000 }, { maxTokenAge: '1h' }), (e: unknown) => e instanceof JWTExpired && e.claim === 'iat');
  assert.throws(check({ iat: T0 + 100 }, { maxTokenAge: '1h' }), claimFailure('iat', 'check_failed'));
  assert.equal(check({ iat: T0 + 100 }, { maxTokenAge: '1h', clockTolerance: 120 })().payload.iat, T0 + 100);
});

test('typ compares media types case-insensitively, with or without "application/"', () => {
  for (const [actual, expected] of [['at+jwt', 'at+jwt'], ['AT+JWT', 'application/at+jwt'], ['application/at+JWT', 'at+jwt'], ['JWT', 'jwt']]) {
    assert.equal(check({}, { typ: expected }, { typ: actual })().protectedHeader.typ, actual);
  }
  assert.throws(check({}, { typ: 'at+jwt' }, { typ: 'JWT' }), claimFailure('typ', 'check_failed'));
  const untyped = signJWT({}, secret, { alg: 'HS256', header: { typ: undefined } });
  assert.throws(() => verifyJWT(untyped, secret, { typ: 'JWT' }), claimFailure('typ', 'check_failed'));
});

test('createJWTVerifier with a kid resolver', () => {
  const keys = new Map([['k1', generateSecret('HS256')], ['k2', generateSecret('HS512')]]);
  const verify = createJWTVerifier((header) => {
    const key = keys.get(header.kid ?? '');
    if (key === undefined) throw new JWSInvalid('unknown kid');
    return key;
  }, { issuer: 'me' });
  const t1 = signJWT({ iss: 'me' }, keys.get('k1')!, { alg: 'HS256', kid: 'k1' });
  const t2 = signJWT({ iss: 'me' }, keys.get('k2')!, { alg: 'HS512', kid: 'k2' });
  assert.equal(verify(t1).protectedHeader.kid, 'k1');
  assert.equal(verify(t2).protectedHeader.kid, 'k2');
  assert.throws(() => verify(signJWT({ iss: 'me' }, keys.get('k1')!, { alg: 'HS256', kid: 'k3' })), JWSInvalid);
});

test('decodeJWT and the token utilities', () => {
  const token = signJWT({ sub: 'alice' }, secret, { alg: 'HS256', issuedAt: T0, expiresIn: 60 });
  assert.equal(decodeJWT(token).payload.sub, 'alice');
  assert.throws(() => decodeJWT('a.b'), JWSInvalid);
  assert.throws(() => decodeJWT(`${token.split('.')[0]}.${Buffer.from('[1]').toString('base64url')}.AAAA`), JWTInvalid);
  assert.equal(isValidJWTFormat(token), true);
  assert.equal(isValidJWTFormat(`${token.slice(0, token.lastIndexOf('.'))}.`), false);
  assert.equal(isValidJWTFormat('a.b.c'), false);
  assert.equal(isValidJWTFormat(42), false);
  assert.equal(isTokenExpired(token, at(T0 + 59)), false);
  assert.equal(isTokenExpired(token, at(T0 + 60)), true);
  assert.equal(isTokenExpired('garbage'), true);
  assert.equal(isTokenExpired(signJWT({}, secret, { alg: 'HS256' })), false);
  assert.deepEqual(getTokenExpirationTime(token), at(T0 + 60));
  assert.equal(getTokenExpirationTime('garbage'), undefined);
  assert.equal(getTokenSubject(token), 'alice');
  assert.equal(getTokenSubject('garbage'), undefined);
  assert.match(generateRandomToken(), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(generateRandomToken(48).length, 64);
  assert.equal(hashSHA256('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  assert.equal(hashSHA256(Buffer.from('abc')), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});

test('parseDuration refuses a numeric string too large to be finite (an infinite clock tolerance accepts any expired token)', () => {
  const huge = '9'.repeat(400);
  assert.throws(() => parseDuration(huge), JoseError);
  assert.throws(() => parseDuration(`${huge}m`), JoseError);
  assert.throws(check({ exp: T0 - 3600 }, { clockTolerance: huge }), JoseError);
  assert.throws(check({ exp: T0 - 3600 }, { clockTolerance: `${huge}s` }), JoseError);
});

test('an invalid currentDate is refused when the verifier is built, never a clock that lets expired tokens pass', () => {
  const token = signJWT({ sub: 'u', exp: T0 - 3600, nbf: T0 + 3600 }, secret, { alg: 'HS256', issuedAt: false });
  assert.throws(() => verifyJWT(token, secret, { currentDate: new Date('not a date') }), JoseError);
  assert.throws(() => createJWTVerifier(secret, { currentDate: new Date(Number.NaN) }), JoseError);
  assert.throws(() => verifyJWT(token, secret, { currentDate: T0 as unknown as Date }), JoseError);
  assert.throws(() => verifyJWT(token, secret, { currentDate: at(T0) }), JWTExpired);
});

test('requiredClaims are own claims of the payload, never names inherited from Object.prototype', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
    assert.throws(check({ sub: 'u' }, { requiredClaims: [name] }), claimFailure(name, 'missing'), name);
  }
  assert.equal(check({ sub: 'u', constructor: 'x' }, { requiredClaims: ['constructor'] })().payload.constructor, 'x');
});

test('isTokenExpired refuses an invalid "now" instead of calling an expired token unexpired', () => {
  const token = signJWT({ exp: T0 }, secret, { alg: 'HS256', issuedAt: false });
  assert.throws(() => isTokenExpired(token, new Date('not a date')), JoseError);
  assert.throws(() => isTokenExpired(token, T0 as unknown as Date), JoseError);
  assert.equal(isTokenExpired(token, at(T0 + 1)), true);
});

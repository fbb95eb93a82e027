// One test per security invariant of DESIGN.md: each would fail if the invariant were dropped.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac, createSecretKey, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { test } from 'node:test';
import {
  JOSEAlgNotAllowed, JOSENotSupported, JWKInvalid, JWSInvalid, JWSSignatureVerificationFailed, JWTClaimValidationFailed, JWTInvalid,
  KeyTooWeak, TokenTooLarge, createJWSSigner, exportJWK, exportPEM, generateKeyPair, generateSecret, importJWK, importSecret,
  signCompact, signJSON, signJWT, verifyCompact, verifyJSON, verifyJWT, type JWSHeader,
} from '../../src/jose/index.js';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hmacToken = (header: unknown, payload: unknown, secret: Buffer): string => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};

const secretBytes = Buffer.alloc(32, 7);
const secret = createSecretKey(secretBytes);
const ec = generateKeyPair('ES256');
const rsa = generateKeyPair('RSA');

test('alg "none" is refused in every casing, with or without a signature, compact and JSON', () => {
  for (const alg of ['none', 'NONE', 'None', 'nOnE', 'NoNe']) {
    const input = `${b64({ alg })}.${b64({ sub: 'x' })}`;
    for (const token of [`${input}.`, `${input}.${b64('sig')}`]) {
      assert.throws(() => verifyCompact(token, secret), JOSEAlgNotAllowed, alg);
      assert.throws(() => verifyJWT(token, ec.publicKey), JOSEAlgNotAllowed, alg);
    }
    assert.throws(() => verifyJSON({ payload: b64({ sub: 'x' }), protected: b64({ alg }), signature: '' }, secret), JOSEAlgNotAllowed);
    assert.throws(() => verifyJSON({ payload: b64({ sub: 'x' }), header: { alg }, signature: '' }, secret), JOSEAlgNotAllowed);
    assert.throws(() => signCompact('x', { alg }, secret), JOSEAlgNotAllowed);
  }
});

test('general JWS JSON: more signatures than maxSignatures (default 16) is refused before any verification', () => {
  const signers = Array.from({ length: 17 }, (_, i) => ({ key: secret, protectedHeader: { alg: 'HS256' as const }, header: { kid: `k${i}` } }));
  const many = signJSON('many', signers) as { payload: string; signatures: unknown[] };
  let resolved = 0;
  const counting = (): typeof secret => { resolved++; return secret; };
  assert.throws(() => verifyJSON(many as never, counting), TokenTooLarge);
  assert.equal(resolved, 0);
  assert.equal(Buffer.from(verifyJSON(many as never, secret, { maxSignatures: 17 }).payload).toString(), 'many');
  assert.equal(Buffer.from(verifyJSON({ ...many, signatures: many.signatures.slice(0, 16) } as never, secret).payload).toString(), 'many');
  assert.throws(() => verifyJSON(many as never, secret, { maxSignatures: 0.5 }), /maxSignatures must be a positive integer/);
});

test('a public key (PEM, DER or JWK) can never be an HMAC secret', () => {
  for (const pub of [ec.publicKey, rsa.publicKey]) {
    const encodings = [
      Buffer.from(exportPEM(pub)),
      Buffer.from(exportPEM(pub, pub.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'spki')),
      pub.export({ format: 'der', type: 'spki' }),
      Buffer.from(JSON.stringify(exportJWK(pub))),
    ];
    for (const bytes of encodings) {
      assert.throws(() => importSecret(bytes), JWKInvalid);
      // Even a KeyObject built by hand from those bytes is refused before any HMAC is computed.
      const forged = hmacToken({ alg: 'HS256' }, { sub: 'admin' }, bytes);
      assert.throws(() => verifyCompact(forged, createSecretKey(bytes)), JWKInvalid);
      assert.throws(() => createJWSSigner(createSecretKey(bytes), { alg: 'HS256' }), JWKInvalid);
      // The classic confusion: an HS256 token "signed" with the public key, checked against it.
      assert.throws(() => verifyCompact(forged, pub), JOSEAlgNotAllowed);
    }
  }
  assert.throws(() => importJWK({ kty: 'oct', k: Buffer.from(exportPEM(rsa.publicKey)).toString('base64url') }), JWKInvalid);
  assert.throws(() => importSecret(rsa.publicKey.export({ format: 'der', type: 'pkcs1' })), JWKInvalid);
  assert.throws(() => importSecret(ec.privateKey.export({ format: 'der', type: 'sec1' })), JWKInvalid);
  // A self-signed P-256 certificate (DER) carries a public key too.
  const certificate = Buffer.from(CERTIFICATE_DER_BASE64, 'base64');
  assert.throws(() => importSecret(certificate), JWKInvalid);
  assert.throws(() => verifyCompact(hmacToken({ alg: 'HS256' }, 'x', certificate), createSecretKey(certificate)), JWKInvalid);
});

const CERTIFICATE_DER_BASE64 =
  'MIIBfjCCASOgAwIBAgIUSEh496LLHvubaoVOwI9DzIk+7ncwCgYIKoZIzj0EAwIwFDESMBAGA1UEAwwJY2p3dC10ZXN0MB4XDTI2MTEyMzE3MTU0MVoXDTM2MTEy' +
  'MDE3MTU0MVowFDESMBAGA1UEAwwJY2p3dC10ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4KiWcGSU0wTrLI0prJgEDlrgGBytJ+oBP1re3QGMxwJlWVLT' +
  't5csZ092lZEPBRZC/DUEVuRXFYopT7IlCgjOH6NTMFEwHQYDVR0OBBYEFMsowBOppboFccOAibURtH3wDauIMB8GA1UdIwQYMBaAFMsowBOppboFccOAibURtH3w' +
  'DauIMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAMnzxrt7N0/ohITwCPNJRBkHvOGWFhkdF3llFYdtmlVCAiEA1KyQCDaPJM3pKxcKyHmkICfU' +
  '8lVGlJRFA3m6qfkDr3w=';

test('a header alg outside the key\'s algorithms is refused before any cryptography', () => {
  const garbageSig = b64('not a signature');
  const cases: Array<[string, Parameters<typeof verifyCompact>[1]]> = [
    ['RS256', ec.publicKey], ['ES384', ec.publicKey], ['HS256', ec.publicKey], ['EdDSA', rsa.publicKey],
    ['ES256', rsa.publicKey], ['HS384', secret], ['RS256', secret],
  ];
  for (const [alg, key] of cases) {
    // A garbage signature would give JWSSignatureVerificationFailed if crypto ran first.
    assert.throws(() => verifyCompact(`${b64({ alg })}.${b64('p')}.${garbageSig}`, key), JOSEAlgNotAllowed, alg);
  }
  const ps = signCompact('p', { alg: 'PS256' }, rsa.privateKey);
  assert.throws(() => verifyCompact(ps, rsa.publicKey, { algorithms: ['RS256'] }), JOSEAlgNotAllowed);
  assert.throws(() => verifyJWT(signJWT({}, secret, { alg: 'HS256' }), secret, { algorithms: ['HS512'] }), JOSEAlgNotAllowed);
  // Relabelling an RS256 signature as PS256 fails the signature check.
  const rs = signCompact('p', { alg: 'RS256' }, rsa.privateKey).split('.');
  assert.throws(() => verifyCompact(`${b64({ alg: 'PS256' })}.${rs[1]}.${rs[2]}`, rsa.publicKey), JWSSignatureVerificationFailed);
});

test('keys embedded in the header (jwk, jku, x5u, x5c) are never trusted', () => {
  const attacker = generateKeyPair('ES256');
  const jwk = exportJWK(attacker.publicKey);
  for (const extra of [{ jwk }, { jku: 'https://attacker.example/jwks' }, { x5u: 'https://attacker.example/cert' }, { x5c: ['MIIB'] }]) {
    const token = signCompact(JSON.stringify({ sub: 'admin' }), { alg: 'ES256', ...extra } as JWSHeader, attacker.privateKey);
    assert.throws(() => verifyCompact(token, ec.publicKey), JWSSignatureVerificationFailed);
    assert.throws(() => verifyJWT(token, () => ec.publicKey), JWSSignatureVerificationFailed);
  }
  // Only a resolver the caller wrote may decide to use the embedded key.
  const token = signCompact('x', { alg: 'ES256', jwk } as JWSHeader, attacker.privateKey);
  assert.equal(verifyCompact(token, (h) => importJWK(h.jwk as never)).payload.toString(), 'x');
});

test('ECDSA signatures with r or s zero or not below the group order are refused', () => {
  const token = signCompact('payload', { alg: 'ES256' }, ec.privateKey);
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  const n = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551');
  const r = BigInt(`0x${sig.subarray(0, 32).toString('hex')}`);
  const sv = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const enc = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
  const bad: Buffer[] = [
    Buffer.alloc(64),
    Buffer.concat([enc(0n), enc(sv)]),
    Buffer.concat([enc(r), enc(0n)]),
    Buffer.concat([enc(n), enc(sv)]),
    Buffer.concat([enc(r), enc(n)]),
    Buffer.alloc(64, 0xff),
  ];
  if (r + n < 1n << 256n) bad.push(Buffer.concat([enc(r + n), enc(sv)]));
  if (sv + n < 1n << 256n) bad.push(Buffer.concat([enc(r), enc(sv + n)]));
  assert.equal(verifyCompact(token, ec.publicKey).payload.toString(), 'payload');
  for (const b of bad) assert.throws(() => verifyCompact(`${h}.${p}.${b.toString('base64url')}`, ec.publicKey), JWSSignatureVerificationFailed);
  // DER-encoded signatures (what node:crypto emits by default) are not JWS signatures.
  const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), ec.privateKey);
  assert.throws(() => verifyCompact(`${h}.${p}.${der.toString('base64url')}`, ec.publicKey), JWSSignatureVerificationFailed);
});

test('truncated and extra segments are malformed', () => {
  const token = signCompact('x', { alg: 'HS256' }, secret);
  const [h, p, s] = token.split('.') as [string, string, string];
  for (const bad of ['', '.', '..', '...', h, `${h}.${p}`, `${token}.`, `${token}.${s}`, `${h}.${p}.${s}.${p}.${s}`, `.${p}.${s}`]) {
    assert.throws(() => verifyCompact(bad, secret), JWSInvalid, JSON.stringify(bad));
  }
  // JSON serialization is not compact serialization.
  const flat = JSON.stringify(signJSON('x', [{ key: secret, protectedHeader: { alg: 'HS256' } }], { flattened: true }));
  assert.throws(() => verifyCompact(flat, secret), JWSInvalid);
});

test('bad base64url in any segment is malformed', () => {
  const token = signCompact('hello', { alg: 'HS256' }, secret);
  const [h, p, s] = token.split('.') as [string, string, string];
  const mangle = (seg: string): string[] => [`${seg}=`, `${seg} `, seg.replace(/-|_|[A-Z]/, '+'), seg.replace(/[a-z]/, '/'), `${seg.slice(0, seg.length - (seg.length % 4))}A`, `${seg}\n`];
  for (const bad of mangle(h)) assert.throws(() => verifyCompact(`${bad}.${p}.${s}`, secret), JWSInvalid);
  for (const bad of mangle(p)) assert.throws(() => verifyCompact(`${h}.${bad}.${s}`, secret), JWSInvalid);
  for (const bad of mangle(s)) assert.throws(() => verifyCompact(`${h}.${p}.${bad}`, secret), JWSInvalid);
  // Non-canonical trailing bits: same bytes, different string — refused, not silently accepted.
  const last = s.at(-1) as string;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const sibling = alphabet[alphabet.indexOf(last) + 1] as string;
  assert.throws(() => verifyCompact(`${h}.${p}.${s.slice(0, -1)}${sibling}`, secret), JWSInvalid);
  assert.throws(() => verifyCompact(`${b64('{"alg":"HS256"')}.${p}.${s}`, secret), JWSInvalid);
  assert.throws(() => verifyCompact(`${b64('[1]')}.${p}.${s}`, secret), JWSInvalid);
});

test('a JWT payload that is not a JSON object is refused', () => {
  for (const payload of ['[]', '123', '"text"', 'null', 'true', '{"a":1', 'not json']) {
    const token = hmacToken({ alg: 'HS256' }, payload, secretBytes);
    assert.throws(() => verifyJWT(token, secret), JWTInvalid, payload);
    // The same bytes are a perfectly good JWS.
    assert.equal(verifyCompact(token, secret).payload.toString(), payload);
  }
});

test('exp, nbf and iat must be numbers', () => {
  const values: unknown[] = ['9999999999', null, true, [1], { n: 1 }];
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of values) {
      const token = hmacToken({ alg: 'HS256' }, { [claim]: value }, secretBytes);
      assert.throws(() => verifyJWT(token, secret), (e: unknown) => e instanceof JWTClaimValidationFailed && e.claim === claim && e.reason === 'invalid');
    }
    // 1e400 parses to Infinity, which is not a NumericDate.
    const inf = hmacToken({ alg: 'HS256' }, `{"${claim}":1e400}`, secretBytes);
    assert.throws(() => verifyJWT(inf, secret), JWTClaimValidationFailed);
    assert.throws(() => signJWT({ [claim]: '1' }, secret, { alg: 'HS256', issuedAt: false }), JWTClaimValidationFailed);
  }
});

test('oversized tokens are refused before any decoding', () => {
  const big = signJWT({ data: 'x'.repeat(9000) }, secret, { alg: 'HS256' });
  assert.throws(() => verifyJWT(big, secret), TokenTooLarge);
  assert.throws(() => verifyCompact(big, secret), TokenTooLarge);
  assert.equal((verifyJWT(big, secret, { maxTokenSize: 20000 }).payload.data as string).length, 9000);
  // Garbage that would be JWSInvalid if decoded is TokenTooLarge: the size check comes first.
  assert.throws(() => verifyCompact('!'.repeat(8193), secret), TokenTooLarge);
  assert.throws(() => verifyJSON(`{${' '.repeat(8192)}}`, secret), TokenTooLarge);
  assert.throws(() => verifyCompact('!'.repeat(100), secret, { maxTokenSize: 99 }), TokenTooLarge);
});

test('unknown critical header parameters are refused; understood ones pass', () => {
  const header = { alg: 'HS256', crit: ['urn:example:ext'], 'urn:example:ext': 1 } as JWSHeader;
  const token = signCompact('x', header, secret);
  assert.throws(() => verifyCompact(token, secret), JOSENotSupported);
  assert.throws(() => verifyJWT(signJWT({}, secret, { alg: 'HS256', header: { crit: ['ext'], ext: 1 } }), secret), JOSENotSupported);
  assert.equal(verifyCompact(token, secret, { crit: { 'urn:example:ext': true } }).payload.toString(), 'x');
  // Malformed crit: empty, listing a registered or absent parameter, not an array.
  for (const crit of [[], ['alg'], ['missing'], 'ext', [1]]) {
    assert.throws(() => verifyCompact(hmacToken({ alg: 'HS256', crit, ext: 1 }, 'x', secretBytes), secret, { crit: { ext: true, missing: true } }), JWSInvalid);
  }
  // b64:false needs the caller's consent and must be critical.
  const unencoded = signCompact('abc', { alg: 'HS256', b64: false, crit: ['b64'] }, secret);
  assert.throws(() => verifyCompact(unencoded, secret), JOSENotSupported);
  assert.throws(() => verifyCompact(hmacToken({ alg: 'HS256', b64: false }, 'abc', secretBytes), secret, { allowUnencodedPayload: true }), JWSInvalid);
  assert.throws(() => verifyJWT(unencoded, secret, { crit: { b64: true } }), JOSENotSupported);
});

test('weak keys are refused for signing and verifying', () => {
  const short = createSecretKey(Buffer.alloc(31, 1));
  assert.throws(() => createJWSSigner(short, { alg: 'HS256' }), KeyTooWeak);
  assert.throws(() => verifyCompact(hmacToken({ alg: 'HS256' }, 'x', Buffer.alloc(31, 1)), short), KeyTooWeak);
  assert.throws(() => importSecret('too short'), KeyTooWeak);
  assert.throws(() => generateSecret(16), KeyTooWeak);
  assert.throws(() => createJWSSigner(secret, { alg: 'HS512' }), KeyTooWeak);
  assert.throws(() => generateKeyPair('RSA', { modulusLength: 1024 }), KeyTooWeak);
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => createJWSSigner(small.privateKey, { alg: 'RS256' }), KeyTooWeak);
  const smallToken = `${b64({ alg: 'RS256' })}.${b64('x')}.${cryptoSign('sha256', Buffer.from(`${b64({ alg: 'RS256' })}.${b64('x')}`), small.privateKey).toString('base64url')}`;
  assert.throws(() => verifyCompact(smallToken, small.publicKey), KeyTooWeak);
});

test('a key resolver that throws yields a typed error, never "valid"', () => {
  const token = signCompact('x', { alg: 'HS256', kid: 'unknown' }, secret);
  assert.throws(() => verifyCompact(token, () => { throw new Error('no key'); }), (e: unknown) => (e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY');
  assert.throws(() => verifyCompact(token, () => 'not a key' as never), JWKInvalid);
});

test('crit must name a parameter the protected header itself has, not one inherited from Object.prototype', () => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
    const token = hmacToken({ alg: 'HS256', crit: [name] }, 'x', secretBytes);
    assert.throws(() => verifyCompact(token, secret, { crit: { [name]: true } }), JWSInvalid, name);
    assert.throws(() => signCompact('x', { alg: 'HS256', crit: [name] }, secret), JWSInvalid, name);
  }
});

test('header values echoed in error messages are escaped and shortened (no control characters, no flood)', () => {
  const hostile = `\u001b[2J\u001b[31mX\nERR_OK: fine\r${'A'.repeat(4000)}`;
  const attempts: Array<() => unknown> = [
    () => verifyCompact(hmacToken({ alg: hostile }, 'x', secretBytes), secret),
    () => verifyCompact(hmacToken({ alg: hostile }, 'x', secretBytes), secret, { algorithms: ['HS256'] }),
    () => verifyCompact(hmacToken({ alg: 'HS256', crit: [hostile], [hostile]: 1 }, 'x', secretBytes), secret),
    () => verifyJSON({ payload: b64('x'), header: { alg: hostile }, signature: '' }, secret),
    () => verifyJSON({ payload: b64('x'), protected: b64({ alg: 'HS256' }), header: { [hostile]: 1 }, signature: '' }, secret),
  ];
  for (const attempt of attempts) {
    let message = '';
    try { attempt(); } catch (err) { message = (err as Error).message; }
    assert.ok(message.length > 0, 'it throws');
    assert.ok(!/[^\x20-\x7e]/.test(message), JSON.stringify(message));
    assert.ok(message.length < 200, `${message.length} characters`);
  }
});

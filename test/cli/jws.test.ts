/**
 * The `cjwt` CLI end to end: keygen -> sign -> verify for every key family, key files as JWK,
 * JWKS and PEM, exit codes (0 valid, 1 invalid token, 2 unusable arguments or key file), JSON
 * serialization, `--jws`, standard input, and `decode`.
 */
import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, exportJWK, exportPEM, generateKeyPair, generateSecret, toPublicKey } from '../../src/jose/jwk/keys.js';
import { signJWT } from '../../src/jose/jwt/jwt.js';
import { cjwt, cjwtOk, tempDir } from './run-cli.js';

const tmp = tempDir('cjwt-cli-jws-');
after(() => tmp.cleanup());

/** Splits a compact token; flattened and general JSON serializations of it. */
function jsonSerializations(token: string): { flattened: string; general: string } {
  const [protectedB64, payload, signature] = token.split('.');
  return {
    flattened: JSON.stringify({ protected: protectedB64, payload, signature }),
    general: JSON.stringify({ payload, signatures: [{ protected: protectedB64, signature }] }),
  };
}

function tamper(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.sub = 'mallory';
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

// Fixture keys made in-process (fast); the keygen tests below cover generation through the CLI.
const es256 = generateKeyPair('ES256');
const rsa = generateKeyPair('RS256');
const secret = generateSecret('HS256');
const files = {
  esPrivate: tmp.file('es.json', JSON.stringify({ ...exportJWK(es256.privateKey), alg: 'ES256', kid: 'es-1' })),
  esPublic: tmp.file('es.pub.json', JSON.stringify({ ...exportJWK(es256.publicKey), alg: 'ES256', kid: 'es-1' })),
  rsaPrivatePem: tmp.file('rsa.pem', exportPEM(rsa.privateKey)),
  rsaPublicPem: tmp.file('rsa.pub.pem', exportPEM(rsa.publicKey)),
  hmac: tmp.file('hs.json', JSON.stringify({ ...exportJWK(secret), kid: 'hs-1' })),
  jwks: tmp.file('jwks.json', JSON.stringify({ keys: [
    { ...exportJWK(rsa.publicKey), kid: 'rsa-1', use: 'sig' },
    { ...exportJWK(es256.publicKey), kid: 'es-1', alg: 'ES256', use: 'sig' },
  ] })),
  garbage: tmp.file('garbage.json', '{"kty":"EC","crv":"P-256"}'),
  notAKey: tmp.file('notes.txt', 'just some text\n'),
};

describe('cjwt keygen -> sign -> verify', { concurrency: 4 }, () => {
  const families: Array<{ alg: string; extra?: string[]; kty: string; crv?: string }> = [
    { alg: 'HS256', kty: 'oct' },
    { alg: 'RS256', kty: 'RSA' },
    { alg: 'PS384', kty: 'RSA' },
    { alg: 'ES256', kty: 'EC', crv: 'P-256' },
    { alg: 'ES512', kty: 'EC', crv: 'P-521' },
    { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' },
    { alg: 'EdDSA', extra: ['--crv', 'Ed448'], kty: 'OKP', crv: 'Ed448' },
  ];
  for (const family of families) {
    test(`${family.alg} ${family.crv ?? ''}`, async () => {
      const jwk = JSON.parse(await cjwtOk(['keygen', '--alg', family.alg, ...(family.extra ?? [])])) as Record<string, unknown>;
      assert.equal(jwk.kty, family.kty);
      assert.equal(jwk.alg, family.alg);
      assert.equal(jwk.use, 'sig');
      assert.equal(jwk.kid, calculateJwkThumbprint(jwk), 'default kid is the RFC 7638 thumbprint');
      if (family.crv !== undefined) assert.equal(jwk.crv, family.crv);
      assert.equal(typeof (family.kty === 'oct' ? jwk.k : jwk.d), 'string');
      const privateFile = tmp.file(`gen-${family.alg}-${family.crv ?? ''}.json`, JSON.stringify(jwk));

      const token = (await cjwtOk(['sign', '--key', privateFile, '--sub', 'alice', '--exp', '15m'])).trim();
      const header = decodePart(token, 0);
      assert.deepEqual(header, { alg: family.alg, typ: 'JWT', kid: jwk.kid });

      // A private JWK verifies with its public part (a secret with itself).
      const verified = JSON.parse(await cjwtOk(['verify', '--key', privateFile, token])) as { protectedHeader: unknown; payload: Record<string, unknown> };
      assert.deepEqual(verified.protectedHeader, header);
      assert.equal(verified.payload.sub, 'alice');
      assert.equal(typeof verified.payload.iat, 'number');
      assert.equal(verified.payload.exp, (verified.payload.iat as number) + 900);

      if (family.kty === 'oct') {
        const pub = await cjwt(['keygen', '--key', privateFile, '--public']);
        assert.equal(pub.code, 2);
        assert.match(pub.stderr, /no public part/);
        assert.doesNotMatch(pub.stderr, new RegExp(String(jwk.k)));
        return;
      }
      const publicJwk = JSON.parse(await cjwtOk(['keygen', '--key', privateFile, '--public'])) as Record<string, unknown>;
      assert.equal(publicJwk.d, undefined);
      assert.equal(publicJwk.kid, jwk.kid);
      assert.equal(publicJwk.alg, family.alg);
      const publicFile = tmp.file(`gen-${family.alg}-${family.crv ?? ''}.pub.json`, JSON.stringify(publicJwk));
      const tampered = await cjwt(['verify', '--key', publicFile, tamper(token)]);
      assert.equal(tampered.code, 1);
      assert.equal(tampered.stderr.trim(), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed');
      assert.equal(tampered.stdout, '');
    });
  }

  test('--public --out writes the private key and prints the public one; PEM formats', async () => {
    const out = `${tmp.dir}/pair-private.json`;
    const publicJwk = JSON.parse(await cjwtOk(['keygen', '--alg', 'ES384', '--kid', 'k1', '--public', '--out', out])) as Record<string, unknown>;
    assert.equal(publicJwk.kid, 'k1');
    assert.equal(publicJwk.d, undefined);
    const pem = await cjwtOk(['keygen', '--key', out, '--format', 'pem']);
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    const spki = await cjwtOk(['keygen', '--key', out, '--public', '--format', 'pem']);
    assert.match(spki, /^-----BEGIN PUBLIC KEY-----\n/);
    const token = (await cjwtOk(['sign', '--key', tmp.file('pair.pem', pem), '--iss', 'cli'])).trim();
    const verified = JSON.parse(await cjwtOk(['verify', '--key', tmp.file('pair.pub.pem', spki), '--iss', 'cli', token])) as { payload: { iss: string } };
    assert.equal(verified.payload.iss, 'cli');
    const again = await cjwt(['keygen', '--alg', 'ES256', '--out', out]);
    assert.equal(again.code, 2, 'an existing --out file is never overwritten');
  });

  test('keygen refuses what makes no sense (exit 2)', async () => {
    const results = await Promise.all([
      cjwt(['keygen', '--alg', 'HS256', '--format', 'pem']),
      cjwt(['keygen', '--alg', 'none']),
      cjwt(['keygen']),
      cjwt(['keygen', '--alg', 'RS256', '--bits', '1024']),
    ]);
    for (const r of results) assert.equal(r.code, 2, r.stderr);
    assert.match(results[0]?.stderr ?? '', /no PEM form/);
    assert.match(results[3]?.stderr ?? '', /ERR_KEY_WEAK/);
  });
});

describe('cjwt sign and verify', { concurrency: 4 }, () => {
  let esToken = '';
  before(async () => {
    esToken = (await cjwtOk(['sign', '--key', files.esPrivate, '--iss', 'https://issuer.example', '--sub', 'alice', '--aud', 'api', '--aud', 'web',
      '--exp', '1h', '--jti', '--claim', 'n=5', '--claim', 'role=admin', '--claim', 'obj={"a":[1]}', '--claims', '{"scope":"read","n":1}'])).trim();
  });

  test('claims from flags, --claim (JSON or string) and --claims', () => {
    const payload = decodePart(esToken, 1);
    assert.equal(payload.iss, 'https://issuer.example');
    assert.equal(payload.sub, 'alice');
    assert.deepEqual(payload.aud, ['api', 'web']);
    assert.equal(payload.n, 5, '--claim wins over --claims, and parses as JSON');
    assert.equal(payload.role, 'admin');
    assert.deepEqual(payload.obj, { a: [1] });
    assert.equal(payload.scope, 'read');
    assert.equal(payload.exp, (payload.iat as number) + 3600);
    assert.match(String(payload.jti), /^[A-Za-z0-9_-]{16,}$/);
    assert.deepEqual(decodePart(esToken, 0), { alg: 'ES256', typ: 'JWT', kid: 'es-1' });
  });

  test('claim checks pass and fail with the right code', async () => {
    const [ok, badIss, badAud, missing, maxAge] = await Promise.all([
      cjwt(['verify', '--key', files.esPublic, '--iss', 'https://issuer.example', '--aud', 'web', '--sub', 'alice', '--typ', 'JWT', '--require', 'jti', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--iss', 'https://other.example', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--aud', 'billing', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--require', 'email', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--max-age', '1h', '--clock-tolerance', '5s', esToken]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(badIss.code, 1);
    assert.equal(badIss.stderr.trim(), 'ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "iss" claim value');
    assert.equal(badAud.code, 1);
    assert.match(badAud.stderr, /^ERR_JWT_CLAIM_VALIDATION_FAILED: .*"aud"/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ERR_JWT_CLAIM_VALIDATION_FAILED: missing required "email" claim/);
    assert.equal(maxAge.code, 0, maxAge.stderr);
  });

  test('an expired token exits 1 with ERR_JWT_EXPIRED', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = (await cjwtOk(['sign', '--key', files.hmac, '--claims', JSON.stringify({ sub: 'x', exp: now - 60 })])).trim();
    const r = await cjwt(['verify', '--key', files.hmac, token]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERR_JWT_EXPIRED: /);
    const tolerated = await cjwt(['verify', '--key', files.hmac, '--clock-tolerance', '2m', token]);
    assert.equal(tolerated.code, 0, tolerated.stderr);
  });

  test('--typ, --nbf and --no-iat', async () => {
    const token = (await cjwtOk(['sign', '--key', files.hmac, '--typ', 'at+jwt', '--nbf', '1h', '--no-iat', '--jti', 'id-7'])).trim();
    assert.deepEqual(decodePart(token, 0), { alg: 'HS256', typ: 'at+jwt', kid: 'hs-1' });
    const payload = decodePart(token, 1);
    assert.equal(payload.iat, undefined);
    assert.equal(payload.jti, 'id-7');
    assert.ok(Math.abs((payload.nbf as number) - (Math.floor(Date.now() / 1000) + 3600)) < 120);
    const [early, tolerated, wrongTyp] = await Promise.all([
      cjwt(['verify', '--key', files.hmac, token]),
      cjwt(['verify', '--key', files.hmac, '--typ', 'application/at+jwt', '--clock-tolerance', '2h', token]),
      cjwt(['verify', '--key', files.hmac, '--typ', 'JWT', '--clock-tolerance', '2h', token]),
    ]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^ERR_JWT_CLAIM_VALIDATION_FAILED: "nbf"/);
    assert.equal(tolerated.code, 0, tolerated.stderr);
    assert.equal(wrongTyp.code, 1);
    assert.match(wrongTyp.stderr, /^ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "typ"/);
  });

  test('JWKS key file: the kid picks the key; an unknown kid exits 1', async () => {
    const rsaToken = (await cjwtOk(['sign', '--key', files.rsaPrivatePem, '--kid', 'rsa-1', '--alg', 'PS256', '--sub', 'bob'])).trim();
    const [es, rs, unknownKid] = await Promise.all([
      cjwt(['verify', '--key', files.jwks, esToken]),
      cjwt(['verify', '--key', files.jwks, rsaToken]),
      cjwt(['verify', '--key', files.jwks, (await cjwtOk(['sign', '--key', files.rsaPrivatePem, '--kid', 'rsa-9'])).trim()]),
    ]);
    assert.equal(es.code, 0, es.stderr);
    assert.equal((JSON.parse(es.stdout) as { payload: { sub: string } }).payload.sub, 'alice');
    assert.equal(rs.code, 0, rs.stderr);
    assert.deepEqual((JSON.parse(rs.stdout) as { protectedHeader: unknown }).protectedHeader, { alg: 'PS256', typ: 'JWT', kid: 'rsa-1' });
    assert.equal(unknownKid.code, 1);
    assert.match(unknownKid.stderr, /^ERR_JWKS_NO_MATCHING_KEY: /);
  });

  test('PEM key files, and the key decides the algorithm', async () => {
    const rs = (await cjwtOk(['sign', '--key', files.rsaPrivatePem, '--sub', 'pem'])).trim();
    assert.equal(decodePart(rs, 0).alg, 'RS256', 'default alg: the first the key allows');
    const [ok, wrongAllowlist, otherKey, hsWithRsa] = await Promise.all([
      cjwt(['verify', '--key', files.rsaPublicPem, '--alg', 'RS256', '--alg', 'PS256', rs]),
      cjwt(['verify', '--key', files.rsaPublicPem, '--alg', 'PS256', rs]),
      cjwt(['verify', '--key', files.esPublic, rs]),
      cjwt(['sign', '--key', files.rsaPrivatePem, '--alg', 'HS256']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(wrongAllowlist.code, 1);
    assert.equal(wrongAllowlist.stderr.trim(), 'ERR_JOSE_ALG_NOT_ALLOWED: alg "RS256" is not allowed');
    assert.equal(otherKey.code, 1);
    assert.match(otherKey.stderr, /^ERR_JOSE_ALG_NOT_ALLOWED: /);
    assert.equal(hsWithRsa.code, 2);
    assert.match(hsWithRsa.stderr, /cannot sign with HS256/);
  });

  test('JSON serialization only with --json; compact verification rejects it', async () => {
    const { flattened, general } = jsonSerializations(esToken);
    const [flat, gen, viaJwks, compactOnly] = await Promise.all([
      cjwt(['verify', '--key', files.esPublic, '--json', flattened]),
      cjwt(['verify', '--key', files.esPrivate, '--json', '-'], general),
      cjwt(['verify', '--key', files.jwks, '--json', general]),
      cjwt(['verify', '--key', files.esPublic, flattened]),
    ]);
    for (const r of [flat, gen, viaJwks]) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { payload: { sub: string } }).payload.sub, 'alice');
    }
    assert.equal(compactOnly.code, 1);
    assert.match(compactOnly.stderr, /^ERR_JWS_INVALID: /);
    const signedJSON = await cjwtOk(['sign', '--key', files.esPrivate, '--json', '--sub', 'json']);
    const verified = JSON.parse(await cjwtOk(['verify', '--key', files.esPublic, '--json', signedJSON])) as { payload: { sub: string } };
    assert.equal(verified.payload.sub, 'json');
  });

  test('--jws verifies any payload and prints it as text; a JWT verify rejects it', async () => {
    const token = (await cjwtOk(['sign', '--key', files.hmac, '--payload', '-'], 'not json: <hello>\n')).trim();
    const [asJws, asJwt, tampered] = await Promise.all([
      cjwt(['verify', '--key', files.hmac, '--jws', token]),
      cjwt(['verify', '--key', files.hmac, token]),
      cjwt(['verify', '--key', files.hmac, '--jws', `${token.slice(0, -2)}AA`]),
    ]);
    assert.equal(asJws.code, 0, asJws.stderr);
    assert.equal(asJws.stdout.replace(/\n$/, ''), 'not json: <hello>');
    assert.equal(asJwt.code, 1);
    assert.match(asJwt.stderr, /^ERR_JWT_INVALID: /);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /^ERR_JWS_SIGNATURE_VERIFICATION_FAILED: /);
  });

  test('TOKEN - reads standard input', async () => {
    const r = await cjwt(['verify', '--key', files.esPublic, '-'], `${esToken}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { payload: { sub: string } }).payload.sub, 'alice');
    const empty = await cjwt(['verify', '--key', files.esPublic, '-'], '\n');
    assert.equal(empty.code, 2);
  });

  test('unusable key files and arguments exit 2 without leaking the token or the key', async () => {
    const secretK = String(exportJWK(secret).k);
    const results = await Promise.all([
      cjwt(['verify', '--key', files.garbage, esToken]),
      cjwt(['verify', '--key', files.notAKey, esToken]),
      cjwt(['verify', '--key', `${tmp.dir}/missing.json`, esToken]),
      cjwt(['verify', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--alg', 'none', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--clock-tolerance', 'soon', esToken]),
      cjwt(['verify', '--key', files.esPublic, '--bogus', esToken]),
      cjwt(['sign', '--key', files.esPublic, '--sub', 'x']),
      cjwt(['sign', '--key', files.hmac, '--exp', 'tomorrow']),
      cjwt(['sign', '--key', files.hmac, '--claims', '[1]']),
    ]);
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(!r.stderr.includes(esToken) && !r.stderr.includes(esToken.split('.')[2] ?? '-'), 'stderr never holds the token');
      assert.ok(!r.stderr.includes(secretK), 'stderr never holds the secret');
    }
    assert.match(results[0]?.stderr ?? '', /^error: key file .*garbage\.json: ERR_JWK_INVALID: /);
    assert.match(results[2]?.stderr ?? '', /no such file/);
    assert.match(results[7]?.stderr ?? '', /only public keys/);
  });

  test('an invalid token never echoes itself on stderr', async () => {
    const bad = `${esToken.slice(0, 20)}!!${esToken.slice(22)}`;
    const r = await cjwt(['verify', '--key', files.esPublic, bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERR_JWS_INVALID: /);
    assert.ok(!r.stderr.includes(bad.slice(30, 60)));
  });
});

describe('cjwt decode', { concurrency: 2 }, () => {
  test('shows header, payload and times readably, with a NOT verified warning', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = (await cjwtOk(['sign', '--key', files.esPrivate, '--claims', JSON.stringify({ sub: 'dave', iat: now - 600, exp: now - 180, nbf: now - 600 })])).trim();
    const out = await cjwtOk(['decode', token]);
    assert.match(out, /^WARNING: NOT verified/);
    assert.match(out, /"sub": "dave"/);
    assert.match(out, /"alg": "ES256"/);
    assert.match(out, new RegExp(`exp  ${now - 180}  ${new Date((now - 180) * 1000).toISOString().slice(0, 16)}.*\\(expired 3m( \\d+s)? ago\\)`));
    assert.match(out, /iat {2}\d+ {2}\S+Z {2}\(issued 10m( \d+s)? ago\)/);
    assert.match(out, /nbf {2}\d+ {2}\S+Z {2}\(valid since 10m( \d+s)? ago\)/);

    const json = await cjwt(['decode', '--json', '-'], token);
    assert.equal(json.code, 0);
    assert.match(json.stderr, /NOT verified/);
    const decoded = JSON.parse(json.stdout) as { header: unknown; payload: { sub: string } };
    assert.deepEqual(decoded.header, { alg: 'ES256', typ: 'JWT', kid: 'es-1' });
    assert.equal(decoded.payload.sub, 'dave');

    const [protectedB64, payload, signature] = token.split('.');
    const flattened = JSON.stringify({ protected: protectedB64, payload, signature });
    const fromJSON = JSON.parse(await cjwtOk(['decode', '--json', flattened])) as typeof decoded;
    assert.deepEqual(fromJSON, decoded, 'the JSON serialization decodes to the same header and payload');
  });

  test('non-JSON payloads show as text; garbage exits 1', async () => {
    const token = (await cjwtOk(['sign', '--key', files.hmac, '--payload', 'plain text'])).trim();
    const [text, garbage] = await Promise.all([cjwt(['decode', token]), cjwt(['decode', 'a.b'])]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Payload:\nplain text/);
    assert.equal(garbage.code, 1);
    assert.match(garbage.stderr, /^ERR_JWS_INVALID: /);
  });

  test('control characters from the token are shown escaped, never sent to the terminal raw', async () => {
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
    const textToken = `${b64('{"alg":"HS256","x":"\u009b2J"}')}.${b64('evil\u001b[2J\rWARNING: verified\u009b31m')}.c2ln`;
    const jsonToken = `${b64('{"alg":"HS256"}')}.${b64('{"sub":"a\u009bb","n":"\\u001b","r":"x\u202eyz"}')}.c2ln`;
    const [text, json, jsonMode] = await Promise.all([
      cjwt(['decode', textToken]), cjwt(['decode', jsonToken]), cjwt(['decode', '--json', jsonToken]),
    ]);
    for (const r of [text, json, jsonMode]) {
      assert.equal(r.code, 0, r.stderr);
      // eslint-disable-next-line no-control-regex -- no raw control character may reach the terminal
      assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    }
    assert.match(text.stdout, /Payload:\nevil\\u001b\[2J\\u000dWARNING: verified\\u009b31m/);
    assert.match(text.stdout, /"x": "\\u009b2J"/);
    assert.match(json.stdout, /"sub": "a\\u009bb"/);
    // The JSON form stays exact: parsing it gives back the characters.
    assert.match(json.stdout, /"r": "x\\u202eyz"/);
    assert.deepEqual((JSON.parse(jsonMode.stdout) as { payload: unknown }).payload, { sub: 'a\u009bb', n: '\u001b', r: 'x\u202eyz' });
  });

  test('public key file derived in-process verifies CLI tokens (toPublicKey)', async () => {
    const pub = tmp.file('derived.pub.pem', exportPEM(toPublicKey(es256.privateKey)));
    const r = await cjwt(['verify', '--key', pub, (await cjwtOk(['sign', '--key', files.esPrivate])).trim()]);
    assert.equal(r.code, 0, r.stderr);
  });
});

test('verify: a key file that cannot verify with any allowed algorithm exits 2 (unusable key), not 1', async () => {
  const token = signJWT({ sub: 'alice' }, secret, { alg: 'HS256' });
  const weak = tmp.file('weak.json', JSON.stringify(exportJWK(createSecretKey(randomBytes(16)))));
  const weakJwks = tmp.file('weak-jwks.json', JSON.stringify({ keys: [{ ...exportJWK(createSecretKey(randomBytes(16))), kid: 'a' }, { ...exportJWK(createSecretKey(randomBytes(20))), kid: 'b' }] }));
  const encAlg = tmp.file('enc-alg.json', JSON.stringify({ ...exportJWK(secret), alg: 'RSA-OAEP' }));
  const [weakKey, weakSet, wrongAlg, keyAlgNotJWS, ok] = await Promise.all([
    cjwt(['verify', '--key', weak, token]),
    cjwt(['verify', '--key', weakJwks, token]),
    cjwt(['verify', '--key', files.hmac, '--alg', 'ES256', token]),
    cjwt(['verify', '--key', encAlg, token]),
    cjwt(['verify', '--key', files.hmac, '--alg', 'HS256', token]),
  ]);
  for (const r of [weakKey, weakSet, wrongAlg, keyAlgNotJWS]) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: key file /);
    assert.equal(r.stdout, '');
  }
  assert.equal(ok.code, 0, ok.stderr);
});

/**
 * `cjwt encrypt` / `cjwt decrypt` end to end: keygen for each key-management family, plaintext
 * round trips, nested sign-then-encrypt tokens with `--verify-key`, PBES2 passwords, JSON
 * serialization only with `--json`, and exit codes (1 for a token that does not decrypt or verify,
 * 2 for unusable arguments or keys).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { signJWT } from '../../src/jose/jwt/jwt.js';
import { exportJWK, generateKeyPair } from '../../src/jose/jwk/keys.js';
import { cjwt, cjwtOk, tempDir } from './run-cli.js';

const tmp = tempDir('cjwt-cli-jwe-');
after(() => tmp.cleanup());

function header(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const signing = generateKeyPair('ES256');
const sigPrivate = tmp.file('sig.json', JSON.stringify({ ...exportJWK(signing.privateKey), alg: 'ES256', kid: 'sig-1', use: 'sig' }));
const sigPublic = tmp.file('sig.pub.json', JSON.stringify({ ...exportJWK(signing.publicKey), alg: 'ES256', kid: 'sig-1', use: 'sig' }));
const encKey = generateKeyPair('P-256');
const encPrivate = tmp.file('enc.json', JSON.stringify({ ...exportJWK(encKey.privateKey), alg: 'ECDH-ES+A256KW', kid: 'enc-1', use: 'enc' }));
const encPublic = tmp.file('enc.pub.json', JSON.stringify({ ...exportJWK(encKey.publicKey), alg: 'ECDH-ES+A256KW', kid: 'enc-1', use: 'enc' }));

describe('cjwt keygen -> encrypt -> decrypt', { concurrency: 4 }, () => {
  const families: Array<{ args: string[]; alg: string; enc?: string; kty: string }> = [
    { args: ['--alg', 'ECDH-ES+A256KW'], alg: 'ECDH-ES+A256KW', kty: 'EC' },
    { args: ['--alg', 'ECDH-ES', '--crv', 'X25519'], alg: 'ECDH-ES', kty: 'OKP' },
    { args: ['--alg', 'RSA-OAEP-256'], alg: 'RSA-OAEP-256', kty: 'RSA' },
    { args: ['--alg', 'A128KW'], alg: 'A128KW', kty: 'oct' },
    { args: ['--alg', 'A256GCMKW'], alg: 'A256GCMKW', kty: 'oct' },
    { args: ['--alg', 'dir', '--enc', 'A128CBC-HS256'], alg: 'dir', enc: 'A128CBC-HS256', kty: 'oct' },
  ];
  for (const family of families) {
    test(family.args.join(' '), async () => {
      const jwk = JSON.parse(await cjwtOk(['keygen', ...family.args])) as Record<string, unknown>;
      assert.equal(jwk.kty, family.kty);
      assert.equal(jwk.alg, family.alg);
      assert.equal(jwk.use, 'enc');
      const file = tmp.file(`gen-${family.args.join('_')}.json`, JSON.stringify(jwk));
      const encArgs = family.enc === undefined ? [] : ['--enc', family.enc];
      // Asymmetric keys encrypt to the public JWK that keygen derives; secrets to themselves.
      const recipient = family.kty === 'oct' ? file : tmp.file(`gen-${family.args.join('_')}.pub.json`, await cjwtOk(['keygen', '--key', file, '--public']));
      const token = (await cjwtOk(['encrypt', '--key', recipient, ...encArgs, '--payload', '-'], 'the secret plan\n')).trim();
      assert.equal(token.split('.').length, 5);
      assert.equal(header(token).alg, family.alg, 'the key file decides the algorithm');
      assert.equal(header(token).enc, family.enc ?? 'A256GCM');
      assert.equal(header(token).kid, jwk.kid);
      assert.equal(await cjwtOk(['decrypt', '--key', file, token]), 'the secret plan\n');
      const parts = token.split('.');
      parts[3] = `${(parts[3] ?? '').startsWith('A') ? 'B' : 'A'}${(parts[3] ?? '').slice(1)}`;
      const tampered = await cjwt(['decrypt', '--key', file, parts.join('.')]);
      assert.equal(tampered.code, 1);
      assert.equal(tampered.stderr.trim(), 'ERR_JWE_DECRYPTION_FAILED: decryption operation failed');
    });
  }

  test('keygen refuses PBES2 (a password, not a key) and dir without --enc', async () => {
    const [pbes2, dir] = await Promise.all([cjwt(['keygen', '--alg', 'PBES2-HS256+A128KW']), cjwt(['keygen', '--alg', 'dir'])]);
    assert.equal(pbes2.code, 2);
    assert.match(pbes2.stderr, /password/);
    assert.equal(dir.code, 2);
    assert.match(dir.stderr, /--enc/);
  });

  test('encrypt with a dir key and no --enc takes the content encryption its length fits', async () => {
    const cases = [['A256CBC-HS512', 'A256CBC-HS512'], ['A192GCM', 'A192GCM'], ['A128CBC-HS256', 'A256GCM']] as const;
    await Promise.all(cases.map(async ([keyEnc, expected]) => {
      const file = tmp.file(`dir-default-${keyEnc}.json`, await cjwtOk(['keygen', '--alg', 'dir', '--enc', keyEnc]));
      const token = (await cjwtOk(['encrypt', '--key', file, '--payload', 'dir text'])).trim();
      assert.equal(header(token).alg, 'dir');
      assert.equal(header(token).enc, expected, `a ${keyEnc} key`);
      assert.equal(await cjwtOk(['decrypt', '--key', file, token]), 'dir text\n');
    }));
  });
});

describe('cjwt encrypt / decrypt', { concurrency: 4 }, () => {
  test('nested: sign then encrypt; decrypt --verify-key prints the verified claims', async () => {
    const token = (await cjwtOk(['encrypt', '--key', encPublic, '--sign-key', sigPrivate, '--iss', 'https://auth.example', '--sub', 'erin', '--aud', 'api', '--exp', '10m'])).trim();
    assert.deepEqual({ ...header(token), epk: undefined }, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'enc-1', cty: 'JWT', epk: undefined });
    const [ok, wrongIss, wrongVerifyKey, wrongDecryptKey, plain] = await Promise.all([
      cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, '--iss', 'https://auth.example', '--aud', 'api', token]),
      cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, '--iss', 'https://evil.example', token]),
      cjwt(['decrypt', '--key', encPrivate, '--verify-key', tmp.file('other-sig.json', JSON.stringify(exportJWK(generateKeyPair('ES256').publicKey))), token]),
      cjwt(['decrypt', '--key', tmp.file('other-enc.json', JSON.stringify(exportJWK(generateKeyPair('P-256').privateKey))), '--verify-key', sigPublic, token]),
      cjwt(['decrypt', '--key', encPrivate, token]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { protectedHeader: unknown; payload: Record<string, unknown>; jweHeader: Record<string, unknown> };
    assert.deepEqual(result.protectedHeader, { alg: 'ES256', typ: 'JWT', kid: 'sig-1' });
    assert.equal(result.payload.sub, 'erin');
    assert.equal(result.payload.exp, (result.payload.iat as number) + 600);
    assert.equal(result.jweHeader.cty, 'JWT');
    assert.equal(wrongIss.code, 1);
    assert.match(wrongIss.stderr, /^ERR_JWT_CLAIM_VALIDATION_FAILED: /);
    assert.equal(wrongVerifyKey.code, 1);
    assert.match(wrongVerifyKey.stderr, /^ERR_JWS_SIGNATURE_VERIFICATION_FAILED: /);
    assert.equal(wrongDecryptKey.code, 1);
    assert.match(wrongDecryptKey.stderr, /^ERR_JWE_DECRYPTION_FAILED: /);
    assert.equal(plain.code, 0);
    assert.equal(plain.stdout.trim().split('.').length, 3, 'without --verify-key the plaintext is the inner JWS');
  });

  test('decrypt --verify-key wants cty "JWT" on the outer header', async () => {
    const inner = signJWT({ sub: 'frank' }, signing.privateKey, { alg: 'ES256' });
    const [withoutCty, withCty] = await Promise.all([
      cjwtOk(['encrypt', '--key', encPublic, '--payload', inner]),
      cjwtOk(['encrypt', '--key', encPublic, '--cty', 'JWT', '--payload', inner]),
    ]);
    const [rejected, accepted] = await Promise.all([
      cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, withoutCty.trim()]),
      cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, withCty.trim()]),
    ]);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /^ERR_JWE_INVALID: not a nested JWT/);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal((JSON.parse(accepted.stdout) as { payload: { sub: string } }).payload.sub, 'frank');
  });

  test('PBES2 with --password-file', async () => {
    const password = tmp.file('password.txt', 'correct horse battery staple\n');
    const token = (await cjwtOk(['encrypt', '--password-file', password, '--p2c', '2000', '--payload', 'pbes2 text'])).trim();
    assert.equal(header(token).alg, 'PBES2-HS512+A256KW');
    assert.equal(header(token).p2c, 2000);
    const [ok, wrong] = await Promise.all([
      cjwt(['decrypt', '--password-file', password, token]),
      cjwt(['decrypt', '--password-file', tmp.file('wrong.txt', 'correct horse battery stapler'), token]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'pbes2 text\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^ERR_JWE_DECRYPTION_FAILED: /);
  });

  test('JSON serialization only with --json; key-management allowlist', async () => {
    const json = await cjwtOk(['encrypt', '--key', encPublic, '--json', '--zip', '--payload', 'json text']);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.equal(typeof parsed.ciphertext, 'string');
    const compact = (await cjwtOk(['encrypt', '--key', encPrivate, '--payload', 'x'])).trim();
    const [ok, notCompact, jsonOnly, notAllowed, allowed] = await Promise.all([
      cjwt(['decrypt', '--key', encPrivate, '--json', '-'], json),
      cjwt(['decrypt', '--key', encPrivate, json]),
      cjwt(['decrypt', '--key', encPrivate, '--json', compact]),
      cjwt(['decrypt', '--key', encPrivate, '--alg', 'RSA-OAEP-256', compact]),
      cjwt(['decrypt', '--key', encPrivate, '--alg', 'ECDH-ES+A256KW', '--enc', 'A256GCM', compact]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'json text\n');
    assert.equal(notCompact.code, 1);
    assert.match(notCompact.stderr, /^ERR_JWE_INVALID: /);
    assert.equal(jsonOnly.code, 1);
    assert.match(jsonOnly.stderr, /^ERR_JWE_INVALID: /);
    assert.equal(notAllowed.code, 1);
    assert.match(notAllowed.stderr, /^ERR_JOSE_ALG_NOT_ALLOWED: /);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.stdout, 'x\n');
  });

  test('a JWKS picks the decryption key by kid', async () => {
    const other = generateKeyPair('RSA');
    const jwks = tmp.file('enc-jwks.json', JSON.stringify({ keys: [
      { ...exportJWK(other.privateKey), kid: 'rsa-enc', use: 'enc' },
      { ...exportJWK(encKey.privateKey), kid: 'enc-1', use: 'enc' },
      { ...exportJWK(signing.privateKey), kid: 'sig-1', use: 'sig' },
    ] }));
    const toRsa = (await cjwtOk(['encrypt', '--key', jwks, '--kid', 'rsa-enc', '--payload', 'for rsa'])).trim();
    assert.equal(header(toRsa).alg, 'RSA-OAEP-256');
    const toEc = (await cjwtOk(['encrypt', '--key', encPublic, '--payload', 'for ec'])).trim();
    const [rsa, ec] = await Promise.all([cjwt(['decrypt', '--key', jwks, toRsa]), cjwt(['decrypt', '--key', jwks, toEc])]);
    assert.equal(rsa.stdout, 'for rsa\n', rsa.stderr);
    assert.equal(ec.stdout, 'for ec\n', ec.stderr);
  });

  test('unusable arguments exit 2', async () => {
    const results = await Promise.all([
      cjwt(['encrypt', '--payload', 'x']),
      cjwt(['encrypt', '--key', encPublic]),
      cjwt(['encrypt', '--key', encPublic, '--alg', 'RSA1_5', '--payload', 'x']),
      cjwt(['encrypt', '--key', encPublic, '--alg', 'A256KW', '--payload', 'x']),
      cjwt(['encrypt', '--key', encPublic, '--enc', 'A512GCM', '--payload', 'x']),
      cjwt(['decrypt', '--key', sigPrivate, 'a.b.c.d.e']),
      cjwt(['decrypt', '--key', encPrivate, '--iss', 'x', 'a.b.c.d.e']),
    ]);
    for (const r of results) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
    }
  });
});

test('decrypt --verify-key: a verify key file that cannot verify with --sign-alg exits 2 before any decryption', async () => {
  const token = (await cjwtOk(['encrypt', '--key', encPublic, '--sign-key', sigPrivate, '--sub', 'erin'])).trim();
  const [wrongAlg, ok] = await Promise.all([
    cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, '--sign-alg', 'RS256', token]),
    cjwt(['decrypt', '--key', encPrivate, '--verify-key', sigPublic, '--sign-alg', 'ES256', token]),
  ]);
  assert.equal(wrongAlg.code, 2, wrongAlg.stderr);
  assert.match(wrongAlg.stderr, /^error: key file /);
  assert.equal(wrongAlg.stdout, '');
  assert.equal(ok.code, 0, ok.stderr);
});

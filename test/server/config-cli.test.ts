/**
 * Configuration precedence (defaults < config file < CJWT_* environment < options), the
 * password hashes of the users file, and the `cjwt hash-password` command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { createTokenService, envName, hashPassword, isPasswordHash, resolveServiceConfig, verifyPassword } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('options override CJWT_* variables, which override the config file, which overrides defaults', async () => {
  const file = join(dir, 'cjwt.json');
  writeFileSync(file, JSON.stringify({ port: 9000, maxUserSessions: 2, audiences: ['a', 'b'], host: '0.0.0.0' }));
  const config = await resolveServiceConfig({ host: '127.0.0.2' }, { CJWT_PORT: '9100', CJWT_CORS_ORIGINS: 'https://x.test, https://y.test', CJWT_TRUST_PROXY: 'true' }, file);
  assert.equal(config.port, 9100);
  assert.equal(config.maxUserSessions, 2);
  assert.deepEqual(config.audiences, ['a', 'b']);
  assert.equal(config.host, '127.0.0.2');
  assert.deepEqual(config.corsOrigins, ['https://x.test', 'https://y.test']);
  assert.equal(config.trustProxy, true);
  assert.equal(config.dataDir, '.cjwt');
  assert.equal(envName('maxUserSessions'), 'CJWT_MAX_USER_SESSIONS');
  await assert.rejects(resolveServiceConfig({}, { CJWT_PORT: 'eighty' }), /port must be a non-negative integer/);
  await assert.rejects(resolveServiceConfig({ algorithm: 'none' as 'HS256' }), /unsupported signing algorithm/);
  writeFileSync(file, JSON.stringify({ prot: 1 }));
  await assert.rejects(resolveServiceConfig({}, {}, file), /unknown config file setting prot/);
});

it('first start: master key and key file are private, the admin secrets exist only as scrypt hashes', async () => {
  const dataDir = join(dir, 'data');
  const service = await createTokenService({ port: 0, dataDir, logLevel: 'silent', passwordHashCost: { N: 1024 } });
  try {
    const initial = service.initialCredentials!;
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'keys.json')).mode & 0o777, 0o600);
    const users = (await import('node:fs')).readFileSync(join(dataDir, 'users.json'), 'utf8');
    assert.ok(!users.includes(initial.password) && !users.includes(initial.clientSecret));
    assert.ok(isPasswordHash((JSON.parse(users) as { users: { admin: { hash: string } } }).users.admin.hash));
  } finally {
    await service.close();
  }
  const again = await createTokenService({ port: 0, dataDir, logLevel: 'silent' });
  assert.equal(again.initialCredentials, undefined, 'secrets are printed on the first start only');
  await again.close();
});

it('CJWT_MASTER_KEY replaces the key file; a wrong master key refuses to open the sealed keys', async () => {
  const dataDir = join(dir, 'sealed');
  const key = 'a'.repeat(64);
  const service = await createTokenService({ port: 0, dataDir, logLevel: 'silent', passwordHashCost: { N: 1024 }, env: { CJWT_MASTER_KEY: key } });
  await service.close();
  assert.throws(() => statSync(join(dataDir, 'master.key')), { code: 'ENOENT' });
  await assert.rejects(createTokenService({ port: 0, dataDir, logLevel: 'silent', env: { CJWT_MASTER_KEY: 'b'.repeat(64) } }), { code: 'ERR_KEY_STORAGE' });
});

it('password hashes verify only their password', async () => {
  const hash = await hashPassword('s3cret', { N: 1024 });
  assert.equal(await verifyPassword('s3cret', hash), true);
  assert.equal(await verifyPassword('s3cret!', hash), false);
  assert.equal(await verifyPassword('s3cret', 'scrypt$1$1$1$x$y'), false);
});

it('cjwt hash-password hashes standard input', async () => {
  const main = join(import.meta.dirname, '../../src/cli/main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'hash-password'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end('correct horse\n');
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  const hash = out.trim();
  assert.ok(isPasswordHash(hash));
  assert.equal(await verifyPassword('correct horse', hash), true);
});

it('cjwt serve --revocation takes store or feed; anything else is a usage error before anything starts', async () => {
  const main = join(import.meta.dirname, '../../src/cli/main.ts');
  const dataDir = join(dir, 'revocation-flag');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--data-dir', dataDir, '--port', '0', '--revocation', 'sometimes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(err, /revocation must be store or feed/);
  const config = await resolveServiceConfig({}, { CJWT_REVOCATION: 'feed', CJWT_REVOCATION_MAX_STALENESS_MS: '250' });
  assert.equal(config.revocation, 'feed');
  assert.equal(config.revocationMaxStalenessMs, 250);
  assert.equal((await resolveServiceConfig({}, {})).revocation, 'store');
});

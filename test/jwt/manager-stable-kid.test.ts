/**
 * Two servers of one fleet configured with the same HMAC secret verify each other's tokens: the
 * default `kid` of a secret is derived from it (a truncated HMAC of a fixed label under the
 * secret), not random. Proven with two separate node processes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { importSecret } from '../../src/jose/jwk/keys.js';
import { KeyRing } from '../../src/keys/index.js';

const run = promisify(execFile);
const child = join(import.meta.dirname, 'stable-kid-child.ts');

async function server(secret: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, ...args], { env: { ...process.env, CJWT_TEST_SECRET: secret } });
  return stdout;
}

test('a token signed by one process verifies in another with the same HMAC secret', async () => {
  const secret = randomBytes(32).toString('base64url');
  const token = await server(secret, 'sign', 'alice');
  const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: string };
  assert.equal(typeof header.kid, 'string');
  const verdict = JSON.parse(await server(secret, 'verify', token)) as { valid: boolean; sub?: string; code?: string };
  assert.deepEqual({ valid: verdict.valid, sub: verdict.sub }, { valid: true, sub: 'alice' });
  // A server with another secret refuses it.
  const other = JSON.parse(await server(randomBytes(32).toString('base64url'), 'verify', token)) as { valid: boolean; code?: string };
  assert.equal(other.valid, false);
});

test('the default kid of a secret is stable, differs between secrets, and is no plain digest of the secret', () => {
  const bytes = randomBytes(32);
  const kid = (secret: Buffer): string => new KeyRing().add(importSecret(secret)).kid;
  assert.equal(kid(bytes), kid(Buffer.from(bytes)));
  assert.notEqual(kid(bytes), kid(randomBytes(32)));
  assert.match(kid(bytes), /^[A-Za-z0-9_-]{22}$/);
  for (const digest of [createHash('sha256').update(bytes).digest(), createHmac('sha256', bytes).update('').digest()]) {
    assert.ok(!digest.toString('base64url').startsWith(kid(bytes).slice(0, 8)));
  }
});

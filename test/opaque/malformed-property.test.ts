/**
 * Property (fast-check): whatever malformed or forged input reaches validateToken, revokeToken or
 * getTokenInfo, the answer is ERR_TOKEN_MALFORMED (or undefined) and the store is never called.
 * The stores are real (memory and SQLite), wrapped in a proxy that counts every method call.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { BASE62_ALPHABET, encodeUint32Base62 } from '../../src/opaque/base62.js';
import { OpaqueTokenManager } from '../../src/opaque/index.js';
import { MemoryTokenStore, SqliteTokenStore } from '../../src/store/index.js';
import type { TokenStore } from '../../src/store/index.js';

const SECRET = 'property-test secret, 32 bytes or more';

/** The store itself, with a count of every method called on it. */
function counting(store: TokenStore): { store: TokenStore; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

const base62Char = fc.constantFrom(...BASE62_ALPHABET);
const base62 = (min: number, max: number) => fc.string({ unit: base62Char, minLength: min, maxLength: max });

/** Mutations of a real token: one edit anywhere. */
function mutated(token: string): fc.Arbitrary<string> {
  const at = fc.integer({ min: 0, max: token.length - 1 });
  return fc.oneof(
    fc.tuple(at, fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })).filter(([i, ch]) => token[i] !== ch)
      .map(([i, ch]) => token.slice(0, i) + ch + token.slice(i + 1)),
    at.map((i) => token.slice(0, i) + token.slice(i + 1)),
    fc.tuple(at, base62Char).map(([i, ch]) => token.slice(0, i) + ch + token.slice(i)),
    fc.tuple(at, fc.integer({ min: 1, max: 8 })).filter(([i, n]) => i + n < token.length && token.slice(i, i + n) !== token.slice(i + 1, i + n + 1))
      .map(([i, n]) => token.slice(0, i) + token.slice(i + 1, i + n + 1) + token[i] + token.slice(i + n + 1)),
    fc.string({ minLength: 1, maxLength: 4 }).map((s) => token + s),
    fc.integer({ min: 0, max: token.length - 1 }).map((n) => token.slice(0, n)),
  );
}

/** Right prefix and length, a correct checksum, random content: what a forger can compute. */
function forged(randomAndMacChars: number): fc.Arbitrary<string> {
  return base62(randomAndMacChars, randomAndMacChars).map((body) => `cjwt_${body}${encodeUint32Base62(crc32(body))}`);
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(), fc.string({ unit: 'binary' }), base62(0, 120), base62(0, 80).map((s) => `cjwt_${s}`),
  fc.anything(), fc.constant(undefined), fc.constant(null),
);

describe('malformed and forged opaque tokens never reach the store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cjwt-opaque-prop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [backend, open] of [
    ['memory', async () => new MemoryTokenStore()],
    ['sqlite', () => SqliteTokenStore.open(join(dir, 'prop.db'), { sweepIntervalMs: 0 })],
  ] as Array<[string, () => Promise<TokenStore>]>) {
    for (const secret of [undefined, SECRET]) {
      it(`${backend}, ${secret === undefined ? 'no secret' : 'with a secret'}: only ERR_TOKEN_MALFORMED, zero store calls`, async () => {
        const real = await open();
        const { store, calls } = counting(real);
        const manager = new OpaqueTokenManager({ store, secret });
        try {
          const { token } = await manager.generateToken({ userId: 'prop' });
          assert.ok((await manager.validateToken(token)).valid);
          const inputs: Array<fc.Arbitrary<unknown>> = [junk, mutated(token)];
          // Without a secret a forged checksum is well formed (it then costs one lookup); with one it is refused.
          if (secret !== undefined) inputs.push(forged(43 + 12));
          const before = calls();
          await fc.assert(fc.asyncProperty(fc.oneof(...inputs), async (input) => {
            const validation = await manager.validateToken(input as string);
            assert.equal(validation.valid, false);
            assert.ok(!validation.valid);
            assert.equal(validation.error.code, 'ERR_TOKEN_MALFORMED');
            const asObject = await manager.validateToken({ token: input as string, requiredScopes: ['x'] });
            assert.ok(!asObject.valid);
            assert.equal(asObject.error.code, 'ERR_TOKEN_MALFORMED');
            const revoked = await manager.revokeToken(input as string, 'r');
            assert.ok(!revoked.success);
            assert.equal(revoked.error.code, 'ERR_TOKEN_MALFORMED');
            assert.equal(await manager.getTokenInfo({ token: input as string }), undefined);
          }), { numRuns: 400 });
          assert.equal(calls() - before, 0, 'a malformed token reached the store');
          // The token itself still validates: nothing above touched the record.
          assert.ok((await manager.validateToken(token)).valid);
          assert.ok(calls() > before);
        } finally {
          await real.close();
        }
      });
    }
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/jose/jwk/keys.js';
import { chunkToken, fromCookieChunks, JWTManager, reassembleToken, staleCookieChunks, toCookieChunks } from '../../src/jwt/index.js';

async function bigToken(): Promise<string> {
  const m = JWTManager.withHMAC(generateSecret('HS256'), { maxTokenSize: 20_000 });
  const { token } = await m.generateToken({ subject: 'u', customClaims: { roles: Array.from({ length: 600 }, (_, i) => `role-${i}`) } });
  return token;
}

describe('token chunking', () => {
  it('splits and reassembles; the manager methods are the same functions', async () => {
    const token = await bigToken();
    assert.ok(token.length > 8000);
    const { chunkId, chunks } = chunkToken({ token, maxChunkSize: 3000 });
    assert.equal(chunks.length, Math.ceil(token.length / 3000));
    assert.ok(chunks.every((c) => c.length <= 3000));
    assert.equal(reassembleToken({ chunks, chunkId }), token);
    const m = JWTManager.withHMAC(generateSecret('HS256'));
    assert.deepEqual(m.chunkToken({ token, maxChunkSize: 3000 }), { chunkId, chunks });
    assert.equal(m.reassembleToken({ chunks, chunkId }), token);
  });

  it('refuses missing, reordered, altered and foreign chunks with ERR_CHUNK_INVALID', async () => {
    const token = await bigToken();
    const { chunkId, chunks } = chunkToken({ token, maxChunkSize: 2500 });
    const invalid = { code: 'ERR_CHUNK_INVALID' };
    assert.throws(() => reassembleToken({ chunks: chunks.slice(1), chunkId }), invalid);
    assert.throws(() => reassembleToken({ chunks: chunks.slice(0, -1), chunkId }), invalid);
    assert.throws(() => reassembleToken({ chunks: [chunks[1]!, chunks[0]!, ...chunks.slice(2)], chunkId }), invalid);
    const altered = [...chunks];
    altered[1] = `${altered[1]!.slice(0, -1)}${altered[1]!.endsWith('A') ? 'B' : 'A'}`;
    assert.throws(() => reassembleToken({ chunks: altered, chunkId }), invalid);
    const other = chunkToken({ token: `${token}x`, maxChunkSize: 2500 });
    assert.throws(() => reassembleToken({ chunks, chunkId: other.chunkId }), invalid);
    assert.throws(() => reassembleToken({ chunks: [], chunkId }), invalid);
    assert.throws(() => reassembleToken({ chunks: [...chunks, ''], chunkId }), invalid);
    assert.throws(() => chunkToken({ token, maxChunkSize: 0 }), invalid);
    assert.throws(() => chunkToken({ token: '', maxChunkSize: 10 }), invalid);
  });

  it('names chunks as cookies within the size limit and reads them back', async () => {
    const token = await bigToken();
    const cookies = toCookieChunks('session', token, { maxCookieSize: 4096 });
    assert.equal(cookies[0]!.name, 'session');
    assert.match(cookies[0]!.value, /^\d+\.[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(cookies.slice(1).map((c) => c.name), cookies.slice(1).map((_, i) => `session.${i}`));
    for (const c of cookies) assert.ok(c.name.length + 1 + c.value.length <= 4096);
    const jar = Object.fromEntries(cookies.map((c) => [c.name, c.value]));
    assert.equal(fromCookieChunks('session', jar), token);
    assert.equal(fromCookieChunks('absent', jar), undefined);
    const { 'session.1': _gone, ...missing } = jar;
    assert.throws(() => fromCookieChunks('session', missing), { code: 'ERR_CHUNK_INVALID' });
    assert.throws(() => fromCookieChunks('session', { ...jar, 'session.0': jar['session.1']!, 'session.1': jar['session.0']! }), { code: 'ERR_CHUNK_INVALID' });

    const small = 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln';
    assert.deepEqual(toCookieChunks('session', small), [{ name: 'session', value: small }]);
    assert.equal(fromCookieChunks('session', { session: small }), small);
    assert.deepEqual(staleCookieChunks('session', toCookieChunks('session', small), jar), cookies.slice(1).map((c) => c.name));
    assert.throws(() => toCookieChunks('bad name', token), { code: 'ERR_CHUNK_INVALID' });
    assert.throws(() => toCookieChunks('s', token, { maxCookieSize: 4 }), { code: 'ERR_CHUNK_INVALID' });
  });
});

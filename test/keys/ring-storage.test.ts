import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyStorageError } from '../../src/jose/errors.js';
import { generateKeyPair, generateSecret } from '../../src/jose/jwk/keys.js';
import { KeyRing } from '../../src/keys/key-ring.js';
import { loadKeyRing, saveKeyRing, type SavedKeyRing } from '../../src/keys/ring-storage.js';

const partnerKey = generateKeyPair('RS256').publicKey;

function sampleRing(now: () => number): KeyRing {
  const ring = KeyRing.generate('ES256', { now });
  ring.rotate({ algorithm: 'EdDSA', gracePeriod: '1h' });
  ring.add(generateSecret('HS256'), { kid: 'hmac', active: false });
  ring.add(partnerKey, { kid: 'partner' });
  return ring;
}

function rejects(fn: () => unknown): KeyStorageError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KeyStorageError, `expected KeyStorageError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_KEY_STORAGE');
    return err;
  }
  assert.fail('expected ERR_KEY_STORAGE');
}

describe('key ring persistence', () => {
  const t0 = Date.UTC(2030, 0, 1);
  let t = t0;
  const now = (): number => t;

  it('reloads with the same kids, states, dates and active key; old tokens still verify', () => {
    const ring = sampleRing(now);
    const token = ring.sign({ sub: 'u', exp: Math.floor(t / 1000) + 3600 });
    const storageKey = randomBytes(32);
    const text = saveKeyRing(ring, storageKey);
    const loaded = loadKeyRing(text, storageKey, { now });
    assert.deepEqual(loaded.list(), ring.list());
    assert.deepEqual(loaded.signingKey(), ring.signingKey());
    assert.deepEqual(loaded.jwks(), ring.jwks());
    assert.equal(loaded.verify(token).payload.sub, 'u');
    assert.equal(ring.verify(loaded.sign({ sub: 'v', exp: Math.floor(t / 1000) + 3600 })).payload.sub, 'v');
    t = t0 + 2 * 3_600_000;
    assert.equal(loadKeyRing(text, storageKey, { now }).list().filter((k) => k.state === 'retired').length, 1);
    t = t0;
  });

  it('keeps private material out of the readable part of the file', () => {
    const ring = sampleRing(now);
    const text = saveKeyRing(ring, randomBytes(32));
    const doc = JSON.parse(text) as SavedKeyRing;
    for (const k of doc.keys) {
      assert.equal(k.publicJwk?.d, undefined);
      assert.equal(k.publicJwk?.k, undefined);
    }
    assert.doesNotMatch(text, /"d":|"k":|"p":|"q":/);
    assert.equal(doc.keys.find((k) => k.kid === 'hmac')!.publicJwk, undefined);
  });

  it('refuses a wrong storage key with ERR_KEY_STORAGE', () => {
    const text = saveKeyRing(sampleRing(now), randomBytes(32));
    const err = rejects(() => loadKeyRing(text, randomBytes(32)));
    assert.match(err.message, /wrong storage key or altered data/);
  });

  it('refuses an edited document: metadata is authenticated', () => {
    const storageKey = randomBytes(32);
    const doc = JSON.parse(saveKeyRing(sampleRing(now), storageKey)) as SavedKeyRing;
    const extended = structuredClone(doc);
    const retiring = extended.keys.find((k) => k.retireAt !== undefined)!;
    retiring.retireAt = retiring.retireAt! + 86_400_000;
    rejects(() => loadKeyRing(extended, storageKey));
    const injected = structuredClone(doc);
    injected.keys.push({ kid: 'evil', alg: 'ES256', use: 'sig', createdAt: t0, sealed: false, publicJwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } } as never);
    rejects(() => loadKeyRing(injected, storageKey));
    rejects(() => loadKeyRing('not json', storageKey));
    rejects(() => loadKeyRing(JSON.stringify({ ...doc, version: 2 }), storageKey));
  });

  it('requires a 32-byte storage key', () => {
    rejects(() => saveKeyRing(sampleRing(now), randomBytes(16)));
  });
});

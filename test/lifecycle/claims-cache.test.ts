/** ClaimsCache: keyed by SHA-256, never past exp, bounded, frozen entries. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClaimsCache, claimsCacheKey } from '../../src/lifecycle/index.js';

describe('ClaimsCache', () => {
  it('serves claims until exp and never at or after it', () => {
    let now = 1_000_000;
    const cache = new ClaimsCache({ now: () => now, maxAgeMs: 10_000_000 });
    cache.set('token-a', { sub: 'a', exp: 1_005 });
    assert.deepEqual(cache.get('token-a'), { sub: 'a', exp: 1_005 });
    now = 1_004_999;
    assert.equal(cache.get('token-a')?.sub, 'a');
    now = 1_005_000;
    assert.equal(cache.get('token-a'), undefined);
    assert.deepEqual(cache.stats(), { hits: 2, misses: 1, size: 0 });
  });

  it('caps an entry at maxAgeMs; tokens without exp or already expired are not cached', () => {
    let now = 0;
    const cache = new ClaimsCache({ now: () => now, maxAgeMs: 1000 });
    cache.set('long', { exp: 3600 });
    cache.set('no-exp', { sub: 'x' });
    cache.set('dead', { exp: -1 });
    assert.equal(cache.stats().size, 1);
    now = 999;
    assert.ok(cache.get('long'));
    now = 1000;
    assert.equal(cache.get('long'), undefined);
  });

  it('is a bounded LRU', () => {
    const cache = new ClaimsCache({ max: 2, now: () => 0 });
    cache.set('a', { exp: 10 });
    cache.set('b', { exp: 10 });
    assert.ok(cache.get('a'));
    cache.set('c', { exp: 10 });
    assert.ok(cache.get('a'));
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.stats().size, 2);
  });

  it('keys by SHA-256 (no token kept) and freezes entries so one caller cannot edit another one\'s claims', () => {
    const cache = new ClaimsCache({ now: () => 0 });
    const claims = { exp: 10, roles: ['user'] };
    cache.set('header.payload.signature', claims);
    assert.equal(claimsCacheKey('header.payload.signature').length, 43);
    const hit = cache.getByKey(claimsCacheKey('header.payload.signature'));
    assert.ok(Object.isFrozen(hit) && Object.isFrozen(hit?.roles));
    assert.throws(() => { (hit!.roles as string[]).push('admin'); }, TypeError);
    assert.equal(cache.delete('header.payload.signature'), true);
    assert.equal(cache.get('header.payload.signature'), undefined);
  });

  it('refuses bad bounds', () => {
    assert.throws(() => new ClaimsCache({ max: 0 }), RangeError);
    assert.throws(() => new ClaimsCache({ maxAgeMs: -1 }), RangeError);
  });
});

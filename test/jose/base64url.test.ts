import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBase64url, encodeBase64url, isBase64url } from '../../src/jose/base64url.js';
import { JWSInvalid } from '../../src/jose/errors.js';

test('base64url round-trips bytes and strings without padding', () => {
  assert.equal(encodeBase64url('hi?>'), 'aGk_Pg');
  assert.equal(decodeBase64url('aGk_Pg').toString(), 'hi?>');
  const bytes = new Uint8Array([0, 255, 254, 1]);
  assert.deepEqual([...decodeBase64url(encodeBase64url(bytes))], [...bytes]);
});

test('base64url rejects non-canonical input', () => {
  for (const bad of ['aGk=', 'aG k', 'aGk+', 'a', 'aGl', 'aGk/']) {
    assert.throws(() => decodeBase64url(bad), JWSInvalid, bad);
    assert.equal(isBase64url(bad), false, bad);
  }
});

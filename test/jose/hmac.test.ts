// The one-shot HMAC must equal node:crypto's createHmac for every hash, key size and input shape.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createHmacFunction } from '../../src/jose/hmac.js';

test('createHmacFunction equals createHmac (hashes, key sizes, text, bytes, long inputs)', () => {
  const inputs: Array<string | Buffer> = [
    '', 'a', 'header.payload', 'é✓😀 unicode', 'x'.repeat(1000), 'y'.repeat(5000), '€'.repeat(30000), randomBytes(3000), Buffer.alloc(0),
  ];
  for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
    for (const size of [32, 48, 64, 65, 128, 129, 300]) {
      const key = createSecretKey(randomBytes(size));
      const mac = createHmacFunction(hash, key);
      // Repeated calls reuse the buffer: each must still be right, in any order of sizes.
      for (const input of [...inputs, ...inputs.slice().reverse()]) {
        assert.deepEqual(mac(input), createHmac(hash, key).update(input).digest(), `${hash} key=${size} len=${input.length}`);
      }
    }
  }
});

/**
 * The opaque token format: shape, lengths, checksum (checked against zlib's CRC32), HMAC, the
 * refused options, and that every single-character typo is caught in memory.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { BASE62_ALPHABET, crc32Ascii, encodeUint32Base62, randomBase62 } from '../../src/opaque/base62.js';
import { createOpaqueTokenFormat } from '../../src/opaque/index.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';

describe('base62 pieces', () => {
  it('crc32Ascii equals zlib.crc32 and encodeUint32Base62 is fixed-width base62', () => {
    for (const text of ['', 'a', 'The quick brown fox', randomBase62(43), randomBase62(200)]) {
      assert.equal(crc32Ascii(text), crc32(text));
    }
    assert.equal(crc32Ascii('xxabcxx', 2, 5), crc32('abc'));
    assert.equal(encodeUint32Base62(0), '000000');
    assert.equal(encodeUint32Base62(61), '00000z');
    assert.equal(encodeUint32Base62(62), '000010');
    assert.equal(encodeUint32Base62(0xffffffff), '4gfFC3');
    assert.equal(parseInt62('4gfFC3'), 0xffffffff);
  });

  it('randomBase62 draws every character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62 * 2000);
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 62);
    // Expected 2000 each; binomial sd ~ 44.4, so 6 sd either side.
    for (const [ch, n] of counts) assert.ok(n > 1733 && n < 2267, `${ch}: ${n}`);
  });
});

describe('createOpaqueTokenFormat', () => {
  it('default: cjwt_ + 43 random chars (256 bits) + 6-char CRC; hash is SHA-256 base64url', () => {
    const format = createOpaqueTokenFormat();
    const { token, hash } = format.generate();
    assert.match(token, /^cjwt_[0-9A-Za-z]{49}$/);
    const random = token.slice(5, -6);
    assert.equal(random.length, 43);
    assert.ok(43 * Math.log2(62) >= 256);
    assert.equal(token.slice(-6), encodeUint32Base62(crc32(random)));
    assert.equal(hash, createHash('sha256').update(token).digest('base64url'));
    assert.equal(format.hash(token), hash);
    assert.equal(format.check(token), true);
    assert.notEqual(format.generate().token, token);
  });

  it('length is bytes of randomness: 16 is the least, fewer is refused', () => {
    assert.match(createOpaqueTokenFormat({ length: 16 }).generate().token, /^cjwt_[0-9A-Za-z]{28}$/);
    assert.match(createOpaqueTokenFormat({ length: 128 }).generate().token, new RegExp(`^cjwt_[0-9A-Za-z]{${172 + 6}}$`));
    for (const length of [15, 8, 0, -1]) assert.throws(() => createOpaqueTokenFormat({ length }), { code: 'ERR_KEY_WEAK' });
    for (const length of [16.5, 129, Number.NaN]) assert.throws(() => createOpaqueTokenFormat({ length }), RangeError);
  });

  it('prefix: one trailing underscore is dropped; malformed prefixes are refused', () => {
    const a = createOpaqueTokenFormat({ prefix: 'pg_' });
    const b = createOpaqueTokenFormat({ prefix: 'pg' });
    const { token } = a.generate();
    assert.match(token, /^pg_[0-9A-Za-z]{49}$/);
    assert.equal(b.check(token), true);
    assert.equal(createOpaqueTokenFormat({ prefix: 'my_app' }).check(createOpaqueTokenFormat({ prefix: 'my_app_' }).generate().token), true);
    for (const prefix of ['', '_', '1abc', 'a-b', 'a b', 'a'.repeat(33), 'ü']) {
      assert.throws(() => createOpaqueTokenFormat({ prefix }), RangeError, prefix);
    }
    assert.equal(createOpaqueTokenFormat({ prefix: 'other' }).check(token), false);
  });

  it('every single-character substitution, deletion, insertion and adjacent swap is refused', () => {
    for (const format of [createOpaqueTokenFormat(), createOpaqueTokenFormat({ secret: SECRET })]) {
      const { token } = format.generate();
      for (let i = 0; i < token.length; i++) {
        for (const ch of BASE62_ALPHABET + '_-.') {
          if (ch === token[i]) continue;
          assert.equal(format.check(token.slice(0, i) + ch + token.slice(i + 1)), false, `substitution at ${i}`);
        }
        assert.equal(format.check(token.slice(0, i) + token.slice(i + 1)), false, `deletion at ${i}`);
        assert.equal(format.check(token.slice(0, i) + 'A' + token.slice(i)), false, `insertion at ${i}`);
        if (i + 1 < token.length && token[i] !== token[i + 1]) {
          assert.equal(format.check(token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)), false, `swap at ${i}`);
        }
      }
    }
  });

  it('with a secret: 12 MAC characters; a token with a correct checksum but a forged MAC is refused', () => {
    const format = createOpaqueTokenFormat({ secret: SECRET });
    const { token } = format.generate();
    assert.match(token, /^cjwt_[0-9A-Za-z]{61}$/);
    assert.equal(format.check(token), true);
    // An attacker who knows the format computes a valid checksum over a random part and MAC.
    const body = randomBase62(43 + 12);
    const forged = `cjwt_${body}${encodeUint32Base62(crc32(body))}`;
    assert.equal(format.check(forged), false);
    assert.equal(createOpaqueTokenFormat({ secret: SECRET + 'x' }).check(token), false);
    assert.equal(createOpaqueTokenFormat().check(token), false, 'a format without the secret expects another length');
    // The same secret as bytes, string or KeyObject is the same key.
    assert.equal(createOpaqueTokenFormat({ secret: Buffer.from(SECRET) }).check(token), true);
    assert.equal(createOpaqueTokenFormat({ secret: createSecretKey(Buffer.from(SECRET)) }).check(token), true);
  });

  it('refuses weak or asymmetric secrets', () => {
    assert.throws(() => createOpaqueTokenFormat({ secret: 'short' }), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => createOpaqueTokenFormat({ secret: randomBytes(31) }), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => createOpaqueTokenFormat({ secret: createSecretKey(randomBytes(16)) }), { code: 'ERR_KEY_WEAK' });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => createOpaqueTokenFormat({ secret: publicKey }), { code: 'ERR_JWK_INVALID' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => createOpaqueTokenFormat({ secret: pem }), (err: unknown) => err instanceof Error && 'code' in err);
  });

  it('check is false, never a throw, for non-strings and odd strings', () => {
    const format = createOpaqueTokenFormat({ secret: SECRET });
    for (const input of [undefined, null, 42, {}, [], '', 'cjwt_', '\u0000'.repeat(72), 'cjwt_' + 'é'.repeat(61)]) {
      assert.equal(format.check(input as string), false);
    }
  });
});

function parseInt62(text: string): number {
  let n = 0;
  for (const ch of text) n = n * 62 + BASE62_ALPHABET.indexOf(ch);
  return n;
}

// Mutation fuzzing with a seeded PRNG: byte flips, segment swaps/drops/duplicates, JSON field
// mutations and truncations of valid tokens. Every failure must be a typed JoseError with a code,
// and a mutant may only verify if it carries exactly the original header, payload and signature.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { test } from 'node:test';
import {
  JoseError, createJWSSigner, generateKeyPair, generateSecret, signJSON, signJWT, verifyCompact, verifyJSON, verifyJWT,
  type JWSAlgorithm,
} from '../../src/jose/index.js';

/** mulberry32: small, fast, seedable; the seed makes every failure reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0xc0ffee;
const rand = prng(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\u00e9{}"';

const b64 = (s: string): string => Buffer.from(s).toString('base64url');
const unb64 = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');

interface Subject { alg: JWSAlgorithm; signKey: KeyObject; verifyKey: KeyObject; jwt: string; jws: string }

function subjects(): Subject[] {
  const out: Subject[] = [];
  const make = (alg: JWSAlgorithm, signKey: KeyObject, verifyKey: KeyObject): void => {
    const now = Math.floor(Date.now() / 1000);
    out.push({
      alg, signKey, verifyKey,
      jwt: signJWT({ sub: 'user-1', aud: ['api'], scope: 'read write', n: 42, nested: { a: [1, 2] } }, signKey, { alg, kid: 'k1', expiresIn: 3600, issuer: 'fuzz', issuedAt: now }),
      jws: createJWSSigner(signKey, { alg, typ: 'text' })(Buffer.from([0, 1, 2, 250, 255, 46, 61])),
    });
  };
  const secret = generateSecret('HS256');
  make('HS256', secret, secret);
  for (const alg of ['ES256', 'EdDSA', 'PS256', 'RS256'] as const) {
    const { privateKey, publicKey } = generateKeyPair(alg);
    make(alg, privateKey, publicKey);
  }
  return out;
}

function mutateJSON(json: string): string {
  let value: Record<string, unknown>;
  try { value = JSON.parse(json) as Record<string, unknown>; } catch { return json; }
  const keys = Object.keys(value);
  const key = keys.length > 0 ? pick(keys) : 'x';
  switch (int(8)) {
    case 0: value.alg = pick(['none', 'NONE', 'nOnE', 'HS256', 'HS512', 'RS256', 'PS256', 'ES256', 'ES512', 'EdDSA', '', 42]); break;
    case 1: delete value[key]; break;
    case 2: value[key] = pick([null, 0, -1, 1e308, '1', true, [], {}, 'x'.repeat(3)]); break;
    case 3: value.crit = pick([['exp'], ['b64'], [], 'b64', ['zz']]); if (int(2) === 0) value.zz = 1; break;
    case 4: value.b64 = pick([false, true, 'false', 0]); break;
    case 5: value.exp = pick([0, 1, '9999999999', null, Number.MAX_SAFE_INTEGER]); break;
    case 6: value.jwk = { kty: 'oct', k: 'AAAA' }; break;
    default: return pick([JSON.stringify([value]), 'null', '"str"', json.slice(0, -1), `${json} `]);
  }
  return JSON.stringify(value);
}

function mutateCompact(token: string, others: readonly string[]): string {
  const segs = token.split('.');
  switch (int(9)) {
    case 0: { // flip one character
      const i = int(token.length);
      return token.slice(0, i) + pick([...CHARS]) + token.slice(i + 1);
    }
    case 1: { // flip one bit of one decoded byte and re-encode
      const s = int(3);
      const bytes = Buffer.from(segs[s] ?? '', 'base64url');
      if (bytes.length > 0) { const at = int(bytes.length); bytes[at] = (bytes[at] ?? 0) ^ (1 << int(8)); }
      segs[s] = bytes.toString('base64url');
      return segs.join('.');
    }
    case 2: { // swap two segments
      const i = int(3); const j = int(3);
      [segs[i], segs[j]] = [segs[j] ?? '', segs[i] ?? ''];
      return segs.join('.');
    }
    case 3: segs.splice(int(segs.length), 1); return segs.join('.'); // drop a segment
    case 4: segs.splice(int(segs.length), 0, segs[int(segs.length)] ?? ''); return segs.join('.'); // duplicate
    case 5: { // take a segment from another token
      const other = pick(others).split('.');
      const s = int(3);
      segs[s] = other[s] ?? '';
      return segs.join('.');
    }
    case 6: { // mutate header or payload JSON, keep the signature
      const s = int(2);
      segs[s] = b64(mutateJSON(unb64(segs[s] ?? '')));
      return segs.join('.');
    }
    case 7: return token.slice(0, int(token.length)); // truncate
    default: { // insert characters
      const i = int(token.length);
      return token.slice(0, i) + pick(['.', '=', 'A', '..', '%20']) + token.slice(i);
    }
  }
}

/** The decoded bytes of the three segments: what "the same token" means. */
function meaning(token: string): string {
  return token.split('.').map((s) => Buffer.from(s, 'base64url').toString('hex')).join('|');
}

function expectTyped(fn: () => unknown, original: string, mutant: string, counts: { rejected: number; accepted: number }): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof JoseError, `untyped error for mutant ${JSON.stringify(mutant)}: ${String(err)}`);
    assert.equal(typeof err.code, 'string');
    assert.match(err.code, /^ERR_/);
    counts.rejected++;
    return;
  }
  assert.equal(meaning(mutant), meaning(original), `mutant verified: ${JSON.stringify(mutant)} (seed ${SEED})`);
  counts.accepted++;
}

test('3000 mutated compact tokens: typed errors only, nothing forged verifies', () => {
  const all = subjects();
  const tokens = all.flatMap((s) => [s.jwt, s.jws]);
  const counts = { rejected: 0, accepted: 0 };
  for (let i = 0; i < 3000; i++) {
    const s = pick(all);
    const isJWT = int(2) === 0;
    const original = isJWT ? s.jwt : s.jws;
    const mutant = mutateCompact(original, tokens);
    if (isJWT) expectTyped(() => verifyJWT(mutant, s.verifyKey, { issuer: 'fuzz', audience: 'api' }), original, mutant, counts);
    else expectTyped(() => verifyCompact(mutant, s.verifyKey), original, mutant, counts);
  }
  // Nearly every mutant must be rejected; the accepted ones are no-op mutations.
  assert.ok(counts.rejected > 2800, `only ${counts.rejected} rejected`);
});

test('600 mutated JSON serializations: typed errors only, nothing forged verifies', () => {
  const all = subjects();
  const counts = { rejected: 0, accepted: 0 };
  for (let i = 0; i < 600; i++) {
    const s = pick(all);
    const flat = int(2) === 0;
    const doc = signJSON('{"sub":"u"}', [{ key: s.signKey, protectedHeader: { alg: s.alg }, header: { kid: 'k' } }], { flattened: flat });
    const text = JSON.stringify(doc);
    let mutant: string;
    if (int(2) === 0) {
      const at = int(text.length);
      mutant = text.slice(0, at) + pick([...CHARS]) + text.slice(at + 1);
    } else {
      const obj = JSON.parse(text) as Record<string, unknown>;
      const target = flat ? obj : ((obj.signatures as Array<Record<string, unknown>>)[0] ?? {});
      const field = pick(['payload', 'protected', 'header', 'signature', 'signatures']);
      (field === 'payload' ? obj : target)[field] = pick([undefined, null, 1, '', 'e30', { alg: 'none' }, [], { alg: s.alg }]);
      mutant = JSON.stringify(obj);
    }
    try {
      const result = verifyJSON(mutant, s.verifyKey);
      // Only a mutation that left every signed byte alone may verify.
      const parsed = JSON.parse(mutant) as Record<string, unknown>;
      const sig = flat ? parsed : ((parsed.signatures as Array<Record<string, unknown>>)[0] ?? {});
      const orig = flat ? (doc as unknown as Record<string, unknown>) : ((doc as unknown as { signatures: Array<Record<string, unknown>> }).signatures[0] ?? {});
      assert.equal(parsed.payload, (doc as { payload: string }).payload, mutant);
      assert.equal(sig.protected, orig.protected, mutant);
      assert.equal(sig.signature, orig.signature, mutant);
      assert.equal(result.payload.toString(), '{"sub":"u"}');
      counts.accepted++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof JoseError, `untyped error for ${mutant}: ${String(err)}`);
      counts.rejected++;
    }
  }
  assert.ok(counts.rejected > 400, `only ${counts.rejected} rejected`);
});

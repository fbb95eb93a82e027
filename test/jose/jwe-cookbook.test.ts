/**
 * RFC 7520 (JOSE Cookbook) JWE examples: every one decrypts, and where the vector fixes the random
 * inputs (CEK, IV, ephemeral key, PBES2 salt, GCM-KW IV) encryption reproduces the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { importJWK, type JWK } from '../../src/jose/jwk/keys.js';
import { decryptCompact, encryptCompactWith } from '../../src/jose/jwe/jwe.js';
import { decryptJSON, encryptJSONWith, type GeneralJWE } from '../../src/jose/jwe/jwe-json.js';
import type { FixedInputs } from '../../src/jose/jwe/key-management.js';
import type { JWEHeader, JWEKey, KeyManagementAlgorithm, ContentEncryptionAlgorithm } from '../../src/jose/jwe/types.js';

const root = join(import.meta.dirname, '../fixtures/jose-cookbook');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Vector { name: string; section: Json }

function loadVectors(): Vector[] {
  const out: Vector[] = [];
  for (const file of readdirSync(join(root, 'jwe')).sort()) {
    out.push({ name: `jwe/${file}`, section: JSON.parse(readFileSync(join(root, 'jwe', file), 'utf8')) as Json });
  }
  out.push({ name: '6 nesting', section: (JSON.parse(readFileSync(join(root, '6.nesting_signatures_and_encryption.json'), 'utf8')) as Json).encrypt as Json });
  out.push({ name: 'curve25519/ecdh-es', section: JSON.parse(readFileSync(join(root, 'curve25519/ecdh-es.json'), 'utf8')) as Json });
  return out;
}

const KM_PARAMS = new Set(['epk', 'iv', 'tag', 'p2s', 'p2c']);
const b = (s: string | undefined): Buffer | undefined => (s === undefined ? undefined : Buffer.from(s, 'base64url'));
const stripKm = (h: JWEHeader | undefined): JWEHeader | undefined =>
  h === undefined ? undefined : Object.fromEntries(Object.entries(h).filter(([k]) => !KM_PARAMS.has(k)));

function keysOf(section: Json): JWEKey[] {
  if (section.input.pwd !== undefined) return [section.input.pwd as string];
  const jwks = (Array.isArray(section.input.key) ? section.input.key : [section.input.key]) as JWK[];
  return jwks.map((jwk) => importJWK(jwk));
}

function fixedFor(ek: Json | undefined, gen: Json): FixedInputs {
  return {
    cek: b(gen.cek as string | undefined),
    iv: b(gen.iv as string | undefined),
    keyWrapIv: b(ek?.iv as string | undefined),
    p2s: b(ek?.salt as string | undefined),
    epk: ek?.epk === undefined ? undefined : importJWK(ek.epk as JWK),
    deflated: b(gen.plaintext_c as string | undefined),
  };
}

const isRsa = (alg: string): boolean => alg.startsWith('RSA');
const options = { allowRSA1_5: true };

for (const { name, section } of loadVectors()) {
  const plaintext = section.input.plaintext as string;
  const keys = keysOf(section);
  const out = section.output as Json;
  const ec = section.encrypting_content as Json;
  const protectedHeader = ec.protected as JWEHeader | undefined;

  test(`cookbook ${name}: decrypts every serialization`, () => {
    if (out.compact !== undefined) {
      const r = decryptCompact(out.compact as string, keys[0]!, options);
      assert.equal(r.plaintext.toString('utf8'), plaintext);
      assert.deepEqual(r.protectedHeader, protectedHeader);
    }
    for (const form of ['json', 'json_flat'] as const) {
      if (out[form] === undefined) continue;
      for (const key of keys) {
        const r = decryptJSON(out[form] as GeneralJWE, key, options);
        assert.equal(r.plaintext.toString('utf8'), plaintext, `${form}`);
        assert.deepEqual(r.unprotectedHeader, ec.unprotected);
        if (section.input.aad !== undefined) assert.equal(r.additionalAuthenticatedData?.toString('utf8'), section.input.aad);
      }
    }
  });

  const algs = (Array.isArray(section.input.alg) ? section.input.alg : [section.input.alg]) as KeyManagementAlgorithm[];
  if (section.reproducible === false) continue;

  if (out.compact !== undefined && algs[0] !== 'RSA1_5') {
    test(`cookbook ${name}: compact encryption reproduces the vector`, () => {
      const header = protectedHeader!;
      const extra = Object.fromEntries(Object.entries(header).filter(([k]) => !['alg', 'enc', 'kid', 'zip'].includes(k) && !KM_PARAMS.has(k)));
      const token = encryptCompactWith(plaintext, isRsa(algs[0]!) ? (keys[0] as KeyObject) : keys[0]!, {
        alg: algs[0]!, enc: header.enc as ContentEncryptionAlgorithm, kid: header.kid, header: extra,
        zip: header.zip === 'DEF', p2c: (section.encrypting_key as Json | undefined)?.iteration_count as number | undefined,
      }, fixedFor(section.encrypting_key as Json | undefined, section.generated as Json));
      const expected = (out.compact as string).split('.');
      const actual = token.split('.');
      if (isRsa(algs[0]!)) {
        // RSA padding is randomized: everything but the encrypted key is fixed by the vector.
        assert.deepEqual([actual[0], actual[2], actual[3], actual[4]], [expected[0], expected[2], expected[3], expected[4]]);
        assert.equal(decryptCompact(token, keys[0]!, options).plaintext.toString('utf8'), plaintext);
      } else {
        assert.deepEqual(actual, expected);
      }
    });
  }

  const jsonForms = (['json', 'json_flat'] as const).filter((f) => out[f] !== undefined);
  if (jsonForms.length > 0 && algs.some((alg) => alg !== 'RSA1_5')) {
    test(`cookbook ${name}: JSON encryption reproduces the vector`, () => {
      const eks = (Array.isArray(section.encrypting_key) ? section.encrypting_key : [section.encrypting_key]) as Array<Json | undefined>;
      const general = out.json as GeneralJWE;
      // RSA1_5 never encrypts: reproduce the other recipients and the shared content.
      const indexes = algs.map((alg, i) => ({ alg, i })).filter(({ alg }) => alg !== 'RSA1_5').map(({ i }) => i);
      const recipients = indexes.map((i) => ({
        key: keys[i]!,
        header: stripKm(general.recipients?.[i]?.header),
        p2c: eks[i]?.iteration_count as number | undefined,
      }));
      for (const form of jsonForms) {
        if (form === 'json_flat' && recipients.length !== 1) continue;
        // Direct algorithms have no recipient array: the cookbook's "json" is then the flattened form.
        const flattened = form === 'json_flat' || (out.json as Json).recipients === undefined;
        const jwe = encryptJSONWith(plaintext, {
          protectedHeader: stripKm(protectedHeader),
          unprotectedHeader: ec.unprotected as JWEHeader | undefined,
          aad: section.input.aad as string | undefined,
          recipients: !flattened ? recipients : recipients.map((r) => ({ ...r, header: stripKm((out.json_flat as Json).header as JWEHeader | undefined) })),
          flattened,
        }, { cek: b(section.generated.cek as string | undefined), iv: b(section.generated.iv as string | undefined), deflated: b(section.generated.plaintext_c as string | undefined), recipients: indexes.map((i) => fixedFor(eks[i], {})) }) as Json;
        const expected = structuredClone(out[form]) as Json;
        if (!flattened) expected.recipients = indexes.map((i) => (expected.recipients as Json[])[i]);
        if (indexes.some((i) => isRsa(algs[i]!))) {
          // Only single-recipient RSA-OAEP vectors get here (RSA1_5 recipients were dropped).
          const strip = (o: Json): Json => { delete o.encrypted_key; for (const r of (o.recipients ?? []) as Json[]) delete r.encrypted_key; return o; };
          assert.deepEqual(strip(structuredClone(jwe)), strip(expected), form);
          assert.equal(decryptJSON(jwe as GeneralJWE, keys[0]!, options).plaintext.toString('utf8'), plaintext);
        } else {
          assert.deepEqual(jwe, expected, form);
        }
      }
    });
  }
}

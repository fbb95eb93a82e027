/**
 * `npm run bench:encryption`: the EncryptionManager and MultiSignatureManager against their floor,
 * in one run.
 * - encrypt / decrypt per algorithm at 100 B and 4 KiB. The floor is the bare node:crypto AEAD
 *   (AES-256-GCM, AES-256-CBC + HMAC-SHA-512 with a constant-time tag check, ChaCha20-Poly1305)
 *   plus what a JWE cannot skip: a random IV, the protected header as AAD, base64url of the
 *   members. XC20P's floor adds the HChaCha20 subkey, which node:crypto lacks.
 * - verifying a 3-signer (RS256, ES256, EdDSA) JWS General JSON token against a policy: the floor
 *   is three bare `crypto.verify` calls over the same signing inputs; jose is three
 *   `flattenedVerify` calls with the key picked by `kid`, then the same count.
 * Options: `--time=MS` per cell and implementation (default 600), `--rounds=N` (default 6), `--json`.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AES256CBC, AES256GCM, ChaCha20Poly1305, EncryptionManager, XChaCha20Poly1305, type EncryptionAlgorithm } from '../src/encryption/index.js';
import { hchacha20 } from '../src/jose/jwe/hchacha20.js';
import { createHarness, formatJSON, formatTable, parseHarnessArgs, type Harness, type Row } from './harness.js';
import { multiSignatureRows } from './encryption-multisig.bench.js';

type Sealed = { protected: string; iv: string; ciphertext: string; tag: string };

function floorEncrypt(algorithm: EncryptionAlgorithm, key: Buffer, protectedB64: string, plaintext: Buffer): Sealed {
  const aad = Buffer.from(protectedB64, 'latin1');
  if (algorithm === AES256CBC) {
    const iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', key.subarray(32), iv);
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length) * 8n);
    const tag = createHmac('sha512', key.subarray(0, 32)).update(aad).update(iv).update(ct).update(al).digest().subarray(0, 32);
    return { protected: protectedB64, iv: iv.toString('base64url'), ciphertext: ct.toString('base64url'), tag: tag.toString('base64url') };
  }
  const xiv = algorithm === XChaCha20Poly1305 ? randomBytes(24) : randomBytes(12);
  const cipherKey = algorithm === XChaCha20Poly1305 ? hchacha20(key, xiv.subarray(0, 16)) : key;
  const nonce = algorithm === XChaCha20Poly1305 ? Buffer.concat([Buffer.alloc(4), xiv.subarray(16)]) : xiv;
  const c = createCipheriv((algorithm === AES256GCM ? 'aes-256-gcm' : 'chacha20-poly1305') as 'aes-256-gcm', cipherKey, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return { protected: protectedB64, iv: xiv.toString('base64url'), ciphertext: ct.toString('base64url'), tag: c.getAuthTag().toString('base64url') };
}

function floorDecrypt(algorithm: EncryptionAlgorithm, key: Buffer, jwe: Sealed): Buffer {
  const aad = Buffer.from(jwe.protected, 'latin1');
  const iv = Buffer.from(jwe.iv, 'base64url');
  const ct = Buffer.from(jwe.ciphertext, 'base64url');
  const tag = Buffer.from(jwe.tag, 'base64url');
  if (algorithm === AES256CBC) {
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length) * 8n);
    const expected = createHmac('sha512', key.subarray(0, 32)).update(aad).update(iv).update(ct).update(al).digest().subarray(0, 32);
    if (!timingSafeEqual(expected, tag)) throw new Error('bad tag');
    const d = createDecipheriv('aes-256-cbc', key.subarray(32), iv);
    return Buffer.concat([d.update(ct), d.final()]);
  }
  const cipherKey = algorithm === XChaCha20Poly1305 ? hchacha20(key, iv.subarray(0, 16)) : key;
  const nonce = algorithm === XChaCha20Poly1305 ? Buffer.concat([Buffer.alloc(4), iv.subarray(16)]) : iv;
  const d = createDecipheriv((algorithm === AES256GCM ? 'aes-256-gcm' : 'chacha20-poly1305') as 'aes-256-gcm', cipherKey, nonce, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]);
}

async function encryptionRows(h: Harness): Promise<Row[]> {
  const rows: Row[] = [];
  for (const algorithm of [AES256GCM, AES256CBC, ChaCha20Poly1305, XChaCha20Poly1305] as const) {
    const key = randomBytes(algorithm === AES256CBC ? 64 : 32);
    const em = new EncryptionManager({ defaultEncryptionAlgorithm: algorithm, autoRotate: false });
    const { kid } = em.addKey({ algorithm, key, primary: true });
    for (const size of [100, 4096]) {
      const label = `${algorithm} ${size === 100 ? '100 B' : '4 KiB'}`;
      const plaintext = randomBytes(size);
      const sealed = em.encryptToken({ tokenData: plaintext });
      const jwe = sealed.jwe as Sealed;
      if (!floorDecrypt(algorithm, key, jwe).equals(plaintext)) throw new Error(`floor cannot read ${algorithm}`);
      if (h.wants('encrypt', label)) {
        rows.push(await h.compare('encrypt', label, {
          cjwt: () => em.encryptToken({ tokenData: plaintext }),
          floor: () => floorEncrypt(algorithm, key, jwe.protected, plaintext),
        }));
      }
      if (h.wants('decrypt', label)) {
        rows.push(await h.compare('decrypt', label, {
          cjwt: () => em.decryptToken({ jwe }),
          floor: () => floorDecrypt(algorithm, key, jwe),
        }));
      }
    }
    void kid;
    em.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseHarnessArgs(argv);
  if (!argv.some((a) => a.startsWith('--time='))) options.cellMs = 600;
  if (!argv.some((a) => a.startsWith('--rounds='))) options.rounds = 6;
  const harness = createHarness(options);
  const rows = [...await encryptionRows(harness), ...await multiSignatureRows(harness)];
  if (options.json) process.stdout.write(`${formatJSON(rows)}\n`);
  else {
    process.stdout.write(`${formatTable(rows, [['cjwt', 'floor'], ['cjwt', 'jose']])}\n\n`);
    process.stdout.write(`ops per CPU-second of the benchmark process, best of ${options.rounds} interleaved rounds; ratios > 1 mean cjwt is faster.\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});

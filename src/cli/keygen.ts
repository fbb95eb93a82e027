/**
 * `cjwt keygen`: a new key (or an existing one read with `--key`) as a JWK, a JWKS or PEM. JWS
 * algorithms give signing keys (`use: "sig"`), JWE algorithms encryption keys (`use: "enc"`).
 */
import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ALGORITHMS, isJWSAlgorithm, JWS_ALGORITHMS } from '../jose/algorithms.js';
import { CONTENT_ENCRYPTION, CONTENT_ENCRYPTION_ALGORITHMS, isContentEncryptionAlgorithm } from '../jose/jwe/content.js';
import { isKeyManagementAlgorithm, isPBES2, KEY_MANAGEMENT_ALGORITHMS } from '../jose/jwe/key-management.js';
import { calculateJwkThumbprint, exportJWK, exportPEM, generateKeyPair, generateSecret, toPublicKey, type JWK, type KeyPairKind } from '../jose/jwk/keys.js';
import { asUsage, runAction, UsageError, writeOut } from './io.js';
import { loadKeyFile, pickKey } from './key-file.js';

/** Options of `cjwt keygen`. */
export interface KeygenOptions {
  alg?: string;
  crv?: string;
  enc?: string;
  bits?: string;
  kid?: string;
  public?: boolean;
  format?: string;
  jwks?: boolean;
  key?: string;
  out?: string;
}

const KEY_WRAP_BYTES: Readonly<Record<string, number>> = {
  A128KW: 16, A192KW: 24, A256KW: 32, A128GCMKW: 16, A192GCMKW: 24, A256GCMKW: 32,
};
const ECDH_CURVES = new Set(['P-256', 'P-384', 'P-521', 'X25519', 'X448']);

function secretOf(bytes: number): KeyObject {
  return createSecretKey(randomBytes(bytes));
}

function rsaBits(options: KeygenOptions): number {
  const bits = Number(options.bits ?? 2048);
  if (!Number.isInteger(bits)) throw new UsageError('--bits must be an integer');
  return bits;
}

/** Generates the private key (or secret) `alg` needs; returns it with its `use`. */
function generateFor(alg: string, options: KeygenOptions): { key: KeyObject; use: 'sig' | 'enc' } {
  if (isJWSAlgorithm(alg)) {
    const spec = ALGORITHMS[alg];
    if (spec.family === 'HMAC') return { key: generateSecret(alg as 'HS256'), use: 'sig' };
    if (options.crv !== undefined && alg !== 'EdDSA' && options.crv !== spec.curve) {
      throw new UsageError(`${alg} ${spec.curve === undefined ? 'takes no --crv' : `uses ${spec.curve}`}`);
    }
    let kind: KeyPairKind = alg;
    if (alg === 'EdDSA') {
      const crv = options.crv ?? 'Ed25519';
      if (crv !== 'Ed25519' && crv !== 'Ed448') throw new UsageError('EdDSA keys use --crv Ed25519 or Ed448');
      kind = crv;
    }
    return { key: generateKeyPair(kind, { modulusLength: rsaBits(options) }).privateKey, use: 'sig' };
  }
  if (!isKeyManagementAlgorithm(alg) || alg === 'RSA1_5') {
    throw new UsageError(`unknown --alg "${alg.slice(0, 40)}"; one of ${[...JWS_ALGORITHMS, ...KEY_MANAGEMENT_ALGORITHMS.filter((a) => a !== 'RSA1_5')].join(', ')}`);
  }
  if (isPBES2(alg)) throw new UsageError(`${alg} uses a password, not a key: put it in a file and pass --password-file to encrypt/decrypt`);
  if (alg.startsWith('RSA-OAEP')) return { key: generateKeyPair('RSA', { modulusLength: rsaBits(options) }).privateKey, use: 'enc' };
  if (alg.startsWith('ECDH-ES')) {
    const crv = options.crv ?? 'P-256';
    if (!ECDH_CURVES.has(crv)) throw new UsageError(`ECDH-ES keys use --crv ${[...ECDH_CURVES].join(', ')}`);
    return { key: generateKeyPair(crv as KeyPairKind).privateKey, use: 'enc' };
  }
  if (alg === 'dir') {
    const enc = options.enc;
    if (enc === undefined || !isContentEncryptionAlgorithm(enc)) {
      throw new UsageError(`dir needs --enc, one of ${CONTENT_ENCRYPTION_ALGORITHMS.join(', ')}`);
    }
    return { key: secretOf(CONTENT_ENCRYPTION[enc].cekLength), use: 'enc' };
  }
  const bytes = KEY_WRAP_BYTES[alg];
  if (bytes === undefined) throw new UsageError(`cannot generate a key for ${alg}`);
  return { key: secretOf(bytes), use: 'enc' };
}

/** Adds the metadata members to an exported JWK. */
function withMetadata(jwk: JWK, meta: { kid: string; alg?: string; use?: string }): JWK {
  const out: JWK = { ...jwk };
  if (meta.use !== undefined) out.use = meta.use;
  if (meta.alg !== undefined) out.alg = meta.alg;
  out.kid = meta.kid;
  return out;
}

/** Reads `--key` (a private key or secret to convert) or generates one for `--alg`. */
function sourceKey(options: KeygenOptions): { key: KeyObject; alg?: string; use?: string; kid?: string } {
  if (options.key !== undefined) {
    const path = options.key;
    const picked = pickKey(loadKeyFile(path), { kid: options.kid, use: 'any', path });
    return { key: picked.key, alg: options.alg ?? picked.alg, use: picked.use, kid: picked.kid };
  }
  if (options.alg === undefined) throw new UsageError('--alg is required (or --key FILE to convert an existing key)');
  const alg = options.alg;
  const generated = asUsage('keygen', () => generateFor(alg, options));
  return { key: generated.key, alg, use: generated.use };
}

/**
 * Runs `cjwt keygen`: prints the private JWK (or, with `--public`, the public one; with
 * `--format pem`, PKCS#8 / SPKI PEM). `--out FILE` also writes the private key to a new file
 * (mode 0600), so `--out private.json --public` gives both halves of one pair.
 */
export function keygen(options: KeygenOptions): void {
  const format = options.format ?? 'jwk';
  if (format !== 'jwk' && format !== 'pem') throw new UsageError('--format must be jwk or pem');
  if (options.jwks === true && format !== 'jwk') throw new UsageError('--jwks needs --format jwk');
  const { key, alg, use, kid: fileKid } = sourceKey(options);
  if (key.type === 'secret' && options.public === true) throw new UsageError('a secret key has no public part (--public)');
  if (key.type === 'secret' && format === 'pem') throw new UsageError('a secret key has no PEM form; use --format jwk');
  if (key.type === 'public' && (options.public !== true || options.out !== undefined)) {
    throw new UsageError('--key holds a public key: only --public can convert it');
  }
  const render = (k: KeyObject, isPublic: boolean): string => asUsage('keygen', () => {
    if (format === 'pem') return exportPEM(k, isPublic ? 'spki' : 'pkcs8');
    const jwk = exportJWK(k);
    const meta = { kid: options.kid ?? fileKid ?? calculateJwkThumbprint(jwk), alg, use };
    const full = withMetadata(jwk, meta);
    return JSON.stringify(options.jwks === true ? { keys: [full] } : full, null, 2);
  });
  if (options.out !== undefined) {
    const text = render(key, false);
    try {
      writeFileSync(options.out, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(`--out ${options.out}: ${code === 'EEXIST' ? 'file exists (not overwritten)' : code ?? 'cannot write'}`);
    }
  }
  if (options.public === true) writeOut(render(asUsage('keygen', () => toPublicKey(key)), true));
  else if (options.out === undefined) writeOut(render(key, false));
}

/** Registers `cjwt keygen` on the program. */
export function registerKeygen(program: Command): void {
  program.command('keygen')
    .description('generate a key (JWK by default) for a JWS or JWE algorithm, or convert --key FILE')
    .option('--alg <alg>', 'algorithm the key is for: HS256..EdDSA, RSA-OAEP-256, ECDH-ES+A256KW, A256KW, dir, ...')
    .option('--crv <curve>', 'curve: Ed25519|Ed448 for EdDSA; P-256|P-384|P-521|X25519|X448 for ECDH-ES')
    .option('--enc <enc>', 'content encryption, fixes the key size for --alg dir')
    .option('--bits <n>', 'RSA modulus length (default 2048, never fewer)')
    .option('--kid <kid>', 'key id (default: the RFC 7638 thumbprint)')
    .option('--public', 'print the public key instead of the private key')
    .option('--format <format>', 'jwk or pem (PKCS#8 private, SPKI public)', 'jwk')
    .option('--jwks', 'wrap the JWK in a JWKS: {"keys":[...]}')
    .option('--key <file>', 'convert this key file instead of generating a key')
    .option('--out <file>', 'also write the private key to this new file (mode 0600)')
    .action((options: KeygenOptions) => runAction(() => keygen(options)));
}

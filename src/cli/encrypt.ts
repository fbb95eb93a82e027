/**
 * `cjwt encrypt`: a compact JWE (or the flattened JSON serialization with `--json`) of a text
 * payload, or of a freshly signed JWT (`--sign-key`: a nested token, `cty: "JWT"`). The key
 * decides the key-management algorithm unless `--alg` picks one it allows.
 */
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { encryptCompact, keyManagementAlgorithmsForKey, type ContentEncryptionAlgorithm, type JWEKey, type KeyManagementAlgorithm } from '../jose/jwe/jwe.js';
import { encryptJSON } from '../jose/jwe/jwe-json.js';
import { isContentEncryptionAlgorithm } from '../jose/jwe/content.js';
import { isKeyManagementAlgorithm, isPBES2 } from '../jose/jwe/key-management.js';
import { signJWT } from '../jose/jwt/jwt.js';
import { defaultContentEncryption } from '../nested/defaults.js';
import { addClaimOptions, buildClaimRequest, type ClaimOptions } from './claims.js';
import { asUsage, readTextArgument, runAction, UsageError, writeJSON, writeOut } from './io.js';
import { loadKeyFile, loadPasswordFile, pickKey, publicPart } from './key-file.js';
import { loadSigningKey } from './sign.js';

/** Options of `cjwt encrypt`. */
export interface EncryptOptions extends ClaimOptions {
  key?: string;
  passwordFile?: string;
  alg?: string;
  enc?: string;
  kid?: string;
  zip?: boolean;
  json?: boolean;
  cty?: string;
  p2c?: string;
  payload?: string;
  signKey?: string;
  signAlg?: string;
  signKid?: string;
  typ?: string;
}

/** The key (or password) to encrypt to, with the algorithm its file names and its `kid`. */
interface Recipient {
  key: JWEKey;
  alg?: string;
  kid?: string;
}

function loadRecipient(options: EncryptOptions): Recipient {
  if (options.passwordFile !== undefined) {
    if (options.key !== undefined) throw new UsageError('give either --key or --password-file, not both');
    return { key: loadPasswordFile(options.passwordFile) };
  }
  if (options.key === undefined) throw new UsageError('--key FILE (or --password-file FILE) is required');
  const path = options.key;
  const picked = pickKey(loadKeyFile(path), { kid: options.kid, use: 'enc', path });
  const out: Recipient = { key: asUsage(`key file ${path}`, () => publicPart(picked.key)) };
  if (picked.alg !== undefined) out.alg = picked.alg;
  if (picked.kid !== undefined) out.kid = picked.kid;
  return out;
}

const SECRET_KEY_WRAP: Readonly<Record<number, KeyManagementAlgorithm>> = { 16: 'A128KW', 24: 'A192KW', 32: 'A256KW' };

/** The default algorithm for a key: RSA-OAEP-256, ECDH-ES+A256KW, AES key wrap, or dir. */
function defaultAlgorithm(key: JWEKey): KeyManagementAlgorithm {
  if (typeof key === 'string') return 'PBES2-HS512+A256KW';
  const object = key as KeyObject;
  if (object.type === 'secret') return SECRET_KEY_WRAP[object.symmetricKeySize ?? 0] ?? 'dir';
  const type = object.asymmetricKeyType;
  if (type === 'rsa') return 'RSA-OAEP-256';
  if (type === 'ec' || type === 'x25519' || type === 'x448') return 'ECDH-ES+A256KW';
  const fitting = asUsage('--key', () => keyManagementAlgorithmsForKey(key));
  const first = fitting[0];
  if (first === undefined) throw new UsageError('the key cannot be used for encryption');
  return first;
}

function chooseAlgorithms(options: EncryptOptions, recipient: Recipient): { alg: KeyManagementAlgorithm; enc: ContentEncryptionAlgorithm } {
  const fileAlg = recipient.alg !== undefined && isKeyManagementAlgorithm(recipient.alg) ? recipient.alg : undefined;
  const wanted = options.alg ?? fileAlg;
  if (wanted !== undefined && (!isKeyManagementAlgorithm(wanted) || wanted === 'RSA1_5')) {
    throw new UsageError(`unknown key management --alg "${wanted.slice(0, 40)}"`);
  }
  if (options.alg !== undefined && fileAlg !== undefined && fileAlg !== options.alg) throw new UsageError(`--key is for ${fileAlg}, not ${options.alg}`);
  if (typeof recipient.key === 'string' && wanted !== undefined && !isPBES2(wanted)) throw new UsageError('--password-file needs a PBES2 --alg');
  const alg = wanted ?? defaultAlgorithm(recipient.key);
  if (options.enc !== undefined && !isContentEncryptionAlgorithm(options.enc)) throw new UsageError(`unknown --enc "${options.enc.slice(0, 40)}"`);
  const enc = (options.enc as ContentEncryptionAlgorithm | undefined) ?? asUsage('--key', () => defaultContentEncryption(alg, recipient.key));
  return { alg, enc };
}

/** The plaintext: `--payload` text, or a JWT signed with `--sign-key` (nested token). */
function plaintextOf(options: EncryptOptions): { plaintext: string; cty?: string } {
  if (options.signKey !== undefined) {
    if (options.payload !== undefined) throw new UsageError('give either --payload or --sign-key, not both');
    const signer = loadSigningKey(options.signKey, options.signAlg, options.signKid, '--sign-key');
    const { claims, claimOptions } = buildClaimRequest(options);
    const jws = asUsage('sign', () => signJWT(claims, signer.key, { ...claimOptions, alg: signer.alg, kid: signer.kid, typ: options.typ }));
    return { plaintext: jws, cty: 'JWT' };
  }
  if (options.payload === undefined) throw new UsageError('--payload TEXT (or --sign-key FILE for a nested JWT) is required');
  return { plaintext: readTextArgument(options.payload, '--payload') };
}

/** Runs `cjwt encrypt` and prints the JWE. */
export function encrypt(options: EncryptOptions): void {
  const recipient = loadRecipient(options);
  const { alg, enc } = chooseAlgorithms(options, recipient);
  let p2c: number | undefined;
  if (options.p2c !== undefined) {
    p2c = Number(options.p2c);
    if (!Number.isInteger(p2c) || p2c < 1000) throw new UsageError('--p2c must be an integer of at least 1000');
  }
  const { plaintext, cty } = plaintextOf(options);
  const header: Record<string, unknown> = {};
  const effectiveCty = options.cty ?? cty;
  if (effectiveCty !== undefined) header.cty = effectiveCty;
  const kid = recipient.kid;
  const zip = options.zip === true;
  if (options.json === true) {
    const protectedHeader = { ...header, enc, ...(zip ? { zip: 'DEF' } : {}) };
    writeJSON(asUsage('encrypt', () => encryptJSON(plaintext, {
      protectedHeader: { ...protectedHeader, alg, ...(kid === undefined ? {} : { kid }) },
      recipients: [{ key: recipient.key, p2c }],
      flattened: true,
    })));
    return;
  }
  writeOut(asUsage('encrypt', () => encryptCompact(plaintext, recipient.key, { alg, enc, kid, zip, header, p2c })));
}

/** Registers `cjwt encrypt` on the program. */
export function registerEncrypt(program: Command): void {
  const command = program.command('encrypt')
    .description('encrypt --payload TEXT, or a JWT signed with --sign-key (nested), to a key; prints the compact JWE')
    .option('--key <file>', 'recipient key: JWK, JWKS or PEM (a private key encrypts to its public part)')
    .option('--password-file <file>', 'encrypt with a password (PBES2) read from this file')
    .option('--alg <alg>', 'key management algorithm (default: the key\'s)')
    .option('--enc <enc>', 'content encryption (default A256GCM)')
    .option('--kid <kid>', 'picks the key in a JWKS')
    .option('--zip', 'compress the plaintext (zip: DEF)')
    .option('--cty <cty>', 'content type header')
    .option('--p2c <count>', 'PBES2 iteration count')
    .option('--json', 'print the flattened JWE JSON serialization')
    .option('--payload <text>', 'plaintext (- reads standard input)')
    .option('--sign-key <file>', 'sign a JWT with this key first, then encrypt it (nested JWT)')
    .option('--sign-alg <alg>', 'JWS algorithm of the inner JWT (default: the signing key\'s)')
    .option('--sign-kid <kid>', 'kid of the inner JWT; picks the key in a JWKS')
    .option('--typ <typ>', 'inner JWT header typ (default JWT)');
  addClaimOptions(command).action((options: EncryptOptions) => runAction(() => encrypt(options)));
}

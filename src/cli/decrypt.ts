/**
 * `cjwt decrypt`: decrypts a compact JWE (the JSON serialization only with `--json`) and prints
 * the plaintext, or, with `--verify-key`, verifies the nested JWT inside and prints its header
 * and claims.
 */
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { JOSEAlgNotAllowed, JWEDecryptionFailed } from '../jose/errors.js';
import { decryptCompact, type ContentEncryptionAlgorithm, type JWEDecryptOptions, type JWEHeader, type JWEKey, type KeyManagementAlgorithm } from '../jose/jwe/jwe.js';
import { decryptJSON } from '../jose/jwe/jwe-json.js';
import { isContentEncryptionAlgorithm } from '../jose/jwe/content.js';
import { isKeyManagementAlgorithm } from '../jose/jwe/key-management.js';
import { assertNestedJWTHeader } from '../nested/nested.js';
import { collect, readTokenArgument, runAction, UsageError, writeJSON, writeOut } from './io.js';
import { loadKeyFile, loadPasswordFile, matchingKeys, tryEachKey, type FileKey } from './key-file.js';
import { addClaimCheckOptions, buildVerifyOptions, hasClaimChecks, parseAlgorithmList, verificationKeys, verifyWithKeys, type ClaimCheckOptions } from './verify.js';

/** Options of `cjwt decrypt`. */
export interface DecryptOptions extends ClaimCheckOptions {
  key?: string;
  passwordFile?: string;
  alg?: string[];
  enc?: string[];
  json?: boolean;
  verifyKey?: string;
  signAlg?: string[];
  maxP2c?: string;
}

function decryptOptions(options: DecryptOptions): JWEDecryptOptions {
  const out: JWEDecryptOptions = {};
  if (options.alg !== undefined && options.alg.length > 0) {
    out.keyManagementAlgorithms = options.alg.map((alg): KeyManagementAlgorithm => {
      if (!isKeyManagementAlgorithm(alg)) throw new UsageError(`--alg: unknown key management algorithm "${alg.slice(0, 40)}"`);
      return alg;
    });
  } else if (options.passwordFile !== undefined) {
    out.keyManagementAlgorithms = ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'];
  }
  if (options.enc !== undefined && options.enc.length > 0) {
    out.contentEncryptionAlgorithms = options.enc.map((enc): ContentEncryptionAlgorithm => {
      if (!isContentEncryptionAlgorithm(enc)) throw new UsageError(`--enc: unknown content encryption "${enc.slice(0, 40)}"`);
      return enc;
    });
  }
  if (options.maxP2c !== undefined) {
    const count = Number(options.maxP2c);
    if (!Number.isInteger(count) || count < 1) throw new UsageError('--max-p2c must be a positive integer');
    out.maxPBES2Count = count;
  }
  return out;
}

/** Decryption keys: a password, or the keys of a file not marked `use: "sig"`. */
function decryptionKeys(options: DecryptOptions): JWEKey | FileKey[] {
  if (options.passwordFile !== undefined) {
    if (options.key !== undefined) throw new UsageError('give either --key or --password-file, not both');
    return loadPasswordFile(options.passwordFile);
  }
  if (options.key === undefined) throw new UsageError('--key FILE (or --password-file FILE) is required');
  const keys = loadKeyFile(options.key).filter((k) => k.use !== 'sig');
  if (keys.length === 0) throw new UsageError(`key file ${options.key}: no key for encryption (all are use "sig")`);
  return keys;
}

/**
 * Decrypts with a password or the keys of a file; with several keys the header's `kid` picks
 * the candidates and each is tried.
 */
function decryptWithKeys(token: string, keys: JWEKey | FileKey[], options: JWEDecryptOptions, json: boolean): { plaintext: Buffer; header: JWEHeader } {
  const run = (key: JWEKey | ((header: JWEHeader) => KeyObject)): { plaintext: Buffer; header: JWEHeader } => {
    if (json) {
      const result = decryptJSON(token, key, options);
      return { plaintext: result.plaintext, header: { ...result.unprotectedHeader, ...result.recipientHeader, ...result.protectedHeader } };
    }
    const result = decryptCompact(token, key, options);
    return { plaintext: result.plaintext, header: result.protectedHeader };
  };
  if (!Array.isArray(keys)) return run(keys);
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only !== undefined) return run(only.key);
  const candidates = (header: JWEHeader): KeyObject[] => matchingKeys(keys, header, 'enc', () => true).map((k) => k.key);
  const isMismatch = (err: unknown): boolean => err instanceof JWEDecryptionFailed || err instanceof JOSEAlgNotAllowed;
  return tryEachKey(candidates, run, isMismatch);
}

/** Runs `cjwt decrypt`. */
export function decrypt(tokenArg: string, options: DecryptOptions): void {
  const jweOptions = decryptOptions(options);
  const keys = decryptionKeys(options);
  const verifyOptions = options.verifyKey === undefined ? undefined : buildVerifyOptions(options, parseAlgorithmList(options.signAlg, '--sign-alg'));
  const verify = options.verifyKey === undefined || verifyOptions === undefined ? undefined : {
    keys: verificationKeys(loadKeyFile(options.verifyKey, 'verify key file'), options.verifyKey, verifyOptions.algorithms),
    options: verifyOptions,
  };
  if (verify === undefined && ((options.signAlg?.length ?? 0) > 0 || hasClaimChecks(options))) {
    throw new UsageError('--sign-alg and the claim checks need --verify-key');
  }
  const token = readTokenArgument(tokenArg);
  const { plaintext, header } = decryptWithKeys(token, keys, jweOptions, options.json === true);
  if (verify === undefined) {
    writeOut(plaintext.toString('utf8'));
    return;
  }
  // RFC 7519 §5.2: the same rule as the library's decryptAndVerify.
  assertNestedJWTHeader(header);
  const inner = verifyWithKeys(plaintext.toString('latin1'), verify.keys, verify.options, { json: false, jws: false });
  writeJSON({ protectedHeader: inner.protectedHeader, payload: inner.payload, jweHeader: header });
}

/** Registers `cjwt decrypt` on the program. */
export function registerDecrypt(program: Command): void {
  const command = program.command('decrypt')
    .description('decrypt a JWE and print the plaintext, or with --verify-key the verified claims of a nested JWT (exit 1 if invalid)')
    .argument('<token>', 'the JWE, or - to read it from standard input')
    .option('--key <file>', 'decryption key: JWK, JWKS or PEM')
    .option('--password-file <file>', 'decrypt with a password (PBES2) read from this file')
    .option('--alg <alg>', 'accepted key management algorithm; repeatable', collect)
    .option('--enc <enc>', 'accepted content encryption; repeatable', collect)
    .option('--max-p2c <count>', 'largest PBES2 iteration count accepted (default 310000)')
    .option('--json', 'the JWE is in JSON serialization (flattened or general)')
    .option('--verify-key <file>', 'verify the nested JWT with this key file (JWK, JWKS or PEM)')
    .option('--sign-alg <alg>', 'accepted inner JWS algorithm; repeatable (with --verify-key)', collect);
  addClaimCheckOptions(command).action((token: string, options: DecryptOptions) => runAction(() => decrypt(token, options)));
}

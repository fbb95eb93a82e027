/**
 * `cjwt sign`: a compact JWS (a JWT by default, any payload with `--payload`), or the flattened
 * JSON serialization with `--json`. The key decides the algorithm unless `--alg` picks one it
 * allows.
 */
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { algorithmsForKey, isJWSAlgorithm, type JWSAlgorithm } from '../jose/algorithms.js';
import { signCompact, type JWSHeader } from '../jose/jws/jws.js';
import { signJSON } from '../jose/jws/jws-json.js';
import { buildClaims, signJWT } from '../jose/jwt/jwt.js';
import { addClaimOptions, buildClaimRequest, type ClaimOptions } from './claims.js';
import { asUsage, readTextArgument, runAction, UsageError, writeJSON, writeOut } from './io.js';
import { loadKeyFile, pickKey } from './key-file.js';

/** Options of `cjwt sign`. */
export interface SignOptions extends ClaimOptions {
  key: string;
  alg?: string;
  kid?: string;
  typ?: string;
  payload?: string;
  json?: boolean;
}

/** A key ready to sign with: the key, the algorithm it will use, and the `kid` to put in the header. */
export interface SigningKey {
  key: KeyObject;
  alg: JWSAlgorithm;
  kid?: string;
}

/**
 * Loads the signing key from a key file and settles the algorithm: `alg` when given (it must be
 * one the key allows, and match the JWK's `alg` if any), else the JWK's `alg`, else the first
 * algorithm the key allows.
 *
 * @throws {UsageError} for a public key, an unusable file, or an algorithm the key does not allow.
 */
export function loadSigningKey(path: string, alg: string | undefined, kid: string | undefined, flag = '--key'): SigningKey {
  const keys = loadKeyFile(path, flag === '--key' ? 'key file' : `${flag} file`);
  if (keys.every((k) => k.key.type === 'public')) throw new UsageError(`${flag} ${path} holds only public keys: signing needs a private key or a secret`);
  const picked = pickKey(keys, { kid, use: 'sig', path, accept: (k) => k.key.type !== 'public' });
  const allowed = algorithmsForKey(picked.key);
  if (allowed.length === 0) throw new UsageError(`${flag} ${path}: the key cannot sign with any JWS algorithm (type or strength)`);
  if (alg !== undefined && !isJWSAlgorithm(alg)) throw new UsageError(`unknown JWS algorithm "${alg.slice(0, 40)}"`);
  if (alg !== undefined && picked.alg !== undefined && picked.alg !== alg) {
    throw new UsageError(`${flag} ${path} is for ${picked.alg.slice(0, 40)}, not ${alg}`);
  }
  const chosen = alg ?? picked.alg ?? allowed[0];
  if (!isJWSAlgorithm(chosen) || !allowed.includes(chosen)) {
    throw new UsageError(`${flag} ${path} cannot sign with ${String(chosen).slice(0, 40)}; it allows ${allowed.join(', ')}`);
  }
  const out: SigningKey = { key: picked.key, alg: chosen };
  const effectiveKid = kid ?? picked.kid;
  if (effectiveKid !== undefined) out.kid = effectiveKid;
  return out;
}

function hasClaimOptions(options: SignOptions): boolean {
  return options.iss !== undefined || options.sub !== undefined || (options.aud?.length ?? 0) > 0 || options.exp !== undefined ||
    options.nbf !== undefined || options.jti !== undefined || (options.claim?.length ?? 0) > 0 || options.claims !== undefined;
}

/** Runs `cjwt sign` and prints the token. */
export function sign(options: SignOptions): void {
  const signer = loadSigningKey(options.key, options.alg, options.kid);
  if (options.payload !== undefined && hasClaimOptions(options)) throw new UsageError('--payload signs raw content: claim options do not apply');
  const header: JWSHeader = { alg: signer.alg };
  if (options.typ !== undefined) header.typ = options.typ;
  else if (options.payload === undefined) header.typ = 'JWT';
  if (signer.kid !== undefined) header.kid = signer.kid;

  let payload: string;
  if (options.payload !== undefined) {
    payload = readTextArgument(options.payload, '--payload');
  } else {
    const { claims, claimOptions } = buildClaimRequest(options);
    if (options.json !== true) {
      const token = asUsage('sign', () => signJWT(claims, signer.key, { ...claimOptions, alg: signer.alg, kid: signer.kid, typ: header.typ }));
      writeOut(token);
      return;
    }
    payload = JSON.stringify(asUsage('sign', () => buildClaims(claims, claimOptions)));
  }
  if (options.json === true) {
    writeJSON(asUsage('sign', () => signJSON(payload, [{ key: signer.key, protectedHeader: header }], { flattened: true })));
  } else {
    writeOut(asUsage('sign', () => signCompact(payload, header, signer.key)));
  }
}

/** Registers `cjwt sign` on the program. */
export function registerSign(program: Command): void {
  const command = program.command('sign')
    .description('sign a JWT (or any --payload) and print the compact JWS')
    .requiredOption('--key <file>', 'private key or secret: JWK, JWKS or PEM')
    .option('--alg <alg>', 'JWS algorithm (default: the key\'s)')
    .option('--kid <kid>', 'key id for the header (default: the JWK\'s kid); picks the key in a JWKS')
    .option('--typ <typ>', 'header typ (default JWT), e.g. at+jwt')
    .option('--payload <text>', 'sign this text instead of a claims set (- reads standard input)')
    .option('--json', 'print the flattened JWS JSON serialization');
  addClaimOptions(command).action((options: SignOptions) => runAction(() => sign(options)));
}

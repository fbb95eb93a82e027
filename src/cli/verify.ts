/**
 * `cjwt verify`: checks a token against a key file (JWK, JWKS or PEM) and prints the protected
 * header and payload. Compact serialization by default; the JSON serialization only with
 * `--json`. `--jws` checks the signature only and accepts any payload.
 */
import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import { algorithmsForKey, isJWSAlgorithm, type JWSAlgorithm } from '../jose/algorithms.js';
import { JWSSignatureVerificationFailed } from '../jose/errors.js';
import { verifyCompact, type JWSHeader } from '../jose/jws/jws.js';
import { verifyJSON } from '../jose/jws/jws-json.js';
import { parseDuration, verifyJWT, type JWTVerifyOptions } from '../jose/jwt/jwt.js';
import { compileClaimsValidator, parseClaimsPayload } from '../jose/jwt/jwt-claims.js';
import { asUsage, collect, readTokenArgument, runAction, UsageError, writeJSON, writeOut } from './io.js';
import { loadKeyFile, matchingKeys, publicPart, tryEachKey, type FileKey } from './key-file.js';

/** The claim checks of `verify` (and of `decrypt --verify-key`). */
export interface ClaimCheckOptions {
  iss?: string[];
  aud?: string[];
  sub?: string;
  typ?: string;
  clockTolerance?: string;
  maxAge?: string;
  require?: string[];
  maxTokenSize?: string;
}

/** Options of `cjwt verify`. */
export interface VerifyCommandOptions extends ClaimCheckOptions {
  key: string;
  alg?: string[];
  json?: boolean;
  jws?: boolean;
}

/** What a successful verification prints. */
export interface VerifyOutput {
  protectedHeader: JWSHeader | undefined;
  unprotectedHeader?: Record<string, unknown>;
  payload: unknown;
}

/** Adds the claim-check options to a command. */
export function addClaimCheckOptions(command: Command): Command {
  return command
    .option('--iss <issuer>', 'expected issuer; repeat to accept several', collect)
    .option('--aud <audience>', 'expected audience; repeat to accept several', collect)
    .option('--sub <subject>', 'expected subject')
    .option('--typ <typ>', 'expected header typ, e.g. at+jwt')
    .option('--clock-tolerance <duration>', 'allowed clock skew for exp/nbf/iat, e.g. 30s')
    .option('--max-age <duration>', 'maximum age since iat, e.g. 1h (makes iat required)')
    .option('--require <claim>', 'claim that must be present; repeatable', collect)
    .option('--max-token-size <chars>', 'largest token accepted (default 8192)');
}

/** Parses `--alg` values into an allowlist. @throws {UsageError} for an unknown algorithm. */
export function parseAlgorithmList(values: string[] | undefined, flag = '--alg'): JWSAlgorithm[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  return values.map((alg) => {
    if (!isJWSAlgorithm(alg)) throw new UsageError(`${flag}: unknown JWS algorithm "${alg.slice(0, 40)}"`);
    return alg;
  });
}

/** Turns the claim-check options into the jose layer's verify options. @throws {UsageError} */
export function buildVerifyOptions(options: ClaimCheckOptions, algorithms: JWSAlgorithm[] | undefined): JWTVerifyOptions {
  const out: JWTVerifyOptions = {};
  if (algorithms !== undefined) out.algorithms = algorithms;
  if (options.iss !== undefined && options.iss.length > 0) out.issuer = options.iss;
  if (options.aud !== undefined && options.aud.length > 0) out.audience = options.aud;
  if (options.sub !== undefined) out.subject = options.sub;
  if (options.typ !== undefined) out.typ = options.typ;
  if (options.clockTolerance !== undefined) {
    const value = options.clockTolerance;
    out.clockTolerance = asUsage('--clock-tolerance', () => parseDuration(value));
  }
  if (options.maxAge !== undefined) {
    const value = options.maxAge;
    out.maxTokenAge = asUsage('--max-age', () => parseDuration(value));
  }
  if (options.require !== undefined && options.require.length > 0) out.requiredClaims = options.require;
  if (options.maxTokenSize !== undefined) {
    const size = Number(options.maxTokenSize);
    if (!Number.isInteger(size) || size <= 0) throw new UsageError('--max-token-size must be a positive integer');
    out.maxTokenSize = size;
  }
  return out;
}

/**
 * The verification keys of a key file: the public half of private keys, secrets as they are,
 * and never a key marked `use: "enc"`.
 *
 * @throws {UsageError} when no key of the file can verify (with one of `algorithms`, if given).
 */
export function verificationKeys(keys: FileKey[], path: string, algorithms?: JWSAlgorithm[]): FileKey[] {
  const usable = keys.filter((k) => k.use !== 'enc').map((k) => ({ ...k, key: asUsage(`key file ${path}`, () => publicPart(k.key)) }));
  if (usable.length === 0) throw new UsageError(`key file ${path}: no key for signatures (all are use "enc")`);
  // Too weak, the wrong type, or a JWK "alg" outside --alg: the file is unusable whatever the token says.
  const canVerify = (k: FileKey): boolean => algorithmsForKey(k.key).some((alg) => (k.alg === undefined || k.alg === alg) && (algorithms === undefined || algorithms.includes(alg)));
  if (!usable.some(canVerify)) {
    throw new UsageError(`key file ${path}: no key can verify with ${algorithms === undefined ? 'a JWS algorithm' : algorithms.join(', ')} (key type, strength or its "alg")`);
  }
  return usable;
}

/** A JWK's `alg` narrows what its key verifies (the key decides the algorithm). */
function keyAccepts(k: FileKey, alg: unknown): boolean {
  if (typeof alg !== 'string') return false;
  if (k.alg !== undefined && k.alg !== alg) return false;
  return algorithmsForKey(k.key).includes(alg as JWSAlgorithm);
}

/** The allowlist for a one-key file: the caller's list narrowed to the JWK's `alg`, if it has one. */
function narrowToKeyAlg(algorithms: JWSAlgorithm[] | undefined, keys: FileKey[]): JWSAlgorithm[] | undefined {
  const only = keys.length === 1 ? keys[0] : undefined;
  if (only?.alg === undefined) return algorithms;
  if (!isJWSAlgorithm(only.alg)) return [];
  const keyAlg = only.alg;
  return algorithms === undefined ? [keyAlg] : algorithms.filter((a) => a === keyAlg);
}

/**
 * Verifies `token` with the keys of a file. With several keys the token's `kid` and `alg` pick
 * the candidates, and each candidate is tried until one verifies.
 *
 * @throws the jose layer's typed errors when the token is invalid.
 */
export function verifyWithKeys(token: string, keys: FileKey[], verifyOptions: JWTVerifyOptions, mode: { json: boolean; jws: boolean }): VerifyOutput {
  const options: JWTVerifyOptions = { ...verifyOptions, algorithms: narrowToKeyAlg(verifyOptions.algorithms, keys) };
  const candidates = (header: JWSHeader): KeyObject[] => {
    if (keys.length === 1) return keys.map((k) => k.key);
    return matchingKeys(keys, header, 'sig', (k) => keyAccepts(k, header.alg)).map((k) => k.key);
  };
  const staticKey = keys.length === 1 ? keys[0]?.key : undefined;
  const isMismatch = (err: unknown): boolean => err instanceof JWSSignatureVerificationFailed;
  const jwsOptions = { algorithms: options.algorithms, maxTokenSize: options.maxTokenSize };

  if (mode.json) {
    const result = tryEachKey(candidates, (resolve) => verifyJSON(token, staticKey ?? resolve, jwsOptions), isMismatch);
    const out: VerifyOutput = { protectedHeader: result.protectedHeader, payload: undefined };
    if (result.unprotectedHeader !== undefined) out.unprotectedHeader = result.unprotectedHeader;
    if (mode.jws) {
      out.payload = result.payload.toString('utf8');
    } else {
      const claims = parseClaimsPayload(result.payload);
      compileClaimsValidator(options)(claims, result.protectedHeader ?? { alg: '' });
      out.payload = claims;
    }
    return out;
  }
  if (mode.jws) {
    const result = tryEachKey(candidates, (resolve) => verifyCompact(token, staticKey ?? resolve, jwsOptions), isMismatch);
    return { protectedHeader: result.protectedHeader, payload: result.payload.toString('utf8') };
  }
  const result = tryEachKey(candidates, (resolve) => verifyJWT(token, staticKey ?? resolve, options), isMismatch);
  return { protectedHeader: result.protectedHeader, payload: result.payload };
}

/**
 * Runs `cjwt verify`: prints `{ protectedHeader, payload }` as JSON, or with `--jws` the verified
 * payload itself as text (it need not be JSON, so wrapping it would change what the user signed).
 */
export function verify(tokenArg: string, options: VerifyCommandOptions): void {
  const verifyOptions = buildVerifyOptions(options, parseAlgorithmList(options.alg));
  if (options.jws === true && hasClaimChecks(options)) throw new UsageError('--jws checks the signature only: claim checks do not apply');
  const keys = verificationKeys(loadKeyFile(options.key), options.key, verifyOptions.algorithms);
  const token = readTokenArgument(tokenArg);
  const result = verifyWithKeys(token, keys, verifyOptions, { json: options.json === true, jws: options.jws === true });
  if (options.jws === true) writeOut(String(result.payload));
  else writeJSON(result);
}

/** True when any claim check is asked for. */
export function hasClaimChecks(options: ClaimCheckOptions): boolean {
  return (options.iss?.length ?? 0) > 0 || (options.aud?.length ?? 0) > 0 || options.sub !== undefined || options.typ !== undefined ||
    options.clockTolerance !== undefined || options.maxAge !== undefined || (options.require?.length ?? 0) > 0;
}

/** Registers `cjwt verify` on the program. */
export function registerVerify(program: Command): void {
  const command = program.command('verify')
    .description('verify a token with a key file; prints the protected header and payload (exit 1 if invalid)')
    .argument('<token>', 'the token, or - to read it from standard input')
    .requiredOption('--key <file>', 'JWK, JWKS or PEM (a private key verifies with its public part)')
    .option('--alg <alg>', 'accepted algorithm; repeat for several (default: what the key allows)', collect)
    .option('--json', 'the token is in JWS JSON serialization (flattened or general)')
    .option('--jws', 'verify the signature only; any payload, printed as text');
  addClaimCheckOptions(command).action((token: string, options: VerifyCommandOptions) => runAction(() => verify(token, options)));
}

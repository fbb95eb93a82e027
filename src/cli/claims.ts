/**
 * The claim options shared by `cjwt sign` and `cjwt encrypt --sign-key`: registered claims as
 * flags, custom claims as `--claim k=v` or `--claims JSON`, turned into a claims set and the
 * jose layer's signing options.
 */
import type { Command } from 'commander';
import type { JWTClaims, JWTClaimsOptions } from '../jose/jwt/jwt.js';
import { parseDuration } from '../jose/jwt/jwt.js';
import { asUsage, collect, readTextArgument, readTextFile, UsageError } from './io.js';

/** Claim options as commander parses them. */
export interface ClaimOptions {
  iss?: string;
  sub?: string;
  aud?: string[];
  exp?: string;
  nbf?: string;
  iat?: boolean;
  jti?: string | boolean;
  claim?: string[];
  claims?: string;
}

/** Adds the claim options to a command. */
export function addClaimOptions(command: Command): Command {
  return command
    .option('--iss <issuer>', 'issuer (iss)')
    .option('--sub <subject>', 'subject (sub)')
    .option('--aud <audience>', 'audience (aud); repeat for several', collect)
    .option('--exp <duration>', 'lifetime from now, e.g. 15m, 2h, 7d (sets exp)')
    .option('--nbf <duration>', 'not valid before now + duration (sets nbf)')
    .option('--no-iat', 'do not set iat')
    .option('--jti [value]', 'JWT id: this value, or a random one without a value')
    .option('--claim <name=value>', 'custom claim; value parsed as JSON when it parses, else a string; repeatable', collect)
    .option('--claims <json>', 'claims as a JSON object, @FILE for a file, - for standard input');
}

/** `--claim k=v`: the value as JSON when it parses (numbers, booleans, objects), else the text. */
export function parseClaimArgument(arg: string): [string, unknown] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new UsageError(`--claim expects name=value, got "${arg.slice(0, 40)}"`);
  const name = arg.slice(0, eq);
  const text = arg.slice(eq + 1);
  try {
    return [name, JSON.parse(text) as unknown];
  } catch {
    return [name, text];
  }
}

function parseClaimsJSON(arg: string): Record<string, unknown> {
  const text = arg.startsWith('@') ? readTextFile(arg.slice(1), '--claims file') : readTextArgument(arg, '--claims');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError('--claims is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--claims must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * Builds the claims set and the claim-related signing options. Explicit flags win over
 * `--claim`, which wins over `--claims`.
 */
export function buildClaimRequest(options: ClaimOptions): { claims: JWTClaims; claimOptions: JWTClaimsOptions } {
  const claims: JWTClaims = options.claims === undefined ? {} : parseClaimsJSON(options.claims);
  for (const arg of options.claim ?? []) {
    const [name, value] = parseClaimArgument(arg);
    claims[name] = value;
  }
  if (options.iss !== undefined) claims.iss = options.iss;
  if (options.sub !== undefined) claims.sub = options.sub;
  const aud = options.aud ?? [];
  if (aud.length > 0) claims.aud = aud.length === 1 ? aud[0] : aud;
  const claimOptions: JWTClaimsOptions = { issuedAt: options.iat !== false };
  if (options.exp !== undefined) {
    const exp = options.exp;
    claimOptions.expiresIn = asUsage('--exp', () => parseDuration(exp));
  }
  if (options.nbf !== undefined) {
    const nbf = options.nbf;
    claimOptions.notBefore = asUsage('--nbf', () => parseDuration(nbf));
  }
  if (options.jti === true) claimOptions.jti = true;
  else if (typeof options.jti === 'string') claimOptions.jti = options.jti;
  return { claims, claimOptions };
}

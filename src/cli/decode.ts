/**
 * `cjwt decode`: shows a token's header and payload WITHOUT verifying anything, with the time
 * claims as dates and relative times. For debugging only, and it says so.
 */
import type { Command } from 'commander';
import { decodeBase64url } from '../jose/base64url.js';
import { JWEInvalid, JWSInvalid } from '../jose/errors.js';
import { decodeJWT } from '../jose/jwt/jwt.js';
import { escapeControls, readTokenArgument, runAction, writeErr, writeOut } from './io.js';

/** Options of `cjwt decode`. */
export interface DecodeOptions {
  json?: boolean;
}

/** The warning every decode prints. */
export const NOT_VERIFIED_WARNING = 'WARNING: NOT verified: the signature was not checked; do not trust this content.';

/** What a token decodes to. `payload` is a claims object, text, or absent for an encrypted token. */
export interface DecodedToken {
  header: Record<string, unknown>;
  payload?: unknown;
  encrypted?: boolean;
}

/** Whole seconds as a short human duration: `45s`, `3m`, `2h 5m`, `3d 4h`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s}s`;
  const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.join(' ');
}

/** How a time claim relates to now, in words: `expired 3m ago`, `expires in 14m`, ... */
export function describeTime(claim: string, value: number, nowSeconds: number): string {
  const delta = value - nowSeconds;
  const span = formatDuration(delta);
  const past = delta <= 0;
  switch (claim) {
    case 'exp': return past ? `expired ${span} ago` : `expires in ${span}`;
    case 'nbf': return past ? `valid since ${span} ago` : `not valid until ${span} from now`;
    case 'iat': return past ? `issued ${span} ago` : `issued ${span} in the future`;
    default: return past ? `${span} ago` : `in ${span}`;
  }
}

/** One line per time claim: number, ISO date, relative time. */
export function timeLines(payload: unknown, nowSeconds: number): string[] {
  if (payload === null || typeof payload !== 'object') return [];
  const claims = payload as Record<string, unknown>;
  const lines: string[] = [];
  for (const claim of ['iat', 'nbf', 'exp']) {
    const value = claims[claim];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      lines.push(`  ${claim}  ${JSON.stringify(value).slice(0, 40)}  (not a number: invalid)`);
      continue;
    }
    const date = new Date(value * 1000);
    const iso = Number.isNaN(date.getTime()) ? 'out of range' : date.toISOString();
    lines.push(`  ${claim}  ${value}  ${iso}  (${describeTime(claim, value, nowSeconds)})`);
  }
  return lines;
}

function decodeJSONSegment(segment: string, what: string): unknown {
  const text = decodeBase64url(segment, what).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** The JSON serialization of a JWS (first signature's headers) or a JWE (shared headers). */
function decodeJSONSerialization(text: string): DecodedToken {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = asObject(JSON.parse(text));
  } catch {
    doc = undefined;
  }
  if (doc === undefined) throw new JWSInvalid('JSON serialization must be a JSON object');
  const protectedOf = (entry: Record<string, unknown> | undefined): Record<string, unknown> =>
    typeof entry?.protected === 'string' ? asObject(decodeJSONSegment(entry.protected, 'protected header')) ?? {} : {};
  if (typeof doc.ciphertext === 'string') {
    return { header: { ...asObject(doc.unprotected), ...protectedOf(doc) }, encrypted: true };
  }
  if (typeof doc.payload !== 'string') throw new JWSInvalid('"payload" must be a string');
  const signatures = Array.isArray(doc.signatures) ? doc.signatures : [doc];
  const first = asObject(signatures[0]);
  const payload = decodeJSONSegment(doc.payload, 'payload');
  return { header: { ...asObject(first?.header), ...protectedOf(first) }, payload };
}

/**
 * Decodes a compact JWS/JWT (payload as claims when it is a JSON object, else as text) or shows
 * the protected header of a compact JWE; the JSON serializations likewise. Nothing is verified.
 *
 * @throws {JWSInvalid | JWEInvalid} when the token is not well-formed.
 */
export function decodeToken(token: string): DecodedToken {
  if (token.startsWith('{')) return decodeJSONSerialization(token);
  const segments = token.split('.');
  if (segments.length === 5) {
    const header = asObject(decodeJSONSegment(segments[0] ?? '', 'protected header'));
    if (header === undefined) throw new JWEInvalid('protected header must be a JSON object');
    return { header, encrypted: true };
  }
  if (segments.length !== 3) throw new JWSInvalid('a compact token has three (JWS) or five (JWE) segments');
  try {
    const { header, payload } = decodeJWT(token);
    return { header, payload };
  } catch (err) {
    // Not a claims set (any JWS payload): show the header and the payload as text.
    const header = asObject(decodeJSONSegment(segments[0] ?? '', 'protected header'));
    if (header === undefined) throw err;
    if (segments[1] === undefined || !/^[A-Za-z0-9_-]*$/.test(segments[1])) throw err;
    return { header, payload: decodeBase64url(segments[1], 'payload').toString('utf8') };
  }
}

/** Runs `cjwt decode`. */
export function decode(tokenArg: string, options: DecodeOptions): void {
  const decoded = decodeToken(readTokenArgument(tokenArg));
  if (options.json === true) {
    writeErr(NOT_VERIFIED_WARNING);
    // Lossless: a control character left raw inside a JSON string becomes its \u escape.
    writeOut(escapeControls(JSON.stringify(decoded, null, 2)));
    return;
  }
  const lines = [NOT_VERIFIED_WARNING, 'Header:', JSON.stringify(decoded.header, null, 2)];
  if (decoded.encrypted === true) {
    lines.push('Payload: encrypted (JWE); use cjwt decrypt');
  } else {
    lines.push('Payload:', typeof decoded.payload === 'string' ? decoded.payload : JSON.stringify(decoded.payload, null, 2));
    const times = timeLines(decoded.payload, Math.floor(Date.now() / 1000));
    if (times.length > 0) lines.push('Times:', ...times);
  }
  // Everything shown comes from the unverified token.
  writeOut(escapeControls(lines.join('\n')));
}

/** Registers `cjwt decode` on the program. */
export function registerDecode(program: Command): void {
  program.command('decode')
    .description('show a token\'s header and payload WITHOUT verifying it (debugging only)')
    .argument('<token>', 'the token, or - to read it from standard input')
    .option('--json', 'print {"header","payload"} as JSON (the warning goes to standard error)')
    .action((token: string, options: DecodeOptions) => runAction(() => decode(token, options)));
}

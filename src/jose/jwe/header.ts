/**
 * JWE header handling: parsing the protected header, joining the three header sources, `crit`,
 * and placing key-management parameters where the JOSE Cookbook puts them.
 */
import type { Buffer } from 'node:buffer';
import { JOSENotSupported, JWEInvalid } from '../errors.js';
import { decodeSegment as decodeJOSESegment, parseJSONObject } from '../jws/jws-segments.js';
import type { JWEHeader } from './types.js';

/**
 * Strict base64url decoding that reports a malformed JWE (not a JWS) on bad input; the canonical
 * check is the JWS layer's (alphabet, length, unused trailing bits).
 */
export function decodeSegment(value: string, what: string): Buffer {
  return decodeJOSESegment(value, what, JWEInvalid);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Decodes and parses the protected header (a JSON object). */
export function parseProtectedHeader(b64: string): JWEHeader {
  return parseJSONObject(decodeSegment(b64, 'protected header'), 'protected header', JWEInvalid) as JWEHeader;
}

/** Validates an unprotected header member of JSON serialization. */
export function checkUnprotectedHeader(value: unknown, what: string): JWEHeader | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new JWEInvalid(`${what} must be a JSON object`);
  return value as JWEHeader;
}

/** Joins the protected, shared unprotected and per-recipient headers; their names must be disjoint. */
export function joinHeaders(...headers: Array<JWEHeader | undefined>): JWEHeader {
  const present = headers.filter((h): h is JWEHeader => h !== undefined);
  if (present.length === 1) return present[0]!;
  const joined: JWEHeader = {};
  for (const header of present) {
    for (const name of Object.keys(header)) {
      // Assigning "__proto__" would change the joined object's prototype, not add a member.
      if (name === '__proto__') throw new JWEInvalid('invalid header parameter name');
      if (Object.hasOwn(joined, name)) throw new JWEInvalid('protected, shared and per-recipient header parameter names must be disjoint');
      joined[name] = header[name];
    }
  }
  return joined;
}

/** Header parameters the JWE layer itself processes; they must never be listed in `crit`. */
const REGISTERED = new Set(['alg', 'enc', 'zip', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit', 'epk', 'apu', 'apv', 'iv', 'tag', 'p2s', 'p2c']);

/**
 * Honours `crit` (RFC 7516 §4.1.13): it must sit in the protected header, list non-registered
 * names present in the header, and every name must be one the caller says it understands.
 */
export function checkCrit(protectedHeader: JWEHeader | undefined, joined: JWEHeader, understood: Readonly<Record<string, boolean>> | undefined): void {
  if (joined.crit === undefined) return;
  if (protectedHeader?.crit === undefined) throw new JWEInvalid('"crit" must be integrity protected');
  const crit: unknown = protectedHeader.crit;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((n) => typeof n !== 'string' || n.length === 0)) {
    throw new JWEInvalid('"crit" must be a non-empty array of names');
  }
  for (const name of crit as string[]) {
    if (REGISTERED.has(name)) throw new JWEInvalid(`"crit" must not list the registered parameter "${name}"`);
    if (!Object.hasOwn(joined, name)) throw new JWEInvalid(`"crit" lists "${name}", which is not in the header`);
    if (understood?.[name] !== true) throw new JOSENotSupported(`critical header parameter "${name}" is not understood`);
    if (!Object.hasOwn(protectedHeader, name)) throw new JWEInvalid(`critical header parameter "${name}" must be integrity protected`);
  }
}

/**
 * Inserts key-management parameters (epk; iv, tag; p2s, p2c) right after `alg` and `kid`, the
 * order of RFC 7520's examples, so that fixed inputs reproduce the published bytes exactly.
 */
export function withParameters(header: JWEHeader, parameters: Record<string, unknown>): JWEHeader {
  const names = Object.keys(parameters);
  if (names.length === 0) return header;
  const out: JWEHeader = {};
  let inserted = false;
  for (const name of Object.keys(header)) {
    if (!inserted && name !== 'alg' && name !== 'kid') {
      Object.assign(out, parameters);
      inserted = true;
    }
    out[name] = header[name];
  }
  if (!inserted) Object.assign(out, parameters);
  return out;
}

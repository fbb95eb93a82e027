/**
 * base64url (RFC 4648 §5) without padding, strict on decode.
 *
 * Node's own `Buffer.from(s, 'base64url')` silently skips invalid characters, which would let two
 * different strings decode to the same bytes; tokens must have exactly one encoding, so decoding
 * validates the alphabet and the length first.
 */
import { Buffer } from 'node:buffer';
import { JWSInvalid } from './errors.js';

const VALID = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes or a UTF-8 string as base64url without padding. */
export function encodeBase64url(input: Uint8Array | string): string {
  return (typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength)).toString('base64url');
}

/**
 * Decodes strict base64url (no padding, no whitespace, canonical trailing bits).
 *
 * @throws {JWSInvalid} when the input is not canonical base64url.
 * @example decodeBase64url('aGk').toString() // 'hi'
 */
export function decodeBase64url(input: string, what = 'segment'): Buffer {
  if (input.length % 4 === 1 || !VALID.test(input)) {
    throw new JWSInvalid(`${what} is not valid base64url`);
  }
  const out = Buffer.from(input, 'base64url');
  // Non-canonical trailing bits would make two encodings of one value; reject them.
  if (out.toString('base64url') !== input) {
    throw new JWSInvalid(`${what} is not canonical base64url`);
  }
  return out;
}

/** True when `input` is canonical unpadded base64url. */
export function isBase64url(input: string): boolean {
  return input.length % 4 !== 1 && VALID.test(input) && Buffer.from(input, 'base64url').toString('base64url') === input;
}

/**
 * The encryption context and the JWE `aad` member. A context is a string-to-string map (AWS
 * Encryption SDK style) encoded canonically: a big-endian uint16 pair count, then the pairs sorted
 * by the UTF-8 bytes of their keys, each as uint16 length + UTF-8 key, uint16 length + UTF-8
 * value. The `aad` member carries that encoding followed by the caller's own additional
 * authenticated data, so both are bound by the content tag, and any JOSE library decrypting the
 * JWE sees (and authenticates) the same bytes.
 *
 * The encoding always starts with the count, even for an empty context, so the split between
 * context and caller data is unambiguous.
 */
import { Buffer } from 'node:buffer';
import { EncryptionContextInvalid, JWEInvalid } from '../jose/index.js';

/** A key/value encryption context. Keys are non-empty; both are strings. */
export type EncryptionContext = Readonly<Record<string, string>>;

const MAX_U16 = 0xffff;

function utf8(value: string, what: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  // A lone surrogate would encode as U+FFFD, so two different strings would share one encoding.
  if (bytes.toString('utf8') !== value) throw new EncryptionContextInvalid(`encryption context ${what} is not well-formed Unicode`);
  if (bytes.length > MAX_U16) throw new EncryptionContextInvalid(`encryption context ${what} is longer than 65535 bytes`);
  return bytes;
}

/**
 * Encodes `context` canonically: equal maps give equal bytes whatever their insertion order.
 *
 * @throws {EncryptionContextInvalid} for a non-string value, an empty key or an over-long entry.
 */
export function encodeEncryptionContext(context: EncryptionContext | undefined): Buffer {
  if (context === undefined) return Buffer.alloc(2);
  if (context === null || typeof context !== 'object' || Array.isArray(context)) throw new EncryptionContextInvalid('encryption context must be an object of strings');
  const pairs: Array<[Buffer, Buffer]> = [];
  for (const key of Object.keys(context)) {
    const value = context[key];
    if (key.length === 0) throw new EncryptionContextInvalid('encryption context keys must not be empty');
    if (typeof value !== 'string') throw new EncryptionContextInvalid('encryption context values must be strings');
    pairs.push([utf8(key, 'key'), utf8(value, 'value')]);
  }
  if (pairs.length > MAX_U16) throw new EncryptionContextInvalid('encryption context has more than 65535 entries');
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u16(pairs.length)];
  for (const [k, v] of pairs) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/**
 * The bytes of the JWE `aad` member for a context and the caller's data, or `undefined` when
 * there is neither (the JWE then has no `aad` member).
 */
export function aadMember(context: EncryptionContext | undefined, aad: Uint8Array | undefined): Buffer | undefined {
  const hasContext = context !== undefined && (context === null || typeof context !== 'object' || Object.keys(context).length > 0);
  const hasAad = aad !== undefined && aad.length > 0;
  if (!hasContext && !hasAad) return undefined;
  const encoded = encodeEncryptionContext(context);
  return hasAad ? Buffer.concat([encoded, aad]) : encoded;
}

/** A decoded `aad` member: the context and the caller's data after it. */
export interface DecodedAad {
  context: Record<string, string>;
  aad: Buffer | undefined;
}

/**
 * Splits an `aad` member into the context and the caller's data.
 *
 * @throws {JWEInvalid} when the bytes do not start with a context encoding.
 */
export function decodeAadMember(member: Buffer): DecodedAad {
  const fail = (): never => { throw new JWEInvalid('"aad" does not start with an encryption context encoding'); };
  if (member.length < 2) fail();
  const count = member.readUInt16BE(0);
  let at = 2;
  const context: Record<string, string> = Object.create(null) as Record<string, string>;
  const read = (): string => {
    if (at + 2 > member.length) fail();
    const len = member.readUInt16BE(at);
    if (at + 2 + len > member.length) fail();
    const text = member.toString('utf8', at + 2, at + 2 + len);
    at += 2 + len;
    return text;
  };
  for (let i = 0; i < count; i++) {
    const key = read();
    context[key] = read();
  }
  return { context: { ...context }, aad: at === member.length ? undefined : member.subarray(at) };
}

/**
 * JWE JSON serialization (RFC 7516 §7.2): general (several recipients) and flattened, with shared
 * and per-recipient unprotected headers and additional authenticated data.
 */
import { randomBytes } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { encodeBase64url } from '../base64url.js';
import { JOSEAlgNotAllowed, JWEDecryptionFailed, JWEInvalid, TokenTooLarge } from '../errors.js';
import { decryptOne, encryptContent, encryptionAlgorithms, encryptKey, plaintextBytes, type JWEContent } from './core.js';
import { checkUnprotectedHeader, decodeSegment, joinHeaders, parseProtectedHeader, withParameters } from './header.js';
import { isPBES2, type FixedInputs } from './key-management.js';
import { serializedSize } from '../jws/jws-segments.js';
import { resolveDecryptPolicy, type JWEDecryptOptions } from './policy.js';
import { prepareKey } from './prepared-key.js';
import type { ContentEncryptionAlgorithm, JWEHeader, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from './types.js';

/** Flattened JWE JSON serialization (one recipient). */
export interface FlattenedJWE {
  protected?: string;
  unprotected?: JWEHeader;
  header?: JWEHeader;
  encrypted_key?: string;
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** General JWE JSON serialization (any number of recipients). */
export interface GeneralJWE {
  protected?: string;
  unprotected?: JWEHeader;
  recipients: Array<{ header?: JWEHeader; encrypted_key?: string }>;
  aad?: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** One recipient of {@link encryptJSON}. */
export interface JWERecipient {
  key: JWEKey;
  /** Key management algorithm, unless a header already names it. */
  alg?: KeyManagementAlgorithm;
  /** `kid` for the recipient's header. */
  kid?: string;
  /** Per-recipient unprotected header. */
  header?: JWEHeader;
  /** PBES2 iteration count. */
  p2c?: number;
}

/** Options of {@link encryptJSON}. */
export interface JWEJSONEncryptOptions {
  /** Content encryption algorithm, unless a header already names it (it is then protected). */
  enc?: ContentEncryptionAlgorithm;
  protectedHeader?: JWEHeader;
  unprotectedHeader?: JWEHeader;
  /** Additional authenticated data (JSON serialization only). */
  aad?: Uint8Array | string;
  /** Compress with DEFLATE; sets `zip: "DEF"` in the protected header. */
  zip?: boolean;
  recipients: JWERecipient[];
  /** Produce the flattened form; requires exactly one recipient. */
  flattened?: boolean;
}

/** Result of {@link decryptJSON}. */
export interface JWEJSONDecryptResult {
  plaintext: Buffer;
  protectedHeader: JWEHeader | undefined;
  unprotectedHeader: JWEHeader | undefined;
  /** The header of the recipient that decrypted. */
  recipientHeader: JWEHeader | undefined;
  additionalAuthenticatedData: Buffer | undefined;
}

/** @internal Random inputs a test may fix: CEK and IV, and per recipient the epk / GCM-KW IV / p2s. */
export interface FixedJSONInputs {
  cek?: Uint8Array;
  iv?: Uint8Array;
  deflated?: Uint8Array;
  recipients?: FixedInputs[];
}

function hasParameter(name: string, ...headers: Array<JWEHeader | undefined>): boolean {
  return headers.some((h) => h !== undefined && Object.hasOwn(h, name));
}

/** @internal {@link encryptJSON} with injectable random inputs (test vectors). Not exported by the package. */
export function encryptJSONWith(plaintext: Uint8Array | string, options: JWEJSONEncryptOptions, fixed?: FixedJSONInputs): FlattenedJWE | GeneralJWE {
  const count = options.recipients.length;
  if (count === 0) throw new JWEInvalid('at least one recipient is required');
  if (options.flattened === true && count !== 1) throw new JWEInvalid('flattened serialization has exactly one recipient');
  let protectedHeader: JWEHeader | undefined = options.protectedHeader === undefined ? undefined : { ...options.protectedHeader };
  const unprotectedHeader = options.unprotectedHeader;
  if (options.enc !== undefined && !hasParameter('enc', protectedHeader, unprotectedHeader)) protectedHeader = { ...protectedHeader, enc: options.enc };
  if (options.zip === true) protectedHeader = { ...protectedHeader, zip: 'DEF' };
  const recipientHeaders = options.recipients.map((r) => {
    let header: JWEHeader | undefined = r.header === undefined ? undefined : { ...r.header };
    if (r.alg !== undefined && !hasParameter('alg', protectedHeader, unprotectedHeader, header)) {
      // A single recipient's alg is integrity protected; several recipients each need their own.
      if (count === 1) protectedHeader = { alg: r.alg, ...protectedHeader };
      else header = { ...header, alg: r.alg };
    }
    if (r.kid !== undefined && !hasParameter('kid', protectedHeader, unprotectedHeader, header)) header = { ...header, kid: r.kid };
    return header;
  });
  const firstJoined = joinHeaders(protectedHeader, unprotectedHeader, recipientHeaders[0]);
  const { ce, enc } = encryptionAlgorithms(firstJoined.alg, firstJoined.enc);
  if (firstJoined.zip !== undefined && protectedHeader?.zip !== 'DEF') throw new JWEInvalid('"zip" must be "DEF" in the protected header');

  let cek: Buffer | undefined = count > 1 ? Buffer.from(fixed?.cek ?? randomBytes(ce.cekLength)) : undefined;
  const encryptedKeys: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const recipient = options.recipients[i]!;
    const joined = joinHeaders(protectedHeader, unprotectedHeader, recipientHeaders[i]);
    if (joined.enc !== enc) throw new JWEInvalid('"enc" must be the same for every recipient');
    const { alg } = encryptionAlgorithms(joined.alg, joined.enc);
    const own: FixedInputs | undefined = fixed === undefined ? undefined : { ...fixed.recipients?.[i], ...(fixed.cek === undefined ? {} : { cek: fixed.cek }) };
    const result = encryptKey({ key: recipient.key, alg, header: joined, p2c: recipient.p2c }, ce, enc, own, cek);
    cek ??= result.cek;
    encryptedKeys.push(result.encryptedKey);
    if (Object.keys(result.parameters).length === 0) continue;
    if (count === 1 && protectedHeader !== undefined && Object.hasOwn(protectedHeader, 'alg')) protectedHeader = withParameters(protectedHeader, result.parameters);
    else recipientHeaders[i] = withParameters(recipientHeaders[i] ?? {}, result.parameters);
  }

  const protectedB64 = protectedHeader === undefined ? '' : encodeBase64url(JSON.stringify(protectedHeader));
  const aadB64 = options.aad === undefined ? undefined : encodeBase64url(options.aad);
  const aad = Buffer.from(aadB64 === undefined ? protectedB64 : `${protectedB64}.${aadB64}`, 'latin1');
  const { iv, ciphertext, tag } = encryptContent(ce, cek!, plaintextBytes(plaintext), aad, protectedHeader?.zip === 'DEF', fixed);

  const shared: Partial<FlattenedJWE> = {};
  if (protectedB64 !== '') shared.protected = protectedB64;
  if (unprotectedHeader !== undefined) shared.unprotected = unprotectedHeader;
  const tail = { ...(aadB64 === undefined ? {} : { aad: aadB64 }), iv: iv.toString('base64url'), ciphertext: ciphertext.toString('base64url'), tag: tag.toString('base64url') };
  const recipients = encryptedKeys.map((ek, i) => ({
    ...(recipientHeaders[i] === undefined ? {} : { header: recipientHeaders[i] }),
    ...(ek.length === 0 ? {} : { encrypted_key: ek.toString('base64url') }),
  }));
  if (options.flattened === true) return { ...shared, ...recipients[0], ...tail };
  return { ...shared, recipients, ...tail };
}

/**
 * Encrypts `plaintext` once for one or several recipients, in the general (default) or flattened
 * JSON serialization. `dir` and `ECDH-ES` allow only one recipient.
 *
 * @example
 * const jwe = encryptJSON('hello', {
 *   enc: 'A256GCM',
 *   recipients: [{ key: rsaPublicKey, alg: 'RSA-OAEP-256', kid: 'r1' }, { key: aesKey, alg: 'A256KW', kid: 'k1' }],
 * });
 */
export function encryptJSON(plaintext: Uint8Array | string, options: JWEJSONEncryptOptions): FlattenedJWE | GeneralJWE {
  return encryptJSONWith(plaintext, options);
}

function optionalSegment(value: unknown, what: string): Buffer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new JWEInvalid(`${what} must be a string`);
  return decodeSegment(value, what);
}

function requiredString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new JWEInvalid(`${what} must be a string`);
  return value;
}

/**
 * Decrypts a general or flattened JWE (an object or its JSON text). Recipients whose algorithm
 * the key does not fit, or for which the resolver throws, are skipped; the first recipient that decrypts wins. When none does, the
 * error is the same `JWEDecryptionFailed` whatever went wrong cryptographically.
 *
 * @example
 * const { plaintext, recipientHeader } = decryptJSON(jwe, (header) => keysByKid.get(header.kid!)!);
 */
export function decryptJSON(jwe: FlattenedJWE | GeneralJWE | string, key: JWEKey | JWEKeyResolver, options?: JWEDecryptOptions): JWEJSONDecryptResult {
  const policy = resolveDecryptPolicy(options);
  let input: unknown = jwe;
  if (typeof jwe === 'string') {
    if (jwe.length > policy.maxTokenSize) throw new TokenTooLarge();
    try {
      input = JSON.parse(jwe);
    } catch {
      throw new JWEInvalid('JWE JSON serialization is not valid JSON');
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new JWEInvalid('JWE JSON serialization must be an object');
  const obj = input as Record<string, unknown>;
  if (typeof jwe !== 'string' && serializedSize(obj, 'JWE JSON serialization', JWEInvalid) > policy.maxTokenSize) throw new TokenTooLarge();
  const protectedB64 = obj.protected === undefined ? undefined : requiredString(obj.protected, 'protected');
  const protectedHeader = protectedB64 === undefined ? undefined : parseProtectedHeader(protectedB64);
  const unprotectedHeader = checkUnprotectedHeader(obj.unprotected, 'unprotected');
  const aadB64 = obj.aad === undefined ? undefined : requiredString(obj.aad, 'aad');
  const additionalAuthenticatedData = optionalSegment(aadB64, 'aad');
  const content: JWEContent = {
    iv: decodeSegment(requiredString(obj.iv, 'iv'), 'iv'),
    ciphertext: decodeSegment(requiredString(obj.ciphertext, 'ciphertext'), 'ciphertext'),
    tag: decodeSegment(requiredString(obj.tag, 'tag'), 'tag'),
    aad: Buffer.from(aadB64 === undefined ? protectedB64 ?? '' : `${protectedB64 ?? ''}.${aadB64}`, 'latin1'),
  };
  let recipients: Array<{ header?: unknown; encrypted_key?: unknown }>;
  if (obj.recipients !== undefined) {
    if (!Array.isArray(obj.recipients) || obj.recipients.length === 0) throw new JWEInvalid('"recipients" must be a non-empty array');
    if (obj.recipients.length > policy.maxRecipients) throw new TokenTooLarge(`JWE has more than ${policy.maxRecipients} recipients`);
    if ('header' in obj || 'encrypted_key' in obj) throw new JWEInvalid('general serialization cannot have top-level "header" or "encrypted_key"');
    recipients = obj.recipients as Array<{ header?: unknown; encrypted_key?: unknown }>;
  } else {
    recipients = [{ header: obj.header, encrypted_key: obj.encrypted_key }];
  }
  let lastError: unknown;
  // With several recipients a resolver (e.g. by kid) knows only some of them: its failure for one
  // recipient moves on to the next instead of ending the whole message.
  let resolverError: unknown;
  const resolve: JWEKey | JWEKeyResolver = typeof key !== 'function' || recipients.length === 1 ? key : (header) => {
    try {
      const resolved = key(header);
      prepareKey(resolved);
      return resolved;
    } catch (err) {
      resolverError = err;
      throw err;
    }
  };
  // The PBES2 bound is for the whole message: each recipient tried spends from it.
  let pbes2Budget = policy.maxPBES2Count;
  for (const recipient of recipients) {
    if (recipient === null || typeof recipient !== 'object') throw new JWEInvalid('each recipient must be an object');
    const recipientHeader = checkUnprotectedHeader(recipient.header, 'recipient header');
    const joined = joinHeaders(protectedHeader, unprotectedHeader, recipientHeader);
    const encryptedKey = optionalSegment(recipient.encrypted_key, 'encrypted_key') ?? Buffer.alloc(0);
    try {
      const recipientPolicy = pbes2Budget === policy.maxPBES2Count ? policy : { ...policy, maxPBES2Count: pbes2Budget };
      const plaintext = decryptOne(protectedHeader, joined, resolve, encryptedKey, content, recipientPolicy);
      return { plaintext, protectedHeader, unprotectedHeader, recipientHeader, additionalAuthenticatedData };
    } catch (err) {
      if (typeof joined.alg === 'string' && isPBES2(joined.alg) && typeof joined.p2c === 'number') pbes2Budget -= joined.p2c;
      // With several recipients, one we cannot serve is not a failure of the whole message.
      if (recipients.length > 1 && (err instanceof JOSEAlgNotAllowed || err instanceof JWEDecryptionFailed || (err !== undefined && err === resolverError))) {
        if (!(lastError instanceof JWEDecryptionFailed)) lastError = err;
        continue;
      }
      throw err;
    }
  }
  throw lastError instanceof Error ? lastError : new JWEDecryptionFailed();
}

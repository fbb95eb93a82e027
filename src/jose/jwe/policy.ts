/**
 * What a decryption accepts: the allowlists of `alg` and `enc`, the PBES2 and decompression
 * bounds, the understood `crit` names. Resolved once per decrypter.
 */
import { JOSEAlgNotAllowed, JOSENotSupported, JWEInvalid, JoseError } from '../errors.js';
import { CONTENT_ENCRYPTION, CONTENT_ENCRYPTION_ALGORITHMS, isContentEncryptionAlgorithm, type ContentEncryption } from './content.js';
import { isKeyManagementAlgorithm, isPBES2, KEY_MANAGEMENT, KEY_MANAGEMENT_ALGORITHMS, type KeyManagement } from './key-management.js';
import { DEFAULT_PBES2_COUNT } from './pbes2.js';
import type { PreparedKey } from './prepared-key.js';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from './types.js';
import { DEFAULT_MAX_DECOMPRESSED_SIZE } from './zip.js';

/** Options of every JWE decryption. */
export interface JWEDecryptOptions {
  /** Allowed `alg` values. Default: every supported one except RSA1_5. */
  keyManagementAlgorithms?: readonly KeyManagementAlgorithm[];
  /** Allowed `enc` values. Default: every supported one. */
  contentEncryptionAlgorithms?: readonly ContentEncryptionAlgorithm[];
  /** Bound on the inflated plaintext of `zip: "DEF"` tokens, bytes. Default 256000 (250 KiB). */
  maxDecompressedSize?: number;
  /** Largest PBES2 `p2c` accepted; with JSON serialization, the total over the recipients tried. Default 310000. */
  maxPBES2Count?: number;
  /** Accept RSA1_5 (PKCS#1 v1.5 key transport). Default false. */
  allowRSA1_5?: boolean;
  /** Extension header parameters the caller understands, for `crit`. */
  crit?: Readonly<Record<string, boolean>>;
  /** Largest serialized token accepted, in characters, checked before decoding. Default 256 KiB. */
  maxTokenSize?: number;
  /**
   * Most recipients a general JWE JSON serialization may carry (default 16). Each one tried may
   * cost a private-key operation, so without a bound a token within the size limit could ask for
   * hundreds.
   */
  maxRecipients?: number;
}

/** The resolved form of {@link JWEDecryptOptions}. */
export interface DecryptPolicy {
  readonly algs: ReadonlySet<string>;
  readonly encs: ReadonlySet<string>;
  /** True when the caller listed a PBES2 algorithm explicitly (needed for raw-secret PBES2). */
  readonly explicitPBES2: boolean;
  readonly maxDecompressedSize: number;
  readonly maxPBES2Count: number;
  readonly crit: Readonly<Record<string, boolean>> | undefined;
  readonly maxTokenSize: number;
  readonly maxRecipients: number;
}

/** Default bound on a serialized JWE. */
export const DEFAULT_MAX_JWE_SIZE = 256 * 1024;

/** Default bound on the recipients of a general JWE JSON serialization. */
export const DEFAULT_MAX_RECIPIENTS = 16;

/** Resolves options to a policy. */
export function resolveDecryptPolicy(options: JWEDecryptOptions = {}): DecryptPolicy {
  const algs = new Set<string>(options.keyManagementAlgorithms ?? KEY_MANAGEMENT_ALGORITHMS.filter((a) => a !== 'RSA1_5'));
  if (options.allowRSA1_5 === true) algs.add('RSA1_5');
  else algs.delete('RSA1_5');
  const maxRecipients = options.maxRecipients ?? DEFAULT_MAX_RECIPIENTS;
  if (!Number.isSafeInteger(maxRecipients) || maxRecipients < 1) throw new JoseError('maxRecipients must be a positive integer');
  return {
    algs,
    encs: new Set<string>(options.contentEncryptionAlgorithms ?? CONTENT_ENCRYPTION_ALGORITHMS),
    explicitPBES2: options.keyManagementAlgorithms?.some(isPBES2) ?? false,
    maxDecompressedSize: options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE,
    maxPBES2Count: options.maxPBES2Count ?? DEFAULT_PBES2_COUNT,
    crit: options.crit,
    maxTokenSize: options.maxTokenSize ?? DEFAULT_MAX_JWE_SIZE,
    maxRecipients,
  };
}

/** Looks up and checks `alg` and `enc` against the tables and the policy. */
export function selectAlgorithms(alg: unknown, enc: unknown, policy: DecryptPolicy): { km: KeyManagement; ce: ContentEncryption; alg: KeyManagementAlgorithm; enc: ContentEncryptionAlgorithm } {
  if (typeof alg !== 'string') throw new JWEInvalid('missing "alg" header parameter');
  if (typeof enc !== 'string') throw new JWEInvalid('missing "enc" header parameter');
  if (!isKeyManagementAlgorithm(alg)) throw new JOSENotSupported(`unsupported "alg": ${alg.slice(0, 32)}`);
  if (!isContentEncryptionAlgorithm(enc)) throw new JOSENotSupported(`unsupported "enc": ${enc.slice(0, 32)}`);
  if (!policy.algs.has(alg)) throw new JOSEAlgNotAllowed(`"alg" ${alg} is not allowed`);
  if (!policy.encs.has(enc)) throw new JOSEAlgNotAllowed(`"enc" ${enc} is not allowed`);
  return { km: KEY_MANAGEMENT[alg], ce: CONTENT_ENCRYPTION[enc], alg, enc };
}

/**
 * The key decides the algorithm: its type, curve and size must fit `alg` (and `enc` for `dir`).
 * A password string fits only PBES2; a raw secret fits PBES2 only when the caller listed it.
 */
export function keyFits(key: PreparedKey, alg: KeyManagementAlgorithm, km: KeyManagement, ce: ContentEncryption, forDecryption: boolean, explicitPBES2: boolean): boolean {
  if (key.kind === 'password') return isPBES2(alg);
  if (isPBES2(alg) && !explicitPBES2) return false;
  return km.fits(key, forDecryption, ce);
}

/** Every key-management algorithm a key may be used with for encryption (what `fits` allows). */
export function keyManagementAlgorithmsFor(key: PreparedKey): KeyManagementAlgorithm[] {
  return KEY_MANAGEMENT_ALGORITHMS.filter((alg) => alg !== 'RSA1_5' &&
    CONTENT_ENCRYPTION_ALGORITHMS.some((enc) => keyFits(key, alg, KEY_MANAGEMENT[alg], CONTENT_ENCRYPTION[enc], false, key.kind === 'password')));
}

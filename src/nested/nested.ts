/**
 * Nested JWTs (RFC 7519 §5.2, §11.2): sign first, then encrypt, with `cty: "JWT"` on the outer
 * header. Signing and encryption use separate keys, each with its own `kid`.
 */
import type { KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../jose/algorithms.js';
import { JWEInvalid } from '../jose/errors.js';
import { createJWEDecrypter, createJWEEncrypter, type JWEDecryptOptions } from '../jose/jwe/jwe.js';
import type { ContentEncryptionAlgorithm, JWEHeader, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from '../jose/jwe/types.js';
import type { JWSHeader } from '../jose/jws/jws-header.js';
import type { VerifyKey } from '../jose/jws/jws.js';
import { createJWTSigner, createJWTVerifier } from '../jose/jwt/jwt.js';
import type { JWTClaims, JWTClaimsOptions, JWTVerifyOptions } from '../jose/jwt/jwt-claims.js';
import { DEFAULT_MAX_JWE_TOKEN_SIZE, isNestedJWTHeader } from './encrypted-jwt.js';

/** Options of {@link signAndEncrypt}. */
export interface SignAndEncryptOptions extends JWTClaimsOptions {
  /** Key of the inner signature (`use: "sig"`). */
  signingKey: KeyObject;
  /** Inner JWS algorithm, e.g. `ES256`. */
  signingAlg: JWSAlgorithm;
  /** `kid` of the signing key (inner header). */
  signingKid?: string;
  /** Inner header `typ`; default `JWT`. */
  typ?: string;
  /** Key the outer JWE is encrypted to (`use: "enc"`). */
  encryptionKey: JWEKey;
  /** Outer key management algorithm, e.g. `ECDH-ES+A256KW` or `RSA-OAEP-256`. */
  alg: KeyManagementAlgorithm;
  /** Outer content encryption, e.g. `A256GCM`. */
  enc: ContentEncryptionAlgorithm;
  /** `kid` of the encryption key (outer header). */
  encryptionKid?: string;
}

/** Options of {@link decryptAndVerify}. */
export interface DecryptAndVerifyOptions extends Omit<JWEDecryptOptions, 'crit'>, Omit<JWTVerifyOptions, 'maxTokenSize'> {
  /** Outer decryption key, or a resolver picking it by the outer header (`kid`). */
  decryptionKey: JWEKey | JWEKeyResolver;
  /** Inner verification key, or a resolver picking it by the inner header (`kid`). */
  verificationKey: VerifyKey;
  /** Understood `crit` extensions of the outer header. */
  jweCrit?: Record<string, boolean>;
}

/** A decrypted and verified nested JWT. */
export interface NestedJWTResult {
  /** The verified claims. */
  payload: JWTClaims;
  /** The inner (JWS) protected header. */
  protectedHeader: JWSHeader;
  /** The outer (JWE) protected header. */
  jweHeader: JWEHeader;
}

/**
 * Builds a sign-then-encrypt function: the JWT signer and the JWE encrypter are compiled once.
 *
 * @example
 * const issue = createNestedJWTIssuer({ signingKey, signingAlg: 'ES256', signingKid: 'sig-1', encryptionKey, alg: 'ECDH-ES+A256KW', enc: 'A256GCM', encryptionKid: 'enc-1', expiresIn: '15m' });
 * const token = issue({ sub: 'user-1' });
 */
export function createNestedJWTIssuer(options: SignAndEncryptOptions): (claims: JWTClaims) => string {
  const sign = createJWTSigner({ ...options, key: options.signingKey, alg: options.signingAlg, kid: options.signingKid, typ: options.typ });
  const encrypt = createJWEEncrypter(options.encryptionKey, { alg: options.alg, enc: options.enc, kid: options.encryptionKid, header: { cty: 'JWT' } });
  return (claims) => encrypt(sign(claims));
}

/**
 * Signs `claims` with the signing key, then encrypts the JWS to the encryption key
 * (`cty: "JWT"`).
 *
 * @example
 * const token = signAndEncrypt({ sub: 'user-1' }, { signingKey, signingAlg: 'ES256', encryptionKey, alg: 'RSA-OAEP-256', enc: 'A256GCM', expiresIn: '15m' });
 */
export function signAndEncrypt(claims: JWTClaims, options: SignAndEncryptOptions): string {
  return createNestedJWTIssuer(options)(claims);
}

/**
 * Refuses an outer JWE header without `cty: "JWT"`: only a nested JWT is decrypted then verified.
 *
 * @throws {JWEInvalid} when the header does not mark the content as a JWT.
 */
export function assertNestedJWTHeader(header: JWEHeader): void {
  if (!isNestedJWTHeader(header)) throw new JWEInvalid('not a nested JWT: the outer header lacks "cty": "JWT"');
}

/**
 * Builds a decrypt-then-verify function compiled once: the outer JWE must carry `cty: "JWT"`,
 * the inner JWS must verify with the verification key, then the claims are validated.
 *
 * @example
 * const verify = createNestedJWTVerifier({ decryptionKey, verificationKey, issuer: 'https://auth.example', audience: 'api' });
 * const { payload } = verify(token);
 */
export function createNestedJWTVerifier(options: DecryptAndVerifyOptions): (token: string) => NestedJWTResult {
  const decrypt = createJWEDecrypter(options.decryptionKey, {
    keyManagementAlgorithms: options.keyManagementAlgorithms,
    contentEncryptionAlgorithms: options.contentEncryptionAlgorithms,
    maxDecompressedSize: options.maxDecompressedSize,
    maxPBES2Count: options.maxPBES2Count,
    allowRSA1_5: options.allowRSA1_5,
    crit: options.jweCrit,
    maxTokenSize: options.maxTokenSize ?? DEFAULT_MAX_JWE_TOKEN_SIZE,
  });
  const verify = createJWTVerifier(options.verificationKey, {
    algorithms: options.algorithms, issuer: options.issuer, audience: options.audience, subject: options.subject,
    clockTolerance: options.clockTolerance, maxTokenAge: options.maxTokenAge, requiredClaims: options.requiredClaims,
    typ: options.typ, crit: options.crit, currentDate: options.currentDate, maxTokenSize: options.maxTokenSize ?? DEFAULT_MAX_JWE_TOKEN_SIZE,
  });
  return (token) => {
    const { plaintext, protectedHeader: jweHeader } = decrypt(token);
    assertNestedJWTHeader(jweHeader);
    const { payload, protectedHeader } = verify(plaintext.toString('latin1'));
    return { payload, protectedHeader, jweHeader };
  };
}

/**
 * Decrypts a nested JWT and verifies the inner signature and claims.
 *
 * @example
 * const { payload } = decryptAndVerify(token, { decryptionKey: encPrivateKey, verificationKey: sigPublicKey, issuer: 'https://auth.example' });
 */
export function decryptAndVerify(token: string, options: DecryptAndVerifyOptions): NestedJWTResult {
  return createNestedJWTVerifier(options)(token);
}

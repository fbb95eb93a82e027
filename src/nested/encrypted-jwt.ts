/**
 * Encrypted JWTs: a JWE whose plaintext is the claims set itself (RFC 7519 §5, no signature).
 * Confidential and integrity protected by the content encryption, but anyone holding the
 * encryption key (for ECDH-ES or RSA: anyone with the public key) can mint one; use a nested
 * token (signAndEncrypt) when the issuer must be authenticated.
 */
import { JWTInvalid } from '../jose/errors.js';
import { createJWEDecrypter, createJWEEncrypter, type JWEDecryptOptions, type JWEEncryptOptions } from '../jose/jwe/jwe.js';
import type { JWEHeader, JWEKey, JWEKeyResolver } from '../jose/jwe/types.js';
import type { JWSHeader } from '../jose/jws/jws-header.js';
import { compileClaimsBuilder, compileClaimsValidator, parseClaimsPayload, type JWTClaims, type JWTClaimsOptions, type JWTVerifyOptions } from '../jose/jwt/jwt-claims.js';

/** Options of {@link encryptJWT}: the JWE options plus the claim defaults (`expiresIn`, `issuer`, ...). */
export interface EncryptJWTOptions extends JWEEncryptOptions, JWTClaimsOptions {
  /** Header `typ`; default `JWT`. */
  typ?: string;
}

/** Options of {@link decryptJWT}: JWE limits and allowlists plus the claim checks. */
export type DecryptJWTOptions = JWEDecryptOptions & Omit<JWTVerifyOptions, 'algorithms' | 'crit' | 'maxTokenSize'>;

/** A decrypted and validated JWT. */
export interface DecryptJWTResult {
  payload: JWTClaims;
  protectedHeader: JWEHeader;
}

/** Default size bound of an encrypted or nested JWT, in characters. */
export const DEFAULT_MAX_JWE_TOKEN_SIZE = 16 * 1024;

/**
 * Builds an encrypter of claims sets: header, key and claim defaults compiled once.
 *
 * @example
 * const encrypt = createJWTEncrypter(publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', issuer: 'https://auth.example', expiresIn: '15m' });
 * const token = encrypt({ sub: 'user-1' });
 */
export function createJWTEncrypter(key: JWEKey, options: EncryptJWTOptions): (claims: JWTClaims) => string {
  const encrypt = createJWEEncrypter(key, { alg: options.alg, enc: options.enc, kid: options.kid, zip: options.zip, p2c: options.p2c, header: { typ: options.typ ?? 'JWT', ...options.header } });
  const build = compileClaimsBuilder(options);
  return (claims) => encrypt(JSON.stringify(build(claims)));
}

/**
 * Encrypts a claims set as a compact JWE (`typ: "JWT"`). `iat` is set to now unless
 * `issuedAt: false`; `expiresIn`, `issuer`, `audience`, `subject`, `jti` work as for signJWT.
 *
 * @example encryptJWT({ sub: 'user-1' }, publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM', expiresIn: '1h' })
 */
export function encryptJWT(claims: JWTClaims, key: JWEKey, options: EncryptJWTOptions): string {
  return createJWTEncrypter(key, options)(claims);
}

/** True when a JWE header marks its content as a signed JWT (`cty: "JWT"`, case-insensitive, RFC 7519 §5.2). */
export function isNestedJWTHeader(header: JWEHeader): boolean {
  return typeof header.cty === 'string' && header.cty.toUpperCase() === 'JWT';
}

/**
 * Builds a decrypter of encrypted JWTs: decrypt, parse, validate the claims (exp, nbf, iss, aud,
 * sub, typ, required claims). A nested token (`cty: "JWT"`) is refused: use decryptAndVerify.
 *
 * @example
 * const decrypt = createJWTDecrypter(privateKey, { issuer: 'https://auth.example' });
 * const { payload } = decrypt(token);
 */
export function createJWTDecrypter(key: JWEKey | JWEKeyResolver, options: DecryptJWTOptions = {}): (token: string) => DecryptJWTResult {
  const decrypt = createJWEDecrypter(key, { ...options, maxTokenSize: options.maxTokenSize ?? DEFAULT_MAX_JWE_TOKEN_SIZE });
  const validate = compileClaimsValidator(options);
  return (token) => {
    const { plaintext, protectedHeader } = decrypt(token);
    if (isNestedJWTHeader(protectedHeader)) {
      throw new JWTInvalid('nested JWT: the content is signed, verify it with decryptAndVerify');
    }
    const payload = parseClaimsPayload(plaintext);
    validate(payload, protectedHeader as JWSHeader);
    return { payload, protectedHeader };
  };
}

/**
 * Decrypts an encrypted JWT and validates its claims.
 *
 * @example const { payload } = decryptJWT(token, privateKey, { audience: 'api' });
 */
export function decryptJWT(token: string, key: JWEKey | JWEKeyResolver, options?: DecryptJWTOptions): DecryptJWTResult {
  return createJWTDecrypter(key, options)(token);
}

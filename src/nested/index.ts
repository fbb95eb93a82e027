/**
 * Encrypted and nested tokens: encrypted JWTs, sign-then-encrypt nested JWTs, and access/refresh
 * pairs as nested JWTs.
 */
export {
  DEFAULT_MAX_JWE_TOKEN_SIZE, createJWTDecrypter, createJWTEncrypter, decryptJWT, encryptJWT,
  type DecryptJWTOptions, type DecryptJWTResult, type EncryptJWTOptions,
} from './encrypted-jwt.js';
export {
  createNestedJWTIssuer, createNestedJWTVerifier, decryptAndVerify, signAndEncrypt,
  type DecryptAndVerifyOptions, type NestedJWTResult, type SignAndEncryptOptions,
} from './nested.js';
export {
  ACCESS_TOKEN_TYP, REFRESH_TOKEN_TYP, createAccessRefreshIssuer, createAccessRefreshVerifier, decryptAndVerifyAccess,
  decryptAndVerifyRefresh, issueAccessAndRefresh,
  type AccessRefreshIssuerConfig, type AccessRefreshPair, type AccessRefreshSubject, type IssueAccessAndRefreshOptions,
  type VerifyPairTokenOptions,
} from './access-refresh.js';
export { defaultEncryptionAlgorithms } from './defaults.js';

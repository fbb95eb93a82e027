/**
 * The public JOSE surface of cjwt: algorithms, keys, JWS (compact and JSON), JWT, utilities and
 * errors. Everything here is synchronous and stateless.
 */
export * from './errors.js';
export { encodeBase64url, decodeBase64url, isBase64url } from './base64url.js';
export { ALGORITHMS, JWS_ALGORITHMS, MIN_RSA_MODULUS_BITS, algorithmsForKey, getAlgorithm, isJWSAlgorithm, type AlgorithmFamily, type AlgorithmSpec, type JOSECurve, type JWSAlgorithm } from './algorithms.js';
export {
  calculateJwkThumbprint, defaultHMACKey, defaultRSAKeyPair, exportJWK, exportPEM, generateECDSAKeyPair, generateHMACKey,
  generateKeyPair, generateRSAKeyPair, generateSecret, importJWK, importPEM, importSecret, parseKeyFile, toPublicKey,
  type JWK, type KeyPair, type KeyPairKind, type ParsedKey,
} from './jwk/keys.js';
export {
  DEFAULT_MAX_TOKEN_SIZE, createJWSSigner, createJWSVerifier, signCompact, verifyCompact,
  type CompactVerifyResult, type JWSHeader, type JWSSignerOptions, type JWSVerifyOptions, type VerifyKey,
} from './jws/jws.js';
export { signJSON, verifyJSON, type FlattenedJWS, type GeneralJWS, type JSONSigner, type JSONVerifyResult, type JWSJSONSignature } from './jws/jws-json.js';
export {
  buildClaims, createJWTSigner, createJWTVerifier, decodeJWT, normalizeTyp, parseDuration, signJWT, verifyJWT,
  type JWTClaims, type JWTClaimsOptions, type JWTSignOptions, type JWTSignerOptions, type JWTVerifyOptions, type JWTVerifyResult,
} from './jwt/jwt.js';
export { generateRandomToken, getTokenExpirationTime, getTokenSubject, hashSHA256, isTokenExpired, isValidJWTFormat } from './utils.js';

// --- JWE --- (owner: helper "jwe"; compact and JSON serialization, key management, content encryption)
export {
  createJWEDecrypter, createJWEEncrypter, decryptCompact, encryptCompact, keyManagementAlgorithmsForKey,
  type ContentEncryptionAlgorithm, type JWEDecryptOptions, type JWEDecryptResult, type JWEEncryptOptions, type JWEHeader,
  type JWEKey, type JWEKeyResolver, type KeyManagementAlgorithm,
} from './jwe/jwe.js';
export { decryptJSON, encryptJSON, type FlattenedJWE, type GeneralJWE, type JWEJSONDecryptResult, type JWEJSONEncryptOptions, type JWERecipient } from './jwe/jwe-json.js';
export { CONTENT_ENCRYPTION_ALGORITHMS } from './jwe/content.js';
export { KEY_MANAGEMENT_ALGORITHMS } from './jwe/key-management.js';

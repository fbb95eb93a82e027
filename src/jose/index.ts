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
} from './keys.js';
export {
  DEFAULT_MAX_TOKEN_SIZE, createJWSSigner, createJWSVerifier, signCompact, verifyCompact,
  type CompactVerifyResult, type JWSHeader, type JWSSignerOptions, type JWSVerifyOptions, type VerifyKey,
} from './jws.js';
export { signJSON, verifyJSON, type FlattenedJWS, type GeneralJWS, type JSONSigner, type JSONVerifyResult, type JWSJSONSignature } from './jws-json.js';
export {
  buildClaims, createJWTSigner, createJWTVerifier, decodeJWT, normalizeTyp, parseDuration, signJWT, verifyJWT,
  type JWTClaims, type JWTClaimsOptions, type JWTSignOptions, type JWTSignerOptions, type JWTVerifyOptions, type JWTVerifyResult,
} from './jwt.js';
export { generateRandomToken, getTokenExpirationTime, getTokenSubject, hashSHA256, isTokenExpired, isValidJWTFormat } from './utils.js';

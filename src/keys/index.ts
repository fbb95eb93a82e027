/**
 * Keys: KeyRing (rotation, grace period, JWKS, persistence) and remote JWKS for verifiers.
 */
export { KeyRing, type AddKeyOptions, type KeyInfo, type KeyRingOptions, type KeyState, type KeyUse, type RingVerifyOptions, type RotateOptions, type SigningKeyInfo } from './key-ring.js';
export { loadKeyRing, saveKeyRing, type SavedKeyRing } from './ring-storage.js';
export type { StorageKey } from './sealed-json.js';
export { fetchJWKS, isJWKS, parseCacheControlMaxAge, type FetchJWKSOptions, type FetchedJWKS, type JWKS } from './jwks-fetch.js';
export { ImportedJWKS, createLocalJWKSet, type KeySelector } from './jwks-select.js';
export { RemoteJWKSet, createRemoteJWKSet, type RemoteJWKSOptions, type RemoteJWKSStats } from './remote-jwks.js';
export { createRemoteJWTVerifier, verifyJWTWithRemoteJWKS } from './remote-verify.js';

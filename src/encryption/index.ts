/**
 * `cjwt/encryption`: token encryption with managed keys (JWE `dir`), multi-signature with
 * policies (JWS General JSON), and secure tokens (signed, then encrypted).
 */
export {
  AES256CBC, AES256GCM, ChaCha20Poly1305, DEFAULT_NONCE_USAGE_LIMIT, ENCRYPTION_ALGORITHMS, Ed25519, ES256, HS256, RS256, SIGNATURE_ALGORITHMS,
  XChaCha20Poly1305, type EncryptionAlgorithm, type SignatureAlgorithm,
} from './algorithms.js';
export { encodeEncryptionContext, type EncryptionContext } from './context.js';
export type { EncryptedTokenFields } from './jwe-format.js';
export type { AddEncryptionKeyOptions, EncryptionKeyInfo, KeyStatus } from './keyset.js';
export type { SavedKeyset } from './keyset-storage.js';
export {
  EncryptionManager, type DecryptTokenRequest, type DecryptTokenResponse, type EncryptionManagerConfig, type EncryptTokenRequest,
  type EncryptTokenResponse,
} from './encryption-manager.js';
export {
  AllSignersPolicy, RoleBasedPolicy, ThresholdPolicy, WeightedPolicy, type PolicyOutcome, type SignaturePolicy, type SignaturePolicyType,
} from './policy.js';
export type { Signer, SignerInfo } from './signers.js';
export {
  MultiSignatureManager, type MultiSignatureManagerConfig, type MultiSignatureRequest, type MultiSignatureResponse, type SignerResult,
  type VerifyMultiSignatureRequest, type VerifyMultiSignatureResponse,
} from './multi-signature-manager.js';
export {
  SecureTokenManager, type SecureToken, type SecureTokenManagerConfig, type SecureTokenRequest, type SecureTokenResponse,
  type VerifySecureTokenRequest, type VerifySecureTokenResponse,
} from './secure-token-manager.js';

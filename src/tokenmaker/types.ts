/**
 * The TokenMaker's configuration and its one result type across token kinds (seed:
 * `TokenMakerConfig`, `TokenRequest`).
 */
import type { CjwtError } from '../jose/index.js';
import type { JWTManager, JWTManagerInit } from '../jwt/index.js';
import type { OpaqueTokenManager, OpaqueTokenManagerOptions } from '../opaque/index.js';
import type { SecureTokenManager, SecureTokenManagerConfig, SignaturePolicy, Signer } from '../encryption/index.js';
import type { TokenStore } from '../store/index.js';

/** The token kinds. */
export type TokenKind = 'jwt' | 'opaque' | 'nested' | 'secure';

/** Secure tokens: the manager (or its configuration) and who signs under which policy. */
export interface SecureKindConfig {
  manager?: SecureTokenManager;
  config?: SecureTokenManagerConfig;
  /** Default: one generated ES256 signer, `tokenmaker`. */
  signers?: Signer[];
  /** Default: threshold 1. */
  signaturePolicy?: SignaturePolicy;
}

/** Configuration of a TokenMaker. `false` turns a kind off; `true` takes its defaults. */
export interface TokenMakerConfig {
  /** Signed JWTs. Default on, with a generated key. */
  jwt?: JWTManager | JWTManagerInit | boolean;
  /** Opaque server-side tokens. Default on, in memory. */
  opaque?: OpaqueTokenManager | OpaqueTokenManagerOptions | boolean;
  /** Signed, then encrypted JWTs (JWE compact). Off unless given; `true` encrypts with a generated `dir` key. */
  nested?: JWTManager | JWTManagerInit | boolean;
  /** Multi-signed, then encrypted tokens (cjwt/encryption). Off unless given. */
  secure?: SecureTokenManager | SecureKindConfig | boolean;
  /**
   * Where revocations of JWT, nested and secure tokens are kept, by token id (`jti`). Default: a
   * new in-memory store (give a shared store when several servers verify).
   */
  revocationStore?: TokenStore;
}

/** Request of `generateToken` (seed: `TokenRequest`). */
export interface TokenMakerRequest {
  type: TokenKind;
  userId: string;
  /** Absolute expiry: a Date or epoch seconds. */
  expiresAt?: Date | number;
  /** Lifetime instead of `expiresAt`: seconds or `'15m'`. */
  ttl?: number | string;
  customData?: Record<string, unknown>;
  scope?: string[];
  clientId?: string;
}

/** An issued token, whatever its kind. */
export interface TokenMakerResponse {
  type: TokenKind;
  token: string;
  /** `jti` of a JWT, record id of an opaque token, `tokenId` of a secure token. */
  tokenId: string;
  userId: string;
  scope: string[];
  clientId?: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** A token that validated, whatever its kind. */
export interface ValidTokenMakerToken {
  valid: true;
  type: TokenKind;
  tokenId: string;
  userId: string;
  scope: string[];
  clientId?: string;
  customData: Record<string, unknown>;
  issuedAt: Date;
  expiresAt: Date;
}

/** A refused token; `type` is the kind its shape suggested. */
export interface InvalidTokenMakerToken {
  valid: false;
  type: TokenKind;
  error: CjwtError;
}

/** Result of `validateToken`. */
export type TokenMakerValidation = ValidTokenMakerToken | InvalidTokenMakerToken;

/** Result of `revokeToken`. */
export type TokenMakerRevocation =
  | { success: true; type: TokenKind; tokenId: string; revokedAt: Date }
  | { success: false; type: TokenKind; error: CjwtError };

/**
 * TokenMaker (seed: `NewTokenMaker`, `GenerateToken`, `ValidateToken`): one interface over the
 * token kinds. `validateToken` recognises the kind by the token's shape (JWE JSON text: secure;
 * five segments: nested; three: JWT; anything else: opaque) and dispatches to its manager, which
 * alone decides; the result has one type across kinds. Stateless kinds (JWT, nested, secure) are
 * revoked by token id in a TokenStore, as DESIGN.md asks (never by the token's bytes).
 */
import { randomBytes } from 'node:crypto';
import { JWTInvalid, TokenError, TokenKindNotConfigured, type CjwtError, type JWTClaims } from '../jose/index.js';
import { JWTManager, type JWTManagerInit } from '../jwt/index.js';
import { OpaqueTokenManager, type OpaqueTokenManagerOptions } from '../opaque/index.js';
import { ES256, SecureTokenManager, ThresholdPolicy, type SignaturePolicy, type Signer } from '../encryption/index.js';
import { MemoryTokenStore, type TokenStore } from '../store/index.js';
import type {
  SecureKindConfig, TokenKind, TokenMakerConfig, TokenMakerRequest, TokenMakerResponse, TokenMakerRevocation, TokenMakerValidation,
  ValidTokenMakerToken,
} from './types.js';

/** The kind a token's shape says it is. The kind's manager still decides whether it is one. */
export function tokenKindOf(token: string): TokenKind {
  if (token.startsWith('{')) return 'secure';
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1 && dots < 5; i = token.indexOf('.', i + 1)) dots++;
  if (dots === 4) return 'nested';
  if (dots === 2) return 'jwt';
  return 'opaque';
}

function buildJWT(value: JWTManager | JWTManagerInit | boolean | undefined, nested: boolean): JWTManager | undefined {
  if (value === false || (value === undefined && nested)) return undefined;
  if (value instanceof JWTManager) return value;
  let init: JWTManagerInit = value === true || value === undefined ? {} : value;
  if (nested && init.encryption === undefined) init = { ...init, encryption: { key: randomBytes(32) } };
  return new JWTManager(init);
}

function buildOpaque(value: OpaqueTokenManager | OpaqueTokenManagerOptions | boolean | undefined): OpaqueTokenManager | undefined {
  if (value === false) return undefined;
  if (value instanceof OpaqueTokenManager) return value;
  return new OpaqueTokenManager(value === true || value === undefined ? {} : value);
}

interface SecureKind {
  manager: SecureTokenManager;
  signers: Signer[];
  signaturePolicy: SignaturePolicy;
}

function buildSecure(value: SecureTokenManager | SecureKindConfig | boolean | undefined): SecureKind | undefined {
  if (value === undefined || value === false) return undefined;
  const config: SecureKindConfig = value === true ? {} : value instanceof SecureTokenManager ? { manager: value } : value;
  return {
    manager: config.manager ?? new SecureTokenManager(config.config),
    signers: config.signers ?? [{ id: 'tokenmaker', algorithm: ES256 }],
    signaturePolicy: config.signaturePolicy ?? { type: ThresholdPolicy, requiredSignatures: 1 },
  };
}

/** The claims a JWT carries for the TokenMaker besides the registered ones. */
function jwtCustomClaims(request: TokenMakerRequest): Record<string, unknown> {
  const claims: Record<string, unknown> = { ...request.customData };
  if (request.scope !== undefined) claims.scope = request.scope.join(' ');
  if (request.clientId !== undefined) claims.client_id = request.clientId;
  return claims;
}

/** The secure token's payload: the same facts as a JWT's claims, as JSON. */
interface SecurePayload {
  sub: string;
  scope?: string[];
  client_id?: string;
  data?: Record<string, unknown>;
}

function refused(type: TokenKind, error: CjwtError): TokenMakerValidation {
  return { valid: false, type, error };
}

/**
 * Issues, validates and revokes every token kind through one interface.
 *
 * @example
 * const tm = new TokenMaker({ jwt: { key: privateKey } });
 * const { token } = await tm.generateToken({ type: 'jwt', userId: 'user123', ttl: '1h', customData: { role: 'admin' } });
 * const result = await tm.validateToken(token); // { valid: true, type: 'jwt', userId: 'user123', ... }
 */
export class TokenMaker {
  private readonly jwt: JWTManager | undefined;
  private readonly nested: JWTManager | undefined;
  private readonly opaque: OpaqueTokenManager | undefined;
  private readonly secure: SecureKind | undefined;
  private readonly revocations: TokenStore;
  private readonly ownsRevocations: boolean;

  constructor(config: TokenMakerConfig = {}) {
    this.jwt = buildJWT(config.jwt, false);
    this.nested = buildJWT(config.nested, true);
    this.opaque = buildOpaque(config.opaque);
    this.secure = buildSecure(config.secure);
    this.ownsRevocations = config.revocationStore === undefined;
    this.revocations = config.revocationStore ?? new MemoryTokenStore();
  }

  /** The JWT manager (undefined when JWTs are off). */
  getJWTManager(): JWTManager | undefined {
    return this.jwt;
  }

  /** The opaque token manager (undefined when opaque tokens are off). */
  getOpaqueManager(): OpaqueTokenManager | undefined {
    return this.opaque;
  }

  /** The nested (signed, then encrypted) JWT manager. */
  getNestedManager(): JWTManager | undefined {
    return this.nested;
  }

  /** The secure token manager. */
  getSecureManager(): SecureTokenManager | undefined {
    return this.secure?.manager;
  }

  private unavailable(type: unknown): TokenKindNotConfigured {
    return new TokenKindNotConfigured(`token kind ${typeof type === 'string' ? `"${type.slice(0, 16)}"` : ''} is not configured`);
  }

  /**
   * Issues a token of the requested kind.
   *
   * @throws {TokenKindNotConfigured} for a kind this maker was not configured for.
   * @throws the kind's own errors for a bad request; {StorageError} when a store fails.
   */
  async generateToken(request: TokenMakerRequest): Promise<TokenMakerResponse> {
    const scope = request.scope ?? [];
    const base = { userId: request.userId, scope, ...(request.clientId === undefined ? {} : { clientId: request.clientId }) };
    switch (request.type) {
      case 'jwt':
      case 'nested': {
        const manager = request.type === 'jwt' ? this.jwt : this.nested;
        if (manager === undefined) throw this.unavailable(request.type);
        const out = await manager.generateToken({
          subject: request.userId, customClaims: jwtCustomClaims(request),
          ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }), ...(request.ttl === undefined ? {} : { expiresIn: request.ttl }),
        });
        return { type: request.type, token: out.token, tokenId: out.jwtId, ...base, issuedAt: out.issuedAt, expiresAt: out.expiresAt };
      }
      case 'opaque': {
        if (this.opaque === undefined) throw this.unavailable('opaque');
        const out = await this.opaque.generateToken({
          userId: request.userId, scope, clientId: request.clientId, customData: request.customData, expiresAt: request.expiresAt, ttl: request.ttl,
        });
        return { type: 'opaque', token: out.token, tokenId: out.id, ...base, issuedAt: out.issuedAt, expiresAt: out.expiresAt };
      }
      case 'secure': {
        if (this.secure === undefined) throw this.unavailable('secure');
        const payload: SecurePayload = { sub: request.userId, scope, ...(request.clientId === undefined ? {} : { client_id: request.clientId }), data: request.customData ?? {} };
        const expiresAt = typeof request.expiresAt === 'number' ? request.expiresAt * 1000 : request.expiresAt;
        const { encryptedToken } = this.secure.manager.createSecureToken({
          tokenData: JSON.stringify(payload), signers: this.secure.signers, signaturePolicy: this.secure.signaturePolicy,
          ...(expiresAt === undefined ? {} : { expiresAt }), ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
        });
        return { type: 'secure', token: encryptedToken.token, tokenId: encryptedToken.tokenId, ...base, issuedAt: encryptedToken.issuedAt, expiresAt: encryptedToken.expiresAt };
      }
      default:
        throw this.unavailable(request.type);
    }
  }

  /**
   * Validates a token of any kind, recognised by its shape. An invalid token is a result; a store
   * failure rejects with StorageError (never "valid").
   */
  async validateToken(token: string): Promise<TokenMakerValidation> {
    if (typeof token !== 'string') return refused('opaque', new TokenError('ERR_TOKEN_MALFORMED', 'token must be a string'));
    const type = tokenKindOf(token);
    const result = await this.validateByKind(type, token);
    if (!result.valid || type === 'opaque') return result;
    // Stateless kinds: a revocation recorded by token id wins over a valid signature.
    if (await this.revocations.isRevoked(result.tokenId)) return refused(type, new TokenError('ERR_TOKEN_REVOKED', 'token has been revoked'));
    return result;
  }

  private async validateByKind(type: TokenKind, token: string): Promise<TokenMakerValidation> {
    switch (type) {
      case 'jwt':
      case 'nested': {
        const manager = type === 'jwt' ? this.jwt : this.nested;
        if (manager === undefined) return refused(type, this.unavailable(type));
        const out = await manager.verifyToken(token);
        if (!out.valid) return refused(type, out.error);
        return this.fromClaims(type, out.claims, out.customClaims);
      }
      case 'opaque': {
        if (this.opaque === undefined) return refused(type, this.unavailable(type));
        const out = await this.opaque.validateToken(token);
        if (!out.valid) return refused(type, out.error);
        const info = out.tokenInfo;
        return {
          valid: true, type, tokenId: info.id, userId: info.userId, scope: info.scope, ...(info.clientId === undefined ? {} : { clientId: info.clientId }),
          customData: info.customData ?? {}, issuedAt: info.issuedAt, expiresAt: info.expiresAt,
        };
      }
      case 'secure': {
        if (this.secure === undefined) return refused(type, this.unavailable(type));
        const out = this.secure.manager.verifySecureToken({ encryptedToken: token });
        if (!out.valid) return refused(type, out.error);
        let payload: SecurePayload;
        try {
          payload = JSON.parse(out.tokenData.toString('utf8')) as SecurePayload;
          if (payload === null || typeof payload !== 'object' || typeof payload.sub !== 'string') throw new Error('shape');
        } catch {
          return refused(type, new JWTInvalid('the secure token does not hold a TokenMaker payload'));
        }
        return {
          valid: true, type, tokenId: out.tokenId, userId: payload.sub, scope: Array.isArray(payload.scope) ? payload.scope : [],
          ...(typeof payload.client_id === 'string' ? { clientId: payload.client_id } : {}), customData: payload.data ?? {},
          issuedAt: out.issuedAt, expiresAt: out.expiresAt,
        };
      }
    }
  }

  private fromClaims(type: TokenKind, claims: JWTClaims, custom: Record<string, unknown>): TokenMakerValidation {
    const { scope, client_id: clientId, ...customData } = custom;
    if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
      return refused(type, new JWTInvalid('the token lacks jti, sub or exp'));
    }
    const valid: ValidTokenMakerToken = {
      valid: true, type, tokenId: claims.jti, userId: claims.sub, scope: typeof scope === 'string' && scope.length > 0 ? scope.split(' ') : [],
      customData, issuedAt: new Date((typeof claims.iat === 'number' ? claims.iat : 0) * 1000), expiresAt: new Date(claims.exp * 1000),
    };
    if (typeof clientId === 'string') valid.clientId = clientId;
    return valid;
  }

  /**
   * Revokes a token of any kind. Only a token that validates can be revoked (so the store holds
   * no records for junk); a second revocation reports `ERR_TOKEN_ALREADY_REVOKED`.
   */
  async revokeToken(token: string, reason?: string): Promise<TokenMakerRevocation> {
    const type = typeof token === 'string' ? tokenKindOf(token) : 'opaque';
    if (type === 'opaque' && this.opaque !== undefined) {
      const out = await this.opaque.revokeToken(token, reason);
      return out.success ? { success: true, type, tokenId: out.id, revokedAt: out.revokedAt } : { success: false, type, error: out.error };
    }
    const valid = await this.validateToken(token);
    if (!valid.valid) {
      const error = valid.error.code === 'ERR_TOKEN_REVOKED' ? new TokenError('ERR_TOKEN_ALREADY_REVOKED', 'token was already revoked') : valid.error;
      return { success: false, type, error };
    }
    const now = Date.now();
    await this.revocations.put({
      id: valid.tokenId, kind: type, subject: valid.userId, scope: valid.scope, issuedAt: valid.issuedAt.getTime(), expiresAt: valid.expiresAt.getTime(),
      ...(valid.clientId === undefined ? {} : { clientId: valid.clientId }),
    }, { now });
    const out = await this.revocations.revoke(valid.tokenId, reason, { now });
    if (!out.revoked) return { success: false, type, error: new TokenError('ERR_TOKEN_ALREADY_REVOKED', 'token was already revoked') };
    return { success: true, type, tokenId: valid.tokenId, revokedAt: new Date(out.revokedAt) };
  }

  /** Closes the managers and stores this maker created. */
  async close(): Promise<void> {
    this.secure?.manager.close();
    await this.opaque?.close();
    if (this.ownsRevocations) await this.revocations.close();
  }
}


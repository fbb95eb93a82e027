/**
 * `cjwt/server`: the token service (`cjwt serve`) as a library: login, refresh with rotation,
 * logout, sessions, introspection, revocation and JWKS over HTTP, on any token store.
 * @packageDocumentation
 */
export { createTokenService, type TokenService, type TokenServiceOptions } from './service.js';
export { resolveServiceConfig, envName, DEFAULT_CONFIG, type ResolvedServiceConfig, type TokenServiceConfig } from './config.js';
export { hashPassword, verifyPassword, isPasswordHash, type PasswordHashCost } from './passwords.js';
export { Accounts, ADMIN_SCOPES, type Authenticate, type AuthenticatedUser, type AuthenticatedClient, type InitialCredentials } from './accounts.js';
export { SessionAuthority, tokenHash, deriveLifecycleSecret, type TokenPair, type RefreshSession, type SessionAuthorityOptions, type SessionLifetimes } from './authority.js';
export { parseMasterKey, type UsersFile, type StoredUser, type StoredClient } from './data-dir.js';
export { HttpError } from './errors.js';

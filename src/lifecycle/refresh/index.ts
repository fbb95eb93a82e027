/**
 * Access/refresh pairs with refresh-token rotation and reuse detection (RFC 9700 §4.14.2):
 * {@link TokenPairIssuer}. Re-exported by `cjwt/lifecycle`.
 * @packageDocumentation
 */
export { TokenPairIssuer } from './token-pair-issuer.js';
export type { Duration, IssueTokenPairInput, RefreshSession, RevocationOutcome, TokenPair, TokenPairIssuerOptions } from './types.js';
export { RefreshFamilyExpired, RefreshTokenReused } from '../../jose/errors.js';

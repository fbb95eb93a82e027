/**
 * `cjwt/opaque`: opaque server-side tokens. A token is `<prefix>_<random base62><checksum>`,
 * stored only as its SHA-256; the format is checked in memory before any store call.
 * @packageDocumentation
 */
export { createOpaqueTokenFormat, DEFAULT_OPAQUE_LENGTH, DEFAULT_OPAQUE_PREFIX, MAX_OPAQUE_LENGTH, MIN_OPAQUE_LENGTH } from './token-format.js';
export type { OpaqueTokenFormat, OpaqueTokenFormatOptions } from './token-format.js';
export { OpaqueTokenManager } from './manager.js';
export { OPAQUE_KIND } from './records.js';
export type {
  InvalidOpaqueToken, OpaqueTokenFilter, OpaqueTokenList, OpaqueTokenManagerOptions, OpaqueTokenPage, OpaqueTokenRequest,
  OpaqueTokenResponse, RevokeTokenResult, TokenFacts, TokenInfo, TokenReference, ValidOpaqueToken, ValidateRequest, ValidateResult,
} from './types.js';
export { TokenEvents } from '../lifecycle/events.js';
export type { TokenEventMap, TokenEventName } from '../lifecycle/events.js';

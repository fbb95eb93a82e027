/**
 * `cjwt/lifecycle`: what every token manager shares: events, the validation chain, the claims
 * cache, metrics and the audit log. One export line per module.
 * @packageDocumentation
 */
export { TokenEvents, type TokenEventBase, type TokenEventListener, type TokenEventMap, type TokenEventName } from './events.js';
export { ValidationChain, claimsOfRecord, type ValidatableClaims, type ValidationChainOptions, type ValidationFailure, type ValidationResult, type ValidationRule } from './validation-chain.js';
export { ClaimsCache, claimsCacheKey, type CachedClaims, type ClaimsCacheOptions, type ClaimsCacheStats } from './claims-cache.js';
export { TokenMetrics, type LatencySummary, type MetricsSnapshot } from './metrics.js';
export { LatencyHistogram } from './latency-histogram.js';
export { AuditLog, type AuditAction, type AuditEntry, type AuditLogOptions, type AuditQuery, type AuditSink } from './audit.js';
export { subscribeAuditLog } from './audit-events.js';
export { ValidationFailed, TokenRevoked, TokenAlreadyRevoked, MaxSessionsExceeded, NoRevocationStore } from '../jose/errors.js';

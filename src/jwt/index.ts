/**
 * JWTManager and its companions: metrics, audit log, token chunking and cookie chunks.
 * Metrics and the audit log live in src/lifecycle/ (the layer DESIGN.md gives them, so the
 * opaque-token manager can share them) and are re-exported here.
 */
export { JWTManager, type ManagerKeyInfo } from './manager.js';
export type {
  EncryptionKeyInput, GenerateTokenOptions, GeneratedToken, InvalidTokenResult, JWTManagerConfig, JWTManagerInit, KeyInput, TokenEncryptionConfig,
  ValidTokenResult, VerifyTokenResult,
} from './types.js';
export { InvalidToken, ValidToken } from './verify-result.js';
export { REGISTERED_CLAIMS } from './token-claims.js';
export { chunkToken, reassembleToken, tokenChunkId, type TokenChunks } from './chunking.js';
export { fromCookieChunks, staleCookieChunks, toCookieChunks, type CookieChunk } from './cookie-chunks.js';
export { AuditLog, type AuditAction, type AuditEntry, type AuditLogOptions, type AuditQuery, type AuditSink } from '../lifecycle/audit.js';
export { TokenMetrics, type LatencySummary, type MetricsSnapshot } from '../lifecycle/metrics.js';
export { LatencyHistogram } from '../lifecycle/latency-histogram.js';

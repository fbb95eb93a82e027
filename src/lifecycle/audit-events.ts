/**
 * The audit log as a listener of the token events: one call makes an AuditLog record what any
 * manager sharing the emitter does (issue, validate, reject, revoke, refresh, reuse, evictions,
 * refused logins). Entries carry the token id and subject only; an event never holds a token.
 *
 * JWTManager records its own facts into its own AuditLog directly (cheaper on the verify path);
 * this is for an application-wide log fed by several managers.
 */
import type { AuditAction, AuditLog } from './audit.js';
import type { TokenEventMap, TokenEventName, TokenEvents } from './events.js';

/** Audit action and outcome of each event. */
const ACTIONS: { [K in TokenEventName]: [AuditAction, 'success' | 'failure'] } = {
  'token.issued': ['generate', 'success'],
  'token.validated': ['verify', 'success'],
  'token.rejected': ['verify', 'failure'],
  'token.revoked': ['revoke', 'success'],
  'token.refreshed': ['refresh', 'success'],
  'refresh.reuse_detected': ['refresh', 'failure'],
  'session.evicted': ['session_evict', 'success'],
  'session.limit_exceeded': ['session_limit', 'failure'],
};

/** The reason an entry names for an event: the error code, the revocation reason, or the event itself. */
function reasonOf(name: TokenEventName, event: TokenEventMap[TokenEventName]): string | undefined {
  if ('code' in event) return event.code;
  if (name === 'refresh.reuse_detected') return 'ERR_REFRESH_TOKEN_REUSED';
  if (name === 'session.limit_exceeded') return 'ERR_MAX_SESSIONS_EXCEEDED';
  if ('reason' in event && typeof event.reason === 'string') return event.reason;
  return undefined;
}

/**
 * Subscribes `log` to every event of `events`; returns a function that unsubscribes.
 *
 * @example
 * const events = new TokenEvents();
 * const audit = new AuditLog({ capacity: 10_000, sink: process.stdout });
 * subscribeAuditLog(events, audit);
 * const manager = new JWTManager({ key, events, store });
 */
export function subscribeAuditLog(events: TokenEvents, log: AuditLog): () => void {
  const offs = (Object.keys(ACTIONS) as TokenEventName[]).map((name) => {
    const [action, outcome] = ACTIONS[name];
    return events.on(name, (event) => {
      log.add(event.time, action, outcome, event.tokenId, event.subject, reasonOf(name, event as TokenEventMap[TokenEventName]));
    });
  });
  return () => { for (const off of offs) off(); };
}

/**
 * Token lifecycle events: one typed emitter shared by every manager (JWTManager,
 * OpaqueTokenManager, the refresh-token rotation, the service), so an application, the audit log
 * and the metrics subscribe in one place.
 *
 * Events carry ids and short hash prefixes only, never a whole token, a secret or a key: they are
 * meant to be logged. A listener that throws is reported to the `listenerError` handler and never
 * changes the outcome of the operation that emitted the event.
 */
import { EventEmitter } from 'node:events';

/** Fields every event has. */
export interface TokenEventBase {
  /** Epoch milliseconds. */
  time: number;
  /** Which token kind the event is about: `access`, `refresh`, `opaque`, `jwt`, ... */
  kind?: string;
  /** The token's id (`jti` or the record id). */
  tokenId?: string;
  /** The user. */
  subject?: string;
  clientId?: string;
  /** Refresh-token family (one login). */
  familyId?: string;
  /** The first 8 characters of the token's SHA-256 (base64url), when no id is known. */
  hashPrefix?: string;
}

/** The events and their payloads. */
export interface TokenEventMap {
  'token.issued': TokenEventBase;
  'token.validated': TokenEventBase;
  /** `code` is the error code that refused the token, e.g. `ERR_TOKEN_REVOKED`. */
  'token.rejected': TokenEventBase & { code: string };
  'token.revoked': TokenEventBase & { reason?: string; count?: number };
  /** `parentId` is the refresh token that was consumed. */
  'token.refreshed': TokenEventBase & { parentId?: string };
  /** A consumed refresh token was presented again; the family was revoked. */
  'refresh.reuse_detected': TokenEventBase & { revoked: number };
  /** Sessions revoked to make room for a new one (`evict-oldest`). */
  'session.evicted': TokenEventBase & { evicted: string[] };
  /** A new session was refused: the subject already has `live` sessions. */
  'session.limit_exceeded': TokenEventBase & { live: number; max: number };
}

/** An event name. */
export type TokenEventName = keyof TokenEventMap;

/** A listener of one event. */
export type TokenEventListener<K extends TokenEventName> = (event: Readonly<TokenEventMap[K]>) => void;

/**
 * A typed emitter of {@link TokenEventMap}. Emitting is cheap when nobody listens (one map
 * lookup), so managers emit unconditionally.
 *
 * @example
 * const events = new TokenEvents();
 * events.on('refresh.reuse_detected', (e) => alert(`family ${e.familyId} of ${e.subject} reused`));
 */
export class TokenEvents {
  private readonly emitter = new EventEmitter();
  private readonly onListenerError: (err: unknown, event: TokenEventName) => void;

  /** @param onListenerError receives what a listener threw; default: ignored. */
  constructor(onListenerError: (err: unknown, event: TokenEventName) => void = () => {}) {
    this.onListenerError = onListenerError;
    // Many managers and middlewares may share one emitter; the default limit of 10 is a false alarm.
    this.emitter.setMaxListeners(0);
  }

  /** Subscribes to one event; returns a function that unsubscribes. */
  on<K extends TokenEventName>(event: K, listener: TokenEventListener<K>): () => void {
    this.emitter.on(event, listener as (e: unknown) => void);
    return () => { this.emitter.off(event, listener as (e: unknown) => void); };
  }

  /** Subscribes to one event for its next occurrence only. */
  once<K extends TokenEventName>(event: K, listener: TokenEventListener<K>): void {
    this.emitter.once(event, listener as (e: unknown) => void);
  }

  /** Removes a listener added with {@link on}. */
  off<K extends TokenEventName>(event: K, listener: TokenEventListener<K>): void {
    this.emitter.off(event, listener as (e: unknown) => void);
  }

  /** True when someone listens to `event` (lets callers skip building a payload). */
  has(event: TokenEventName): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  /** Delivers `payload` to the listeners of `event`, each isolated from the others' failures. */
  emit<K extends TokenEventName>(event: K, payload: TokenEventMap[K]): void {
    if (this.emitter.listenerCount(event) === 0) return;
    for (const listener of this.emitter.rawListeners(event) as Array<(e: unknown) => void>) {
      try {
        listener(payload);
      } catch (err) {
        try { this.onListenerError(err, event); } catch { /* the error handler itself failed: nothing left to tell */ }
      }
    }
  }
}

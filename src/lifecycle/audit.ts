/**
 * Audit log: a bounded in-memory ring buffer, optionally mirrored to a sink (a function or a
 * writable stream of JSON lines). Entries name the token by `jti` and `subject` only; callers
 * must never put a token, secret or key into an entry, and the log copies only the known fields
 * so a stray property cannot smuggle one in.
 */
import type { Writable } from 'node:stream';

/** What happened. Managers use these; other layers may add their own names. */
export type AuditAction = 'generate' | 'verify' | 'refresh' | 'rotate' | 'revoke' | (string & {});

/** One audit record. */
export interface AuditEntry {
  /** Epoch milliseconds. */
  time: number;
  action: AuditAction;
  outcome: 'success' | 'failure';
  /** The token's `jti`, when known. */
  jti?: string;
  /** The token's `sub`, when known (only from a verified or freshly issued token). */
  subject?: string;
  /** Error code of a failure, e.g. `ERR_JWT_EXPIRED`. */
  reason?: string;
  /** Key id involved (signing or rotation). */
  kid?: string;
}

/** Receives every entry as it is recorded. */
export type AuditSink = ((entry: Readonly<AuditEntry>) => void) | Writable;

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** Entries kept in memory; older ones are dropped. Default 1000; 0 keeps none. */
  capacity?: number;
  /** Also send each entry here: a function, or a stream receiving one JSON line per entry. */
  sink?: AuditSink;
}

/** Filter for {@link AuditLog.entries}. */
export interface AuditQuery {
  action?: AuditAction;
  outcome?: 'success' | 'failure';
  subject?: string;
  jti?: string;
  /** Entries at or after this time (epoch milliseconds). */
  since?: number;
}

function copyEntry(entry: AuditEntry): AuditEntry {
  const out: AuditEntry = { time: entry.time, action: entry.action, outcome: entry.outcome };
  if (entry.jti !== undefined) out.jti = entry.jti;
  if (entry.subject !== undefined) out.subject = entry.subject;
  if (entry.reason !== undefined) out.reason = entry.reason;
  if (entry.kid !== undefined) out.kid = entry.kid;
  return out;
}

/**
 * A bounded audit log.
 *
 * @example
 * const log = new AuditLog({ capacity: 100, sink: process.stdout });
 * log.record({ time: Date.now(), action: 'verify', outcome: 'failure', reason: 'ERR_JWT_EXPIRED' });
 * log.entries({ outcome: 'failure' }).length // 1
 */
export class AuditLog {
  private readonly buffer: Array<AuditEntry | undefined>;
  private next = 0;
  private stored = 0;
  private readonly sinkFn: ((entry: AuditEntry) => void) | undefined;
  /** Entries a throwing sink function failed to take (the log itself never throws). */
  sinkErrors = 0;

  constructor(options: AuditLogOptions = {}) {
    const capacity = options.capacity ?? 1000;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('audit capacity must be a non-negative integer');
    this.buffer = new Array<AuditEntry | undefined>(capacity);
    const sink = options.sink;
    if (typeof sink === 'function') this.sinkFn = sink;
    else if (sink !== undefined) this.sinkFn = (entry) => { sink.write(`${JSON.stringify(entry)}\n`); };
  }

  /** Maximum number of entries kept in memory. */
  get capacity(): number {
    return this.buffer.length;
  }

  /** Number of entries currently kept. */
  get size(): number {
    return this.stored;
  }

  /** Appends an entry (a copy of its known fields), dropping the oldest when full. */
  record(entry: AuditEntry): void {
    this.append(copyEntry(entry));
  }

  /**
   * Appends an entry the caller just built with only the {@link AuditEntry} fields, without
   * copying it (the hot path of managers). The log owns it afterwards.
   */
  append(copy: AuditEntry): void {
    if (this.buffer.length > 0) {
      this.buffer[this.next] = copy;
      this.next = (this.next + 1) % this.buffer.length;
      if (this.stored < this.buffer.length) this.stored += 1;
    }
    if (this.sinkFn !== undefined) {
      try {
        this.sinkFn(copy);
      } catch {
        // An audit sink must not turn a verification into a failure; the count makes it visible.
        this.sinkErrors += 1;
      }
    }
  }

  /** Kept entries, oldest first, optionally filtered. Returns copies. */
  entries(query: AuditQuery = {}): AuditEntry[] {
    const out: AuditEntry[] = [];
    const cap = this.buffer.length;
    for (let i = 0; i < this.stored; i++) {
      const entry = this.buffer[(this.next - this.stored + i + cap) % cap]!;
      if (query.action !== undefined && entry.action !== query.action) continue;
      if (query.outcome !== undefined && entry.outcome !== query.outcome) continue;
      if (query.subject !== undefined && entry.subject !== query.subject) continue;
      if (query.jti !== undefined && entry.jti !== query.jti) continue;
      if (query.since !== undefined && entry.time < query.since) continue;
      out.push(copyEntry(entry));
    }
    return out;
  }

  /** Drops every kept entry (the sink is not affected). */
  clear(): void {
    this.buffer.fill(undefined);
    this.next = 0;
    this.stored = 0;
  }
}

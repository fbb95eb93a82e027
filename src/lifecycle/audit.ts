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

function makeEntry(time: number, action: AuditAction, outcome: 'success' | 'failure', jti: string | undefined, subject: string | undefined, reason: string | undefined, kid: string | undefined): AuditEntry {
  const out: AuditEntry = { time, action, outcome };
  if (jti !== undefined) out.jti = jti;
  if (subject !== undefined) out.subject = subject;
  if (reason !== undefined) out.reason = reason;
  if (kid !== undefined) out.kid = kid;
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
  // Columns instead of one object per entry: recording allocates nothing (the strings already
  // exist), which keeps auditing cheap enough to leave on for every verification.
  private readonly times: Float64Array;
  private readonly actions: Array<AuditAction | undefined>;
  private readonly failures: Uint8Array;
  private readonly jtis: Array<string | undefined>;
  private readonly subjects: Array<string | undefined>;
  private readonly reasons: Array<string | undefined>;
  private readonly kids: Array<string | undefined>;
  private readonly cap: number;
  private next = 0;
  private stored = 0;
  private readonly sinkFn: ((entry: AuditEntry) => void) | undefined;
  /** Entries a throwing sink function failed to take (the log itself never throws). */
  sinkErrors = 0;

  constructor(options: AuditLogOptions = {}) {
    const capacity = options.capacity ?? 1000;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('audit capacity must be a non-negative integer');
    this.cap = capacity;
    this.times = new Float64Array(capacity);
    this.failures = new Uint8Array(capacity);
    this.actions = new Array<AuditAction | undefined>(capacity).fill(undefined);
    this.jtis = new Array<string | undefined>(capacity).fill(undefined);
    this.subjects = new Array<string | undefined>(capacity).fill(undefined);
    this.reasons = new Array<string | undefined>(capacity).fill(undefined);
    this.kids = new Array<string | undefined>(capacity).fill(undefined);
    const sink = options.sink;
    if (typeof sink === 'function') this.sinkFn = sink;
    else if (sink !== undefined) this.sinkFn = (entry) => { sink.write(`${JSON.stringify(entry)}\n`); };
  }

  /** Maximum number of entries kept in memory. */
  get capacity(): number {
    return this.cap;
  }

  /** Number of entries currently kept. */
  get size(): number {
    return this.stored;
  }

  /** Appends an entry (its known fields only), dropping the oldest when full. */
  record(entry: AuditEntry): void {
    this.add(entry.time, entry.action, entry.outcome, entry.jti, entry.subject, entry.reason, entry.kid);
  }

  /**
   * Appends an entry from its fields, without building an object (the hot path of managers).
   * Non-string ids are dropped rather than stored.
   */
  add(time: number, action: AuditAction, outcome: 'success' | 'failure', jti?: unknown, subject?: unknown, reason?: string, kid?: string): void {
    const j = typeof jti === 'string' ? jti : undefined;
    const sub = typeof subject === 'string' ? subject : undefined;
    if (this.cap > 0) {
      const i = this.next;
      this.times[i] = time;
      this.actions[i] = action;
      this.failures[i] = outcome === 'failure' ? 1 : 0;
      this.jtis[i] = j;
      this.subjects[i] = sub;
      this.reasons[i] = reason;
      this.kids[i] = kid;
      this.next = i + 1 === this.cap ? 0 : i + 1;
      if (this.stored < this.cap) this.stored += 1;
    }
    if (this.sinkFn !== undefined) {
      try {
        this.sinkFn(makeEntry(time, action, outcome, j, sub, reason, kid));
      } catch {
        // An audit sink must not turn a verification into a failure; the count makes it visible.
        this.sinkErrors += 1;
      }
    }
  }

  /** Kept entries, oldest first, optionally filtered. */
  entries(query: AuditQuery = {}): AuditEntry[] {
    const out: AuditEntry[] = [];
    const cap = this.cap;
    for (let n = 0; n < this.stored; n++) {
      const i = (this.next - this.stored + n + cap) % cap;
      const outcome = this.failures[i] === 1 ? 'failure' : 'success';
      if (query.action !== undefined && this.actions[i] !== query.action) continue;
      if (query.outcome !== undefined && outcome !== query.outcome) continue;
      if (query.subject !== undefined && this.subjects[i] !== query.subject) continue;
      if (query.jti !== undefined && this.jtis[i] !== query.jti) continue;
      if (query.since !== undefined && this.times[i]! < query.since) continue;
      out.push(makeEntry(this.times[i]!, this.actions[i]!, outcome, this.jtis[i], this.subjects[i], this.reasons[i], this.kids[i]));
    }
    return out;
  }

  /** Drops every kept entry (the sink is not affected). */
  clear(): void {
    for (const column of [this.actions, this.jtis, this.subjects, this.reasons, this.kids]) column.fill(undefined);
    this.next = 0;
    this.stored = 0;
  }
}

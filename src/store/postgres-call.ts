/**
 * Deadline, cancellation and error translation for {@link PostgresTokenStore} calls: every call
 * settles within its timeout (or when the caller's signal aborts) and every failure becomes a
 * StorageError whose detail is safe to log.
 */
import { CjwtError, StorageError, StoreConflict } from '../jose/errors.js';

/** What a pg or network error means, without values from the query. */
export function describePgError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; constraint?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  // Cut short: the detail is for logs, and a driver message should not carry a long value.
  const message = (typeof e?.message === 'string' ? e.message : String(err)).slice(0, 200);
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'connection timed out';
    case '57014': return 'statement timeout or cancelled';
    case '57P01': case '57P02': case '57P03': return 'server shutting down or unavailable';
    case '23505': return 'unique constraint violated';
    case '40P01': return 'deadlock detected';
    case '55P03': return 'lock wait timed out';
    case '42P01': return 'table missing (schema not migrated)';
    default:
      if (/timeout/i.test(message)) return `timeout: ${message}`;
      if (/terminat|closed|not queryable|ended/i.test(message)) return `connection lost: ${message}`;
      return code && /^[0-9A-Z]{5}$/.test(code) ? `server error ${code}: ${message}` : message;
  }
}

/** True for the unique violation of the hash index: a second record with the same token hash. */
export function isHashConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && typeof e.constraint === 'string' && e.constraint.endsWith('tokens_hash');
}

/** Context handed to an operation: `cancelled` turns true when the call's deadline or the caller's signal fires. */
export interface CallContext {
  readonly cancelled: boolean;
  /** Called once when the call is cancelled (deadline or abort): frees what the work holds. */
  onCancel: (() => void) | undefined;
}

/**
 * Runs `work` so that the returned promise settles within `timeoutMs` (when no caller signal is
 * given) or when `signal` aborts, whichever comes first; failures become StorageError (cjwt's
 * own typed errors pass through, a hash unique violation becomes StoreConflict). On cancel,
 * `ctx.onCancel` frees what the work holds (the store destroys the call's connection, so a hung
 * statement ends with it). No AbortController per call: this wraps the hot path.
 */
export function runCall<T>(
  op: string,
  key: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  work: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) {
    return Promise.reject(new StorageError({ op, key, detail: 'aborted', cause: signal.reason }));
  }
  const ctx: { cancelled: boolean; onCancel: (() => void) | undefined } = { cancelled: false, onCancel: undefined };
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (detail: string, cause: unknown): void => {
      if (settled) return;
      finish();
      ctx.cancelled = true;
      ctx.onCancel?.();
      reject(new StorageError({ op, key, detail, cause }));
    };
    const onAbort = (): void => fail('aborted', signal?.reason);
    if (signal === undefined) {
      timer = setTimeout(() => fail(`timed out after ${timeoutMs} ms`, new Error(`operation timed out after ${timeoutMs} ms`)), timeoutMs);
      // The socket keeps the process alive while I/O is pending; the timer alone should not.
      timer.unref();
    } else {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    let pending: Promise<T>;
    try {
      pending = work(ctx);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        if (settled) return;
        finish();
        resolve(value);
      },
      (err: unknown) => {
        // cjwt's own errors (bad input, conflicts) pass through unchanged.
        const typed = err instanceof CjwtError ? err : isHashConflict(err) ? new StoreConflict('another record already has this hash') : undefined;
        if (typed !== undefined) {
          if (settled) return;
          finish();
          ctx.cancelled = true;
          reject(typed);
          return;
        }
        fail(describePgError(err), err);
      },
    );
  });
}

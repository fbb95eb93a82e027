/**
 * Deadline, cancellation and error translation for {@link PostgresTokenStore} calls: every call
 * settles within its timeout (or when the caller's signal aborts) and every failure becomes a
 * StorageError whose detail is safe to log.
 */
import { CjwtError, StorageError, StoreConflict } from '../../jose/errors.js';
import { runStoreCall } from '../record-codec.js';

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
 * Runs `work` with the shared `runStoreCall` (settles within `timeoutMs` when no caller signal
 * is given, or when `signal` aborts). Failures of `work` are described with
 * {@link describePgError} (cjwt's own typed errors pass through, a hash unique violation becomes
 * StoreConflict). When the call gives up first, `ctx.onCancel` frees what the work holds (the
 * store destroys the call's connection, so a hung statement ends with it).
 */
export function runCall<T>(
  op: string,
  key: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  work: (ctx: CallContext) => Promise<T>,
): Promise<T> {
  const ctx: { cancelled: boolean; onCancel: (() => void) | undefined } = { cancelled: false, onCancel: undefined };
  const run = (): Promise<T> => work(ctx).catch((err: unknown) => {
    if (err instanceof CjwtError) throw err;
    if (isHashConflict(err)) throw new StoreConflict('another record already has this hash');
    throw new StorageError({ op, key, detail: describePgError(err), cause: err });
  });
  return runStoreCall(op, key, signal === undefined ? undefined : { signal }, timeoutMs, run).catch((err: unknown) => {
    // After work ended its own way, onCancel is unset; otherwise the call gave up on it.
    ctx.cancelled = true;
    ctx.onCancel?.();
    throw err;
  });
}

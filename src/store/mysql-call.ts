/**
 * Call plumbing for {@link MySqlTokenStore}: per-call deadline (signal or operationTimeoutMs),
 * and the translation of driver failures into StorageError with a loggable detail.
 */
import { CjwtError, StorageError } from '../jose/errors.js';

/** Keys in errors are shortened: a 10 KB id helps no log reader. */
export function errorKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

/** Driver error codes whose retry (whole transaction) is the documented remedy. */
export function isRetryableTransactionError(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === 1213 /* ER_LOCK_DEADLOCK */ || errno === 1205 /* ER_LOCK_WAIT_TIMEOUT */;
}

/** True for MySQL's duplicate-key error, optionally on the named key. */
export function isDuplicateKey(err: unknown, key?: string): boolean {
  const e = err as { errno?: unknown; message?: unknown } | null;
  if (e?.errno !== 1062) return false;
  if (key === undefined) return true;
  // MariaDB says "for key 'hash_digest'", MySQL 8 "for key 'table.hash_digest'".
  return typeof e.message === 'string' && new RegExp(`for key '(?:[^']*\\.)?${key}'`).test(e.message);
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; errno?: unknown } | null;
  if (typeof e?.code === 'string') return `mysql: ${e.code}`;
  if (typeof e?.errno === 'number') return `mysql: errno ${e.errno}`;
  return err instanceof Error ? `mysql: ${err.name}` : 'mysql: unknown failure';
}

/** Wraps anything thrown by the driver; cjwt's own errors pass through unchanged. */
export function toStorageError(op: string, key: string | undefined, err: unknown): CjwtError {
  if (err instanceof CjwtError) return err;
  if (err instanceof TypeError || err instanceof RangeError) {
    return new StorageError({ op, key: errorKey(key), detail: `invalid input: ${err.message}`, cause: err });
  }
  return new StorageError({ op, key: errorKey(key), detail: describe(err), cause: err });
}

/**
 * Runs `fn` under the caller's signal, or a timer of `timeoutMs` when there is none. `fn`
 * receives a signal that fires on either, so it can destroy a connection holding locks. The
 * returned promise settles at the deadline even if the driver is still waiting.
 */
export async function withDeadline<T>(
  op: string, key: string | undefined, signal: AbortSignal | undefined, timeoutMs: number,
  fn: (abort: AbortSignal) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) {
    throw new StorageError({ op, key: errorKey(key), detail: 'aborted', cause: signal.reason });
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (signal) {
      onAbort = () => {
        controller.abort(signal.reason);
        reject(new StorageError({ op, key: errorKey(key), detail: 'aborted', cause: signal.reason }));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    } else {
      timer = setTimeout(() => {
        const reason = new StorageError({ op, key: errorKey(key), detail: `timed out after ${timeoutMs} ms` });
        controller.abort(reason);
        reject(reason);
      }, timeoutMs);
    }
  });
  const work = fn(controller.signal);
  // The loser of the race must not surface as an unhandled rejection.
  work.catch(() => undefined);
  deadline.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } catch (err) {
    throw toStorageError(op, key, err);
  } finally {
    if (timer) clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

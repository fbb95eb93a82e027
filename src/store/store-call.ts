/**
 * Call plumbing shared by the backends: defaults, the abort/timeout race, and turning driver
 * failures into {@link StorageError} so no failure ever resolves to a default answer.
 */
import { CjwtError, StorageError, StoreInputInvalid } from '../jose/errors.js';
import type { StoreCallOptions, TokenStoreOptions } from './types.js';

/** How long a revocation outlives the token's expiry unless configured: 7 days. */
export const DEFAULT_REVOCATION_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Per-call timeout unless configured: 5 s. */
export const DEFAULT_OPERATION_TIMEOUT_MS = 5000;

/** {@link TokenStoreOptions} with every default applied. */
export interface ResolvedStoreOptions {
  revocationRetentionMs: number;
  operationTimeoutMs: number;
}

/** Applies the defaults and rejects nonsense (negative or non-finite times) with {@link StoreInputInvalid}. */
export function resolveStoreOptions(options: TokenStoreOptions = {}): ResolvedStoreOptions {
  const revocationRetentionMs = options.revocationRetentionMs ?? DEFAULT_REVOCATION_RETENTION_MS;
  const operationTimeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  if (typeof revocationRetentionMs !== 'number' || !Number.isFinite(revocationRetentionMs) || revocationRetentionMs < 0) {
    throw new StoreInputInvalid('revocationRetentionMs must be a non-negative number');
  }
  if (typeof operationTimeoutMs !== 'number' || !Number.isFinite(operationTimeoutMs) || operationTimeoutMs <= 0) {
    throw new StoreInputInvalid('operationTimeoutMs must be a positive number');
  }
  return { revocationRetentionMs, operationTimeoutMs };
}

/**
 * The time `cleanup(now, options)` deletes against: `now`, else `options.now`, else the clock.
 * Anything but a finite number is {@link StoreInputInvalid} (a NaN cutoff would delete nothing
 * and report success).
 * @example cleanupTime(undefined, { now: 1000 }) // 1000
 */
export function cleanupTime(now: unknown, options: StoreCallOptions | undefined): number {
  const at = now ?? callNow(options);
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new StoreInputInvalid('cleanup time must be a finite number');
  return Math.floor(at);
}

/**
 * The time a call evaluates liveness at, in whole milliseconds. Flooring a caller's `now` changes
 * no comparison against the whole-millisecond times of records, and keeps the times a call
 * writes (revokedAt, consumedAt) whole, as every backend can store them.
 */
export function callNow(options: StoreCallOptions | undefined): number {
  const now = options?.now;
  return now === undefined ? Date.now() : Math.floor(now);
}

// Keys are formatted from caller input before it is validated, so this must never throw: a value
// without a string form (Object.create(null)) would escape as a TypeError, not a typed error.
function keyText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return `<${typeof value}>`;
  }
}

/** A key for error messages that identifies a token hash without repeating it whole. */
export function hashKey(hash: string): string {
  return `hash:${keyText(hash).slice(0, 8)}…`;
}

/** A key for error messages: ids are not secrets, but a 10 KB id would drown the message. */
export function idKey(id: string): string {
  const text = keyText(id);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** The StorageError for a call whose signal had fired; the cause is the abort reason. */
export function abortedError(op: string, key: string | undefined, signal: AbortSignal): StorageError {
  return new StorageError({ op, key, detail: 'aborted', cause: signal.reason });
}

/**
 * Throws the StorageError of an already aborted signal (the check synchronous stores need).
 * `key` is formatted with {@link idKey} only then, so calls that go on pay nothing for it.
 */
export function throwIfAborted(op: string, key: string | undefined, options: StoreCallOptions | undefined): void {
  const signal = options?.signal;
  if (signal?.aborted) throw abortedError(op, key === undefined ? undefined : idKey(key), signal);
}

/**
 * Wraps any failure as a StorageError. cjwt's own typed errors (bad input, conflicts, earlier
 * StorageErrors) pass through unchanged. The detail names the driver's error code and message,
 * cut short, so it stays safe to log.
 */
export function toStorageError(op: string, key: string | undefined, err: unknown): CjwtError {
  if (err instanceof CjwtError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const detail = `${typeof code === 'string' ? `${code}: ` : ''}${message.slice(0, 200)}`;
  return new StorageError({ op, key, detail, cause: err });
}

/**
 * Runs one backend call under the caller's signal, or under `timeoutMs` when the caller gave
 * none. Rejects with a StorageError as soon as either fires (the I/O itself may still finish;
 * its late result is dropped), and wraps every driver failure with {@link toStorageError}.
 * @example
 * const row = await runStoreCall('get', id, options, this.timeoutMs, () => pool.query(sql, [id]));
 */
export function runStoreCall<T>(
  op: string,
  key: string | undefined,
  options: StoreCallOptions | undefined,
  timeoutMs: number,
  run: () => Promise<T>,
): Promise<T> {
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(abortedError(op, key, signal));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => finish(() => reject(abortedError(op, key, signal as AbortSignal)));
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal !== undefined) {
      signal.addEventListener('abort', onAbort, { once: true });
    } else {
      timer = setTimeout(() => finish(() => reject(new StorageError({ op, key, detail: `timed out after ${timeoutMs} ms` }))), timeoutMs);
      timer.unref?.();
    }
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (err) {
      finish(() => reject(toStorageError(op, key, err)));
      return;
    }
    pending.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(toStorageError(op, key, err))),
    );
  });
}

/** The StorageError every call after `close()` rejects with. */
export function closedError(op: string, backend: string): StorageError {
  return new StorageError({ op, detail: `${backend} store is closed` });
}

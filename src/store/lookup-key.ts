/**
 * Checks on the id or hash a lookup is given (get, getByHash, delete, revoke, isRevoked,
 * consume), shared by the backends so they answer alike.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import type { TokenFilter } from './types.js';

/**
 * True unless `value` holds a lone surrogate. Node 20 has String.prototype.isWellFormed, but
 * the compile target's lib (before ES2024) does not declare it.
 * @example isWellFormedString('\ud800') // false
 */
export function isWellFormedString(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Whether a lookup key can name a stored record: a non-string throws {@link StoreInputInvalid};
 * a string with a lone surrogate returns false, so the caller answers not-found before any I/O.
 * Records are validated on write, so none holds such a string, and drivers that encode to UTF-8
 * (ioredis, mysql2) would turn it into U+FFFD and reach a different record.
 * @example
 * if (!lookupable(id, 'id')) return undefined;
 */
export function lookupable(value: unknown, name: string): value is string {
  if (typeof value !== 'string') throw new StoreInputInvalid(`${name} must be a string`);
  return isWellFormedString(value);
}

/**
 * False when a (validated) filter names a string with a lone surrogate: records are validated on
 * write, so no stored string can equal it and the caller answers empty before any I/O.
 * @example filterCanMatch({ subject: '\ud800' }) // false
 */
export function filterCanMatch(filter: TokenFilter): boolean {
  const strings = [filter.subject, filter.clientId, filter.kind, filter.familyId, filter.deviceId,
    ...(filter.tags ?? []), ...Object.entries(filter.labels ?? {}).flat()];
  return strings.every((s) => s === undefined || isWellFormedString(s));
}

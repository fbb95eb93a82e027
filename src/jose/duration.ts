/**
 * Durations for token lifetimes and clock tolerances: a number of seconds, or a string such as
 * `'90s'`, `'15m'`, `'2h'`, `'7d'`, `'1w'`, `'1y'`.
 */
import { JoseError } from './errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
  m: 60, min: 60, mins: 60, minute: 60, minutes: 60,
  h: 3600, hr: 3600, hrs: 3600, hour: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
  w: 604800, week: 604800, weeks: 604800,
  y: 31557600, yr: 31557600, yrs: 31557600, year: 31557600, years: 31557600,
};

const DURATION = /^(\d+(?:\.\d+)?) *([a-z]*)$/i;

/**
 * Converts a duration to whole seconds (rounded). A bare number, or a numeric string without a
 * unit, is seconds.
 *
 * @throws {JoseError} (`ERR_JOSE_GENERIC`) for anything else, negative values included.
 * @example parseDuration('15m') // 900
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new JoseError('duration must be a non-negative finite number');
    return Math.round(input);
  }
  const match = typeof input === 'string' ? DURATION.exec(input.trim()) : null;
  const unit = match?.[2]?.toLowerCase() ?? '';
  const factor = unit === '' ? 1 : UNIT_SECONDS[unit];
  if (match === null || factor === undefined) throw new JoseError(`invalid duration "${String(input).slice(0, 40)}"`);
  // A long digit string parses to Infinity: as a clock tolerance it would accept any expired token.
  const seconds = Math.round(Number(match[1]) * factor);
  if (!Number.isFinite(seconds)) throw new JoseError('duration is too large');
  return seconds;
}

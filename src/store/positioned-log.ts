/**
 * The shape the SQL backends' revocation logs are read in: rows by ascending position.
 */
import type { RevocationEntry } from './revocation-log.js';

/** One log row: its position and the entry (undefined for a kind this code does not know). */
export interface PositionedEntry {
  position: number;
  entry: RevocationEntry | undefined;
}

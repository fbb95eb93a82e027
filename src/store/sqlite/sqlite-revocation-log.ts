/**
 * Reading SQLite's revocation log (migration 2) for the revocation feed, from another connection
 * to the same file (another process, typically).
 */
import type { Database } from 'better-sqlite3';
import { entryFromParts } from '../revocation-log.js';
import type { PositionedEntry } from '../positioned-log.js';

/** Up to `limit` log rows after `position`, in position order. */
export function readSqliteRevocationLog(db: Database, position: number, limit: number): PositionedEntry[] {
  const rows = db.prepare('SELECT position, kind, key, before, expires_at FROM cjwt_revocation_log WHERE position > ? ORDER BY position LIMIT ?')
    .all(position, limit) as Array<{ position: number; kind: string; key: string; before: number; expires_at: number }>;
  return rows.map((r) => ({ position: r.position, entry: entryFromParts(r.kind, r.key, r.before, r.expires_at) }));
}

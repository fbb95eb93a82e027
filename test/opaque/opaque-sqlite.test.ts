/**
 * The opaque-token flows on SQLite, one database file per flow; after each flow the file, its
 * WAL and every table hold no issued token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteTokenStore } from '../../src/store/index.js';
import { dumpSqlite } from './dumps.js';
import { runOpaqueScenarios } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-opaque-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

runOpaqueScenarios('sqlite', async () => {
  const file = join(dir, `flow-${++files}.db`);
  return { store: await SqliteTokenStore.open(file, { sweepIntervalMs: 0 }), dump: () => dumpSqlite(file) };
});

/** Cross-process races on one SQLite file shared by four worker processes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runConcurrencySuite } from './concurrency.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-sqlite-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runConcurrencySuite('sqlite', `sqlite:${join(dir, 'race.db')}`);

/** `revocation: 'feed'` on SQLite: a second process revokes through its own connection to the file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteTokenStore } from '../../../src/store/index.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-feed-mode-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'tokens.db');
runFeedModeSuite({
  name: 'sqlite', open: () => SqliteTokenStore.open(path, { sweepIntervalMs: 0 }), feedOptions: {}, workerUrl: `sqlite:${path}`, prefix: 'fm_',
});

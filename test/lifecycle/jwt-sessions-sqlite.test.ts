/** JWTManager with a store on a SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createTokenStore } from '../../src/store/index.js';
import { runJwtSessionSuite } from './jwt-sessions.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-jwt-sessions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runJwtSessionSuite('sqlite', () => createTokenStore(`sqlite:${join(dir, 'sessions.db')}`));

/** JWTManager races from four processes on one SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { runJwtRaceSuite } from './jwt-race.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-jwt-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

runJwtRaceSuite('sqlite', `sqlite:${join(dir, 'race.db')}`);

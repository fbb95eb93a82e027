/**
 * Durability: a writer killed with SIGKILL mid-run loses nothing it acknowledged. The parent
 * reads each acknowledged id from the child's stdout, kills it, reopens the file and checks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-sqlite-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('every write acknowledged before kill -9 is present after reopening', async () => {
  const path = join(dir, 'crash.db');
  const writer = join(import.meta.dirname, 'sqlite-crash-writer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const put: string[] = [];
  const revoked: string[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`writer acknowledged only ${put.length} writes in 20 s`)); }, 20_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [verb, id] = line.split(' ') as [string, string];
        (verb === 'put' ? put : revoked).push(id);
      }
      // Kill mid-stream, while writes are still in flight.
      if (put.length >= 300 && child.exitCode === null && !child.killed) {
        clearTimeout(deadline);
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(deadline);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited by itself (code ${String(_code)})`));
    });
  });
  assert.ok(put.length >= 300);
  const store = await SqliteTokenStore.open(path);
  try {
    const missing: string[] = [];
    for (const id of put) {
      const record = await store.get(id);
      if (record === undefined || (await store.getByHash(`h-${id.slice(2)}`))?.id !== id) missing.push(id);
    }
    assert.deepEqual(missing, []);
    for (const id of revoked) assert.equal(await store.isRevoked(id), true, `${id} revocation was acknowledged`);
    assert.ok(revoked.length >= 30);
  } finally {
    await store.close();
  }
});

/**
 * The README's curl walk-through (docs/readme/service.md, the ```sh block under "A walk through
 * with curl"), run as written with bash, curl and jq against a service on its first start: the
 * printed admin secrets go in as ADMIN_PASSWORD and CLIENT_SECRET.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { createTokenService } from '../../src/server/index.js';

function walkthrough(): string {
  const markdown = readFileSync(join(import.meta.dirname, '../../docs/readme/service.md'), 'utf8');
  const section = markdown.slice(markdown.indexOf('### A walk through with curl'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(m !== null, 'the walk-through block exists');
  return m[1]!;
}

it('the README curl walk-through runs against a fresh service', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cjwt-walkthrough-'));
  const service = await createTokenService({ port: 0, dataDir, logLevel: 'silent', passwordHashCost: { N: 1024 } });
  try {
    const credentials = service.initialCredentials!;
    const base = await service.listen();
    const script = walkthrough();
    // Asynchronous spawn: the service answers from this process's event loop.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('bash', ['-euo', 'pipefail', '-c', script], {
        env: { ...process.env, BASE: base, ADMIN_PASSWORD: credentials.password, CLIENT_SECRET: credentials.clientSecret },
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      p.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      p.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    assert.equal(result.status, 0, `the walk-through failed: ${result.stderr}`);
    // Each curl that prints writes one JSON document; split them.
    const docs = result.stdout.replace(/\}\s*\{/g, '}\n{').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(docs.length, 5);
    const [profile, sessions, introspected, revoked, after] = docs as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    assert.equal(profile.sub, 'admin');
    assert.equal(sessions.active_sessions, 1);
    assert.equal(((sessions.sessions as Array<Record<string, unknown>>)[0]!.device as Record<string, unknown>).id, 'laptop');
    assert.equal((sessions.sessions as Array<Record<string, unknown>>)[0]!.refresh_count, 1);
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, 'admin');
    assert.deepEqual(revoked, {});
    assert.deepEqual(after, { active: false });
  } finally {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

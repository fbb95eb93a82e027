/**
 * Test entry point: starts the shared database servers once (each module in
 * test/support/servers/ exports `startGlobal()`), passes their URLs to the tests through the
 * environment, runs every test/**\/*.test.ts with node's test runner, then stops the servers.
 *
 * Usage: node --import tsx scripts/run-tests.ts [file-or-substring ...]
 */
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

interface GlobalServer {
  env: Record<string, string>;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '..');

async function findFiles(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await findFiles(full, suffix)));
    else if (entry.name.endsWith(suffix)) out.push(full);
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = (await findFiles(join(root, 'test'), '.test.ts'))
  .filter((f) => filters.length === 0 || filters.some((p) => relative(root, f).includes(p)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const servers: GlobalServer[] = [];
const env: NodeJS.ProcessEnv = { ...process.env };
async function stopAll(): Promise<void> {
  await Promise.allSettled(servers.map((s) => s.stop()));
}
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

let code: number;
try {
  const serverModules = await findFiles(join(root, 'test/support/servers'), '.ts');
  // Start only the servers some selected test needs: the module name appears in the files' paths
  // or the CJWT_TEST_SERVERS variable; with no filter every server starts.
  for (const mod of serverModules) {
    const name = mod.slice(mod.lastIndexOf('/') + 1, -3);
    const wanted = filters.length === 0 || files.some((f) => relative(root, f).includes(name) || f.includes('readme-examples')) ||
      (process.env.CJWT_TEST_SERVERS ?? '').split(',').includes(name);
    if (!wanted) continue;
    const m = (await import(pathToFileURL(mod).href)) as { startGlobal?: () => Promise<GlobalServer> };
    if (typeof m.startGlobal !== 'function') continue;
    const started = Date.now();
    const server = await m.startGlobal();
    servers.push(server);
    Object.assign(env, server.env);
    console.log(`# started ${name} in ${Date.now() - started} ms`);
  }
  code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2',
      ...files.map((f) => relative(root, f)),
    ], { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} catch (err) {
  console.error(err);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);

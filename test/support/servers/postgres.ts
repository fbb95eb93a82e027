/**
 * Test harness for PostgreSQL (Debian's postgresql package): a throwaway cluster on 127.0.0.1 with
 * a temporary data directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts
 * calls; fault tests call `startPostgres()` to get a server of their own they may stop and restart.
 *
 * PostgreSQL refuses to run as root, so initdb and the postmaster run as the `postgres` user:
 * the children are spawned with its uid/gid, and the temporary directory is handed to it.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile, chown, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServerProcess, freePort, pollUntilReady, sleep, waitExit, type DatabaseServer } from '../server-process.js';

const execFileAsync = promisify(execFile);

/** The database every harness server provides. */
export const POSTGRES_TEST_DATABASE = 'cjwt_test';
const SUPERUSER = 'postgres';

/**
 * A running PostgreSQL test server at `postgres://postgres@127.0.0.1:PORT/cjwt_test` (trust
 * authentication on loopback). The graceful shutdown is a fast one (SIGINT, like
 * `pg_ctl -m fast`); `kill` hits the postmaster only; `pause` stops the postmaster and every backend.
 */
export type PostgresServer = DatabaseServer;

/** The postmaster and its children (backends, background workers), from /proc. */
async function processTree(rootPid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isFinite(ppid)) parents.set(Number(entry), ppid);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** Finds a PostgreSQL binary in the newest installed Debian version directory. */
function findBinary(name: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const candidate = join(base, v, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`PostgreSQL is not installed (no ${base}/*/bin/${name}); install the Debian package postgresql`);
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await execFileAsync('id', ['-u', SUPERUSER]);
  const { stdout: gid } = await execFileAsync('id', ['-g', SUPERUSER]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

// Small memory settings keep startup quick on a shared machine; durability stays the production
// one (fsync, synchronous_commit) so the fault tests prove something.
function serverArgs(dir: string, port: number): string[] {
  return [
    '-D', join(dir, 'data'),
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=on',
    '-c', 'synchronous_commit=on',
    '-c', 'full_page_writes=on',
    '-c', 'max_connections=300',
    '-c', 'shared_buffers=32MB',
    '-c', 'logging_collector=off',
    '-c', 'log_min_messages=fatal',
    '-c', 'autovacuum=off',
  ];
}

/**
 * Starts a fresh PostgreSQL cluster with database `cjwt_test`, trust authentication for
 * 127.0.0.1 only.
 * @example
 * const server = await startPostgres();
 * try { console.log(server.url); } finally { await server.stop(); }
 */
export async function startPostgres(): Promise<PostgresServer> {
  const initdb = findBinary('initdb');
  const postgresBin = findBinary('postgres');
  const { uid, gid } = await postgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'cjwt-pg-'));
  await chown(dir, uid, gid);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const server = new ServerProcess(dir);
  let paused: number[] = [];

  try {
    // --no-sync only skips initdb's own final fsync; the server itself runs with fsync on.
    await execFileAsync(initdb, [
      '-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync',
      '--no-instructions',
    ], { uid, gid, cwd: dir, timeout: 120_000 });
    // Only loopback TCP; no unix-socket or remote entries.
    await writeFile(join(dataDir, 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n');
    chownSync(join(dataDir, 'pg_hba.conf'), uid, gid);
  } catch (err) {
    await server.dispose();
    throw new Error('initdb failed', { cause: err });
  }

  const pg = (await import('pg')).default;

  const trySelect = async (): Promise<void> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  };

  const launch = async (): Promise<void> => {
    // After a SIGKILL, orphaned backends may still hold the old shared memory for a moment;
    // the postmaster then refuses to start, so retry briefly.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = server.spawn(postgresBin, serverArgs(dir, port), { uid, gid, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        await pollUntilReady({
          child: c,
          deadline: Date.now() + 20_000,
          intervalMs: 50,
          attempt: trySelect,
          exitError: () => new Error(`postgres exited during startup:\n${server.output.split('\n').slice(-20).join('\n')}`),
          timeoutMessage: `postgres on port ${port} did not accept connections in time`,
        });
        return;
      } catch (err) {
        if (Date.now() > deadline || !/shared memory|already running|lock file/i.test(server.output)) throw err;
        await waitExit(c);
        await sleep(200);
      }
    }
  };

  // A stopped backend would never act on the postmaster's shutdown request.
  const resumePaused = (): void => {
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
    paused = [];
  };

  try {
    await launch();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${POSTGRES_TEST_DATABASE}`);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.abort();
    throw err;
  }

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${POSTGRES_TEST_DATABASE}`,
    port,
    dataDir,
    ...server.lifecycle('SIGINT', launch, resumePaused),
    async pause() {
      const pid = server.child?.pid;
      if (pid === undefined) throw new Error('server is not running');
      paused = await processTree(pid);
      for (const p of paused) process.kill(p, 'SIGSTOP');
    },
    resume: resumePaused,
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_POSTGRES_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startPostgres();
  return { env: { CJWT_TEST_POSTGRES_URL: server.url }, stop: () => server.stop() };
}

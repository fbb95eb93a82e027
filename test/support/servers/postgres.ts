/**
 * Test harness for PostgreSQL (Debian's postgresql package): a throwaway cluster on 127.0.0.1 with
 * a temporary data directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts
 * calls; fault tests call `startPostgres()` to get a server of their own they may stop and restart.
 *
 * PostgreSQL refuses to run as root, so initdb and the postmaster run as the `postgres` user:
 * the children are spawned with its uid/gid, and the temporary directory is handed to it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile, chown } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The database every harness server provides. */
export const POSTGRES_TEST_DATABASE = 'cjwt_test';
const SUPERUSER = 'postgres';

/** A running PostgreSQL test server. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/cjwt_test` (trust authentication on loopback). */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT, like `pg_ctl -m fast`), waits for exit, then removes the temporary directory. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster, waits for exit; keeps the data directory so `restart()` can bring it back. */
  kill(): Promise<void>;
  /** Fast shutdown that keeps the data directory (for a later `restart()`). */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and data directory (after `kill`, `shutdown`, or while running). */
  restart(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open but nothing answers. */
  pause(): Promise<void>;
  /** SIGCONT to the processes `pause()` stopped. */
  resume(): Promise<void>;
}

/** The postmaster and its children (backends, background workers), from /proc. */
async function processTree(rootPid: number): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
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
  let child: ChildProcess | undefined;
  let stderr = '';
  let paused: number[] = [];

  // A crashed test process must not leave a server behind.
  const onExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const cleanup = async (): Promise<void> => {
    process.off('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  };

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
    await cleanup();
    throw new Error('initdb failed', { cause: err });
  }

  const pg = (await import('pg')).default;

  const waitReady = async (deadline: number): Promise<void> => {
    let lastErr: unknown;
    while (Date.now() < deadline) {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`postgres exited during startup:\n${stderr.split('\n').slice(-20).join('\n')}`);
      }
      const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (err) {
        lastErr = err;
        await client.end().catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`postgres on port ${port} did not accept connections in time`, { cause: lastErr });
  };

  const launch = async (): Promise<void> => {
    // After a SIGKILL, orphaned backends may still hold the old shared memory for a moment;
    // the postmaster then refuses to start, so retry briefly.
    const deadline = Date.now() + 30_000;
    for (;;) {
      stderr = '';
      const c = spawn(postgresBin, serverArgs(dir, port), { uid, gid, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-8192); });
      c.unref();
      (c.stderr as unknown as { unref?: () => void } | null)?.unref?.();
      try {
        await waitReady(Date.now() + 20_000);
        return;
      } catch (err) {
        if (Date.now() > deadline || !/shared memory|already running|lock file/i.test(stderr)) throw err;
        await waitExit(c);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const stopProcess = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c) return;
    // A stopped process would never act on the signal.
    for (const pid of paused) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Already gone.
      }
    }
    paused = [];
    // Referenced while we wait, or an otherwise idle test process would exit before the server does.
    c.ref();
    c.kill(signal);
    await waitExit(c);
    child = undefined;
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
    await stopProcess('SIGKILL');
    await cleanup();
    throw err;
  }

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${POSTGRES_TEST_DATABASE}`,
    port,
    dataDir,
    async stop() {
      await stopProcess('SIGINT');
      await cleanup();
    },
    async shutdown() {
      await stopProcess('SIGINT');
    },
    async kill() {
      await stopProcess('SIGKILL');
    },
    async restart() {
      await stopProcess('SIGINT');
      await launch();
    },
    async pause() {
      if (child?.pid === undefined) throw new Error('server is not running');
      paused = await processTree(child.pid);
      for (const pid of paused) process.kill(pid, 'SIGSTOP');
    },
    async resume() {
      for (const pid of paused) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Already gone.
        }
      }
      paused = [];
    },
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_POSTGRES_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startPostgres();
  return { env: { CJWT_TEST_POSTGRES_URL: server.url }, stop: () => server.stop() };
}

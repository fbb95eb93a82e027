/**
 * Test harness for MariaDB (Debian's mariadb-server): a throwaway server on 127.0.0.1 with a
 * temporary data directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts
 * calls; fault tests call `startMySql()` to get a server of their own they may stop and restart.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection as MySqlConnection } from 'mysql2/promise';

const execFileAsync = promisify(execFile);

/** The database, user and password every harness server provides. */
export const MYSQL_TEST_DATABASE = 'cjwt_test';
const TEST_USER = 'cjwt';
const TEST_PASSWORD = 'cjwt-test-pw';

/** A running MariaDB test server. */
export interface MySqlServer {
  /** `mysql://cjwt:...@127.0.0.1:PORT/cjwt_test` */
  url: string;
  port: number;
  dataDir: string;
  /** Clean shutdown (SIGTERM, waits for exit), then removes the temporary directory. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; keeps the data directory so `restart()` can bring it back. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory (after `kill` or a stop of the process). */
  restart(): Promise<void>;
  /** Stops the process cleanly but keeps the data directory (for a later `restart()`). */
  shutdown(): Promise<void>;
  /** SIGSTOP, resolved once every server thread has stopped: connections stay open, nothing answers (a hung host). */
  pause(): Promise<void>;
  /** SIGCONT after {@link MySqlServer.pause}. */
  resume(): void;
}

function findBinary(candidates: string[]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`MariaDB is not installed (looked for ${candidates.join(', ')}); install the Debian package mariadb-server`);
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

// Small buffers and logs keep startup well under a second; durability settings stay the
// production ones so the fault tests prove something.
function serverArgs(dir: string, port: number): string[] {
  return [
    '--no-defaults',
    `--datadir=${join(dir, 'data')}`,
    '--bind-address=127.0.0.1',
    `--port=${port}`,
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
    '--user=root',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
    '--innodb-flush-log-at-trx-commit=1',
    '--innodb-use-native-aio=0',
    '--max-connections=400',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_bin',
  ];
}


async function connectRoot(port: number, deadline: number, child: ChildProcess, dir: string): Promise<MySqlConnection> {
  const mysql = await import('mysql2/promise');
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      throw new Error(`mariadbd exited during startup:\n${log.split('\n').slice(-20).join('\n')}`);
    }
    try {
      return await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`mariadbd on port ${port} did not accept connections in time`, { cause: lastErr });
}

async function waitAllThreadsStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    const states = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/stat`, 'utf8').catch(() => '')));
    // Field 3 of stat, after the parenthesised command name: T = stopped.
    if (states.every((st) => /\) T /.test(st))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`mariadbd ${pid} did not stop`);
}

/**
 * Starts a fresh MariaDB server with database `cjwt_test` and a password user `cjwt`.
 * @example
 * const server = await startMySql();
 * try { console.log(server.url); } finally { await server.stop(); }
 */
export async function startMySql(): Promise<MySqlServer> {
  const mariadbd = findBinary(['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
  const installDb = findBinary(['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db']);
  const dir = await mkdtemp(join(tmpdir(), 'cjwt-mysql-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  // A crashed test process must not leave a server behind.
  const onExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  try {
    await execFileAsync(installDb, [
      '--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', '--skip-name-resolve', '--user=root',
      '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M',
    ], { timeout: 60_000 });
  } catch (err) {
    process.off('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    throw new Error('mariadb-install-db failed', { cause: err });
  }

  const launch = async (): Promise<MySqlConnection> => {
    child = spawn(mariadbd, serverArgs(dir, port), { stdio: 'ignore' });
    child.unref();
    return connectRoot(port, Date.now() + 30_000, child, dir);
  };

  const stopProcess = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c) return;
    // Referenced while we wait, or an otherwise idle test process would exit before the server does.
    c.ref();
    c.kill(signal);
    // A paused server only acts on SIGTERM once it runs again.
    if (signal !== 'SIGKILL') c.kill('SIGCONT');
    await waitExit(c);
    child = undefined;
  };

  try {
    const root = await launch();
    try {
      await root.query(`CREATE DATABASE ${MYSQL_TEST_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      await root.query(`CREATE USER '${TEST_USER}'@'127.0.0.1' IDENTIFIED BY '${TEST_PASSWORD}'`);
      await root.query(`GRANT ALL PRIVILEGES ON ${MYSQL_TEST_DATABASE}.* TO '${TEST_USER}'@'127.0.0.1'`);
    } finally {
      await root.end();
    }
  } catch (err) {
    await stopProcess('SIGKILL');
    process.off('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: `mysql://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${port}/${MYSQL_TEST_DATABASE}`,
    port,
    dataDir: join(dir, 'data'),
    async stop() {
      await stopProcess('SIGTERM');
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
    async shutdown() {
      await stopProcess('SIGTERM');
    },
    async kill() {
      await stopProcess('SIGKILL');
    },
    async pause() {
      const c = child;
      if (!c?.pid) return;
      c.kill('SIGSTOP');
      // The signal is delivered asynchronously; a thread still running could answer one more query.
      await waitAllThreadsStopped(c.pid);
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async restart() {
      await stopProcess('SIGTERM');
      const conn = await launch();
      await conn.end();
    },
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_MYSQL_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startMySql();
  return { env: { CJWT_TEST_MYSQL_URL: server.url }, stop: () => server.stop() };
}

/**
 * Test harness for MariaDB (Debian's mariadb-server): a throwaway server on 127.0.0.1 with a
 * temporary data directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts
 * calls; fault tests call `startMySql()` to get a server of their own they may stop and restart.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Connection as MySqlConnection } from 'mysql2/promise';
import { ServerProcess, freePort, pollUntilReady, sleep, type DatabaseServer } from '../server-process.js';

const execFileAsync = promisify(execFile);

/** The database, user and password every harness server provides. */
export const MYSQL_TEST_DATABASE = 'cjwt_test';
const TEST_USER = 'cjwt';
const TEST_PASSWORD = 'cjwt-test-pw';

/** A running MariaDB test server at `mysql://cjwt:...@127.0.0.1:PORT/cjwt_test`. */
export type MySqlServer = DatabaseServer;

function findBinary(candidates: string[]): string {
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`MariaDB is not installed (looked for ${candidates.join(', ')}); install the Debian package mariadb-server`);
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
  return pollUntilReady({
    child,
    deadline,
    intervalMs: 50,
    attempt: () => mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 }),
    exitError: async () => {
      const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      return new Error(`mariadbd exited during startup:\n${log.split('\n').slice(-20).join('\n')}`);
    },
    timeoutMessage: `mariadbd on port ${port} did not accept connections in time`,
  });
}

async function waitAllThreadsStopped(pid: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    const states = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/stat`, 'utf8').catch(() => '')));
    // Field 3 of stat, after the parenthesised command name: T = stopped.
    if (states.every((st) => /\) T /.test(st))) return;
    await sleep(5);
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
  const server = new ServerProcess(dir);

  try {
    await execFileAsync(installDb, [
      '--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal',
      '--skip-test-db', '--skip-name-resolve', '--user=root',
      '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M',
    ], { timeout: 60_000 });
  } catch (err) {
    await server.dispose();
    throw new Error('mariadb-install-db failed', { cause: err });
  }

  const launch = async (): Promise<MySqlConnection> => {
    const child = server.spawn(mariadbd, serverArgs(dir, port), { stdio: 'ignore' });
    return connectRoot(port, Date.now() + 30_000, child, dir);
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
    await server.abort();
    throw err;
  }

  return {
    url: `mysql://${TEST_USER}:${TEST_PASSWORD}@127.0.0.1:${port}/${MYSQL_TEST_DATABASE}`,
    port,
    dataDir: join(dir, 'data'),
    ...server.lifecycle('SIGTERM', async () => {
      const conn = await launch();
      await conn.end();
    }),
    async pause() {
      const c = server.child;
      if (!c?.pid) return;
      c.kill('SIGSTOP');
      // The signal is delivered asynchronously; a thread still running could answer one more query.
      await waitAllThreadsStopped(c.pid);
    },
    resume() {
      server.child?.kill('SIGCONT');
    },
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_MYSQL_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startMySql();
  return { env: { CJWT_TEST_MYSQL_URL: server.url }, stop: () => server.stop() };
}

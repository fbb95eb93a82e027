/**
 * Test harness for Redis (Debian's redis-server): a throwaway server on 127.0.0.1 with a temporary
 * directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts calls; fault tests
 * call `startRedis({ appendonly: true })` to get a server of their own they may stop and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = '/usr/bin/redis-server';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** AOF persistence with `appendfsync always`, so every acknowledged write survives a kill. */
  appendonly?: boolean;
  /** Data directory; default a fresh temporary one (removed by `stop()`). */
  dir?: string;
  /** TCP port on 127.0.0.1; default a free one. */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  extraArgs?: string[];
}

/** A running Redis test server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  dir: string;
  /** SIGTERM, waits for exit, then removes the directory when the harness created it. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; keeps the directory so `restart()` can bring the data back. */
  kill(): Promise<void>;
  /** SIGTERM, waits for exit; keeps the directory (for a later `restart()`). */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and directory (stopping it first if running). */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its connections open but answers nothing (a hung server). */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
}

/** Throws a clear message when Debian's redis-server package is missing. */
export function requireRedisBinary(): string {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`Redis is not installed (no ${REDIS_SERVER}); install the Debian packages redis-server and redis-tools`);
  }
  return REDIS_SERVER;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port. With `withBusPort`, port + 10000 (the cluster bus) is free too, so the
 * port stays below 55536.
 */
export async function freeRedisPort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(withBusPort ? 20000 + Math.floor(Math.random() * 35000) : 0, '127.0.0.1', () => {
        const addr = srv.address();
        const p = typeof addr === 'object' && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    }).catch(() => 0);
    if (port === 0) continue;
    if (!withBusPort || (port + 10000 < 65536 && (await canListen(port + 10000)))) return port;
  }
  throw new Error('no free port for redis-server');
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends one inline command over a raw socket and resolves to the first reply line. */
export function redisInlineCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('timeout')); }, timeoutMs);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString('utf8');
      // Bulk replies ($n) need their body too; simple replies end at the first CRLF.
      const firstEnd = data.indexOf('\r\n');
      if (firstEnd < 0) return;
      if (data.startsWith('$')) {
        const len = Number(data.slice(1, firstEnd));
        if (len >= 0 && Buffer.byteLength(data) < firstEnd + 2 + len + 2) return;
      }
      clearTimeout(timer);
      socket.destroy();
      resolve(data);
    });
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

function serverArgs(port: number, dir: string, appendonly: boolean, extra: string[]): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
    '--appendonly', appendonly ? 'yes' : 'no',
    ...(appendonly ? ['--appendfsync', 'always'] : []),
    ...extra,
  ];
}

/**
 * Starts redis-server on 127.0.0.1 and resolves once it answers PING (after loading its data).
 * @example
 * const server = await startRedis({ appendonly: true });
 * try { console.log(server.url); } finally { await server.stop(); }
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const bin = requireRedisBinary();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cjwt-redis-')));
  await mkdir(dir, { recursive: true });
  const port = options.port ?? (await freeRedisPort());
  const args = serverArgs(port, dir, options.appendonly === true, options.extraArgs ?? []);
  let child: ChildProcess | undefined;
  let output = '';

  // A crashed test process must not leave a server behind.
  const onExit = (): void => {
    child?.kill('SIGKILL');
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const waitReady = async (c: ChildProcess): Promise<void> => {
    const deadline = Date.now() + 20_000;
    let lastErr: unknown;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`redis-server on port ${port} exited during startup:\n${output.slice(-2000)}`);
      }
      try {
        const reply = await redisInlineCommand(port, 'PING', 500);
        if (reply.startsWith('+PONG')) return;
        lastErr = new Error(reply.trim());
      } catch (err) {
        lastErr = err;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server on port ${port} did not answer PING in time`, { cause: lastErr });
  };

  const launch = async (): Promise<void> => {
    output = '';
    const c = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    const collect = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8192); };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    c.unref();
    (c.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (c.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    await waitReady(c);
  };

  const stopProcess = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c) return;
    // Referenced while we wait, or an otherwise idle test process would exit before the server does.
    c.ref();
    c.kill(signal);
    // A frozen (SIGSTOPped) server would hold SIGTERM until continued.
    if (signal !== 'SIGKILL') c.kill('SIGCONT');
    await waitExit(c);
    child = undefined;
  };

  const cleanup = async (): Promise<void> => {
    process.off('exit', onExit);
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (err) {
    await stopProcess('SIGKILL');
    await cleanup();
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      await stopProcess('SIGTERM');
      await cleanup();
    },
    async kill() {
      await stopProcess('SIGKILL');
    },
    async shutdown() {
      await stopProcess('SIGTERM');
    },
    async restart() {
      await stopProcess('SIGTERM');
      await launch();
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_REDIS_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startRedis();
  return { env: { CJWT_TEST_REDIS_URL: server.url }, stop: () => server.stop() };
}

/**
 * Test harness for Redis (Debian's redis-server): a throwaway server on 127.0.0.1 with a temporary
 * directory and a free port. `startGlobal()` is the hook scripts/run-tests.ts calls; fault tests
 * call `startRedis({ appendonly: true })` to get a server of their own they may stop and restart.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, listenOnce, pollUntilReady, type ServerLifecycle } from '../server-process.js';

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

/**
 * A running Redis test server. The graceful shutdown is SIGTERM; `stop()` removes the directory
 * only when the harness created it.
 */
export interface RedisServer extends ServerLifecycle {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  dir: string;
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
  return listenOnce(port).then(() => true, () => false);
}

/**
 * A free loopback port. With `withBusPort`, port + 10000 (the cluster bus) is free too, so the
 * port stays below 55536.
 */
export async function freeRedisPort(withBusPort = false): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await listenOnce(withBusPort ? 20000 + Math.floor(Math.random() * 35000) : 0).catch(() => 0);
    if (port === 0) continue;
    if (!withBusPort || (port + 10000 < 65536 && (await canListen(port + 10000)))) return port;
  }
  throw new Error('no free port for redis-server');
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
  const server = new ServerProcess(dir, ownDir);

  const ping = async (): Promise<void> => {
    const reply = await redisInlineCommand(port, 'PING', 500);
    if (!reply.startsWith('+PONG')) throw new Error(reply.trim());
  };

  const launch = async (): Promise<void> => {
    const c = server.spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    await pollUntilReady({
      child: c,
      deadline: Date.now() + 20_000,
      intervalMs: 25,
      attempt: ping,
      exitError: () => new Error(`redis-server on port ${port} exited during startup:\n${server.output.slice(-2000)}`),
      timeoutMessage: `redis-server on port ${port} did not answer PING in time`,
    });
  };

  try {
    await launch();
  } catch (err) {
    await server.abort();
    throw err;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    ...server.lifecycle('SIGTERM', launch),
    freeze() {
      server.child?.kill('SIGSTOP');
    },
    thaw() {
      server.child?.kill('SIGCONT');
    },
  };
}

/** run-tests.ts hook: one server for the whole run, published as CJWT_TEST_REDIS_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const server = await startRedis();
  return { env: { CJWT_TEST_REDIS_URL: server.url }, stop: () => server.stop() };
}

/**
 * What the database test harnesses (test/support/servers/*.ts) share: a free loopback port, the
 * readiness poll, and the one server process each harness runs with its stop, kill and restart.
 * It lives outside servers/ because scripts/run-tests.ts loads every file there as a server.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';

/** The part of a harness server the tests drive alike for every database. */
export interface ServerLifecycle {
  /** Graceful shutdown, waits for exit, then removes the temporary directory the harness created. */
  stop(): Promise<void>;
  /** SIGKILL, waits for exit; keeps the data directory so `restart()` can bring it back. */
  kill(): Promise<void>;
  /** Graceful shutdown that keeps the data directory (for a later `restart()`). */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and data directory (stopping it first if running). */
  restart(): Promise<void>;
}

/** A running database test server (PostgreSQL, MariaDB) that can also play a hung host. */
export interface DatabaseServer extends ServerLifecycle {
  /** URL of the test database, with credentials; the server listens on 127.0.0.1 only. */
  url: string;
  port: number;
  dataDir: string;
  /** SIGSTOP to the server, resolved once it has stopped: connections stay open but nothing answers. */
  pause(): Promise<void>;
  /** SIGCONT to what `pause()` stopped. */
  resume(): void;
}

/**
 * Binds `port` (0: any) on 127.0.0.1, closes it again and resolves to the port that was bound.
 * @example
 * const port = await listenOnce(0);
 */
export function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

/** A loopback port free at the time of the call. */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/** True once the process has exited or died of a signal. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the process has exited (at once if it already has). */
export function waitExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** What {@link pollUntilReady} needs to know about one server start. */
export interface ReadinessPoll<T> {
  /** The server process; its exit ends the wait with {@link ReadinessPoll.exitError}. */
  child: ChildProcess;
  /** Epoch ms after which the wait gives up. */
  deadline: number;
  /** Pause between attempts, in ms. */
  intervalMs: number;
  /** One try: resolves once the server answers, throws while it does not yet. */
  attempt(): Promise<T>;
  /** The error for a process that exited during startup (with the tail of its log). */
  exitError(): Error | Promise<Error>;
  /** The message when the deadline passes; the last attempt's error becomes the cause. */
  timeoutMessage: string;
}

/**
 * Tries `attempt` until it succeeds, the process exits, or the deadline passes.
 * @example
 * await pollUntilReady({ child, deadline: Date.now() + 20_000, intervalMs: 25, attempt: ping,
 *   exitError: () => new Error('exited'), timeoutMessage: 'no answer in time' });
 */
export async function pollUntilReady<T>(poll: ReadinessPoll<T>): Promise<T> {
  let lastErr: unknown;
  while (Date.now() < poll.deadline) {
    if (hasExited(poll.child)) throw await poll.exitError();
    try {
      return await poll.attempt();
    } catch (err) {
      lastErr = err;
    }
    await sleep(poll.intervalMs);
  }
  throw new Error(poll.timeoutMessage, { cause: lastErr });
}

/**
 * The one process a harness server runs at a time, and its temporary directory. Until
 * {@link ServerProcess.dispose}, an exit hook kills the process and removes the directory, so a
 * crashed test process leaves no server behind.
 */
export class ServerProcess {
  #child: ChildProcess | undefined;
  #output = '';
  readonly #dir: string;
  readonly #removeDir: boolean;
  readonly #onExit = (): void => {
    this.#child?.kill('SIGKILL');
    if (this.#removeDir) rmSync(this.#dir, { recursive: true, force: true });
  };

  /**
   * @param dir the server's directory
   * @param removeDir whether the harness created `dir` and so removes it (default true)
   */
  constructor(dir: string, removeDir = true) {
    this.#dir = dir;
    this.#removeDir = removeDir;
    process.on('exit', this.#onExit);
  }

  /** The running process, if any. */
  get child(): ChildProcess | undefined {
    return this.#child;
  }

  /** The last 8 KiB the process wrote to the stdout/stderr pipes of its spawn options. */
  get output(): string {
    return this.#output;
  }

  /**
   * Spawns the server unreferenced (it must not keep the test process alive), collecting the
   * output of whichever of stdout and stderr are pipes.
   */
  spawn(command: string, args: string[], options: SpawnOptions): ChildProcess {
    this.#output = '';
    const c = spawn(command, args, options);
    this.#child = c;
    const collect = (chunk: Buffer): void => { this.#output = (this.#output + chunk.toString()).slice(-8192); };
    c.stdout?.on('data', collect);
    c.stderr?.on('data', collect);
    c.unref();
    (c.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    (c.stderr as unknown as { unref?: () => void } | null)?.unref?.();
    return c;
  }

  /** Sends `signal` and waits for the process to exit; nothing when none runs. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const c = this.#child;
    if (!c) return;
    // Referenced while we wait, or an otherwise idle test process would exit before the server does.
    c.ref();
    c.kill(signal);
    // A paused (SIGSTOPped) server only acts on a graceful signal once it runs again.
    if (signal !== 'SIGKILL') c.kill('SIGCONT');
    await waitExit(c);
    this.#child = undefined;
  }

  /** Drops the exit hook and removes the directory (when the harness created it). */
  async dispose(): Promise<void> {
    process.off('exit', this.#onExit);
    if (this.#removeDir) await rm(this.#dir, { recursive: true, force: true });
  }

  /** Kills the process and disposes: the way out of a failed start. */
  async abort(): Promise<void> {
    await this.stop('SIGKILL');
    await this.dispose();
  }

  /**
   * The {@link ServerLifecycle} methods over this process: `graceful` is the server's clean
   * shutdown signal, `launch` starts it again, `beforeStop` runs before every signal.
   */
  lifecycle(graceful: NodeJS.Signals, launch: () => Promise<void>, beforeStop?: () => void): ServerLifecycle {
    const stop = async (signal: NodeJS.Signals): Promise<void> => {
      beforeStop?.();
      await this.stop(signal);
    };
    return {
      stop: async () => {
        await stop(graceful);
        await this.dispose();
      },
      kill: () => stop('SIGKILL'),
      shutdown: () => stop(graceful),
      restart: async () => {
        await stop(graceful);
        await launch();
      },
    };
  }
}

/**
 * Test support for the token service: a service on a temporary data directory with a known user
 * and client (cheap scrypt cost), listening on 127.0.0.1:0; JSON/form request helpers; and a
 * `cjwt serve` child process for the multi-process and crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenService, type TokenService, type TokenServiceOptions } from '../../src/server/index.js';
import { hashPassword } from '../../src/server/passwords.js';

/** The known credentials every harness data directory holds. */
export const USER = { username: 'alice', password: 'alice-password-1' };
export const CLIENT = { id: 'backend', secret: 'backend-secret-123' };
export const INTROSPECT_ONLY = { id: 'rs', secret: 'resource-server-secret' };

/** A fresh temporary data directory with a users file (cheap hashes); removed by `dispose`. */
export async function makeDataDir(): Promise<{ dir: string; dispose: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'cjwt-service-'));
  const cost = { N: 1024, r: 8, p: 1 };
  const users = {
    users: { [USER.username]: { hash: await hashPassword(USER.password, cost), scope: 'profile sessions' }, bob: { hash: await hashPassword('bob-password-1', cost), scope: 'profile' } },
    clients: {
      [CLIENT.id]: { hash: await hashPassword(CLIENT.secret, cost), permissions: ['issue', 'introspect'] },
      [INTROSPECT_ONLY.id]: { hash: await hashPassword(INTROSPECT_ONLY.secret, cost), permissions: ['introspect'] },
    },
  };
  writeFileSync(join(dir, 'users.json'), JSON.stringify(users), { mode: 0o600 });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A listening service on a fresh data directory. */
export interface RunningService {
  service: TokenService;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts a service (SQLite in the data directory unless `store` is given) on 127.0.0.1:0. */
export async function startService(options: TokenServiceOptions = {}): Promise<RunningService> {
  const data = options.dataDir === undefined ? await makeDataDir() : { dir: options.dataDir, dispose: () => {} };
  const service = await createTokenService({ port: 0, logLevel: 'silent', passwordHashCost: { N: 1024 }, ...options, dataDir: data.dir });
  const url = await service.listen();
  return { service, url, dir: data.dir, async stop() { await service.close(); data.dispose(); } };
}

/** A response: status, headers, parsed JSON body (or text when not JSON). */
export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

async function toReply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Sends a request and reads the reply. */
export async function call(url: string, method: string, path: string, init: { json?: unknown; form?: Record<string, string>; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  return toReply(await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body }) }));
}

/** HTTP Basic credentials of a client. */
export function basic(id: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** Bearer header. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Logs alice in; returns the token response. */
export async function login(url: string, extra: Record<string, unknown> = {}): Promise<Reply> {
  return call(url, 'POST', '/login', { json: { ...USER, ...extra } });
}

/** A `cjwt serve` child process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** SIGTERM and wait. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

/** Spawns `cjwt serve` on a data directory and waits until /readyz answers. */
export async function spawnServe(dataDir: string, port: number, env: Record<string, string> = {}, extraArgs: string[] = []): Promise<ServeProcess> {
  const main = join(import.meta.dirname, '../../src/cli/main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'silent', ...extraArgs], {
    env: { ...process.env, CJWT_RATE_LIMIT_MAX: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`cjwt serve exited: ${output}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cjwt serve did not become ready: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child, url,
    async stop() { child.kill('SIGTERM'); return exited; },
    async kill() { child.kill('SIGKILL'); await exited; },
  };
}

/**
 * The five store backends as the refresh tests open them: each run gets its own Redis key prefix
 * or SQL table prefix (or SQLite file), so test files sharing a server never see each other, and
 * `dump()` reads back everything the backend holds for that run in its raw form (file bytes,
 * Redis keys and values, SQL rows) for the "no token in a dump" checks.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenStore, type CreateTokenStoreOptions } from '../../../src/store/create.js';
import type { TokenStore } from '../../../src/store/types.js';

/** A backend name. */
export type BackendName = 'memory' | 'sqlite' | 'redis' | 'postgres' | 'mysql';

/** One opened backend. */
export interface Backend {
  name: BackendName;
  /** URL and options that open the same data from another process (undefined for memory). */
  url: string | undefined;
  options: CreateTokenStoreOptions;
  /** Opens another connection to the same data. */
  open(): Promise<TokenStore>;
  /** Everything the backend holds for this run, as text (raw bytes read as latin1 for SQLite). */
  dump(): Promise<string>;
  /** Removes this run's files (SQLite). */
  dispose(): void;
}

/** The URL of the test server of `name`, published by scripts/run-tests.ts. */
export function serverUrl(name: 'redis' | 'postgres' | 'mysql'): string | undefined {
  const url = process.env[`CJWT_TEST_${name.toUpperCase()}_URL`];
  return url === undefined || url === '' ? undefined : url;
}

/** Describes the backend `name`; undefined when its server is not running. */
export function backend(name: BackendName): Backend | undefined {
  const tag = `r${randomBytes(4).toString('hex')}`;
  if (name === 'memory') {
    let only: TokenStore | undefined;
    return {
      name, url: undefined, options: {},
      open: async () => (only ??= await createTokenStore('memory:', { sweepIntervalMs: 0 })),
      // The memory store has no outside form: its dump is every record through the API.
      dump: async () => JSON.stringify(await listAll(only!)),
      dispose: () => {},
    };
  }
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cjwt-refresh-'));
    const path = join(dir, 'tokens.db');
    const url = `sqlite:${path}`;
    const options = { sweepIntervalMs: 0 };
    return {
      name, url, options,
      open: () => createTokenStore(url, options),
      dump: async () => ['', '-wal', '-shm'].map((s) => (existsSync(path + s) ? readFileSync(path + s).toString('latin1') : '')).join('\n'),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const url = serverUrl(name);
  if (url === undefined) return undefined;
  if (name === 'redis') {
    const options = { prefix: `${tag}:`, sweepIntervalMs: 0 };
    return { name, url, options, open: () => createTokenStore(url, options), dump: () => dumpRedis(url, options.prefix), dispose: () => {} };
  }
  const options = { tablePrefix: `${tag}_`, sweepIntervalMs: 0 };
  const dump = name === 'postgres' ? () => dumpPostgres(url, options.tablePrefix) : () => dumpMySql(url, options.tablePrefix);
  return { name, url, options, open: () => createTokenStore(url, options), dump, dispose: () => {} };
}

async function listAll(store: TokenStore): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({}, cursor === undefined ? { limit: 1000 } : { limit: 1000, cursor });
    out.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

async function dumpRedis(url: string, prefix: string): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url);
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', '1000');
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        let value: unknown;
        if (type === 'string') value = await client.get(key);
        else if (type === 'hash') value = await client.hgetall(key);
        else if (type === 'set') value = await client.smembers(key);
        else if (type === 'zset') value = await client.zrange(key, '0', '-1', 'WITHSCORES');
        else if (type === 'list') value = await client.lrange(key, 0, -1);
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    client.disconnect();
  }
}

async function dumpPostgres(url: string, tablePrefix: string): Promise<string> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE $1`, [`${tablePrefix}%`]);
    const parts: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${table}"`);
      parts.push(`${table} ${JSON.stringify(rows.rows, bytesAsText)}`);
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

async function dumpMySql(url: string, tablePrefix: string): Promise<string> {
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection(url);
  try {
    const [tables] = await connection.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?', [`${tablePrefix}%`]);
    const parts: string[] = [];
    for (const { t } of tables as Array<{ t: string }>) {
      const [rows] = await connection.query(`SELECT * FROM \`${t}\``);
      parts.push(`${t} ${JSON.stringify(rows, bytesAsText)}`);
    }
    return parts.join('\n');
  } finally {
    await connection.end();
  }
}

// Binary columns (ids, hashes) are dumped as latin1 text so a token stored as bytes would show.
function bytesAsText(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && (value as { type?: string }).type === 'Buffer') {
    return Buffer.from((value as { data: number[] }).data).toString('latin1');
  }
  return value;
}

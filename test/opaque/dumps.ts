/**
 * Everything a store holds, as text, read past the store's own API: what an attacker with a copy
 * of the database would see. Binary values are read as latin1 so ASCII inside them (a token, a
 * hash) stays visible to a substring search.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** One value of a row as text. */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function rowsText(rows: Array<Record<string, unknown>>): string {
  return rows.map((row) => Object.entries(row).map(([k, v]) => `${k}=${valueText(v)}`).join('\t')).join('\n');
}

/** The SQLite database file, its WAL and shared memory, byte for byte, and every table's rows. */
export async function dumpSqlite(path: string): Promise<string> {
  const parts: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) parts.push((await readFile(file)).toString('latin1'));
  const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Driver(path, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    for (const table of tables) parts.push(rowsText(db.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>));
  } finally {
    db.close();
  }
  return parts.join('\n');
}

/** Every key under `prefix` and its whole value, whatever its type. */
export async function dumpRedis(url: string, prefix: string): Promise<string> {
  const client = new Redis(url);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    const parts: string[] = [];
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === 'string') value = await client.getBuffer(key);
      else if (type === 'hash') value = await client.hgetallBuffer(key);
      else if (type === 'zset') value = await client.zrangeBuffer(key, '0', '-1', 'WITHSCORES');
      else if (type === 'set') value = await client.smembersBuffer(key);
      else if (type === 'list') value = await client.lrangeBuffer(key, 0, -1);
      else value = `<${type}>`;
      parts.push(`${key} ${dumpValue(value)}`);
    }
    return parts.join('\n');
  } finally {
    client.disconnect();
  }
}

function dumpValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(dumpValue).join(' ');
  if (value !== null && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}=${dumpValue(v)}`).join(' ');
  return String(value);
}

/** Every row of every table whose name starts with `tablePrefix`. */
export async function dumpPostgres(url: string, tablePrefix: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND left(table_name, length($1)) = $1',
      [tablePrefix],
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) parts.push(rowsText((await client.query(`SELECT * FROM "${table_name}"`)).rows));
    if (tables.rows.length === 0) throw new Error(`no tables with prefix ${tablePrefix}`);
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** Every row of every table whose name starts with `tablePrefix`. */
export async function dumpMySql(url: string, tablePrefix: string): Promise<string> {
  const conn = await mysql.createConnection(url);
  try {
    const [tables] = await conn.query<mysql.RowDataPacket[]>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND LEFT(table_name, CHAR_LENGTH(?)) = ?',
      [tablePrefix, tablePrefix],
    );
    if (tables.length === 0) throw new Error(`no tables with prefix ${tablePrefix}`);
    const parts: string[] = [];
    for (const { name } of tables) {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT * FROM \`${String(name)}\``);
      parts.push(rowsText(rows as Array<Record<string, unknown>>));
    }
    return parts.join('\n');
  } finally {
    await conn.end();
  }
}

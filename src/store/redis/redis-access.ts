/**
 * What the parts of the Redis store share: the client, the key layout, and script evaluation
 * with the NOSCRIPT fallback. RedisTokenStore builds one and hands it to its scan and cleanup
 * parts, so each lives in a file of its own.
 */
import type { Redis } from 'ioredis';
import type { TokenRecord } from '../types.js';
import type { RedisKeys } from './redis-keys.js';
import { recordFromHash } from './redis-record.js';
import type { LuaScript } from './redis-scripts.js';

type Evaluator = (sha: string, numKeys: number, ...args: Array<string | number>) => Promise<unknown>;

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/** The client, key layout and script runner of one Redis store. */
export class RedisAccess {
  readonly client: Redis;
  readonly keys: RedisKeys;
  readonly #evalsha: Evaluator;
  readonly #evalLua: Evaluator;

  /** Wraps a client (a `Redis` or a `Cluster`: they share the command API). */
  constructor(client: Redis, keys: RedisKeys) {
    this.client = client;
    this.keys = keys;
    this.#evalsha = client.evalsha.bind(client) as unknown as Evaluator;
    this.#evalLua = client.eval.bind(client) as unknown as Evaluator;
  }

  /** Runs a script by its SHA; after a restart or SCRIPT FLUSH the server no longer knows it, so it is sent once in full. */
  async eval(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await this.#evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return this.#evalLua(script.lua, keys.length, ...keys, ...args);
    }
  }

  /** The record stored under subject slot `s` and `id`, or undefined (also for a mismatched hash). */
  async readRecord(s: string, id: string): Promise<TokenRecord | undefined> {
    const hash = await this.client.hgetall(this.keys.record(s, id));
    const record = recordFromHash(hash);
    return record !== undefined && record.id === id ? record : undefined;
  }
}

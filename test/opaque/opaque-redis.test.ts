/**
 * The opaque-token flows on Redis (the server run-tests.ts starts), one key prefix per flow; after
 * each flow no key or value under the prefix holds an issued token.
 */
import { randomBytes } from 'node:crypto';
import { RedisTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { dumpRedis } from './dumps.js';
import { runOpaqueScenarios } from './scenarios.js';

const url = testServerUrl('redis', 'opaque tokens on Redis need a server');
if (url !== undefined) {
  runOpaqueScenarios('redis', async () => {
    const prefix = `o${randomBytes(4).toString('hex')}:`;
    return { store: await RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0 }), dump: () => dumpRedis(url, prefix) };
  });
}

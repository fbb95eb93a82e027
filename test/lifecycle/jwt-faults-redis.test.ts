/** JWTManager with Redis killed during verification (a private appendonly redis-server). */
import { RedisTokenStore } from '../../src/store/index.js';
import { startRedis } from '../support/servers/redis.js';
import { runJwtFaultSuite } from './jwt-faults.js';

runJwtFaultSuite('Redis', async () => {
  const server = await startRedis({ appendonly: true });
  const store = await RedisTokenStore.connect(server.url, { operationTimeoutMs: 800, sweepIntervalMs: 0 });
  return { server, store };
});

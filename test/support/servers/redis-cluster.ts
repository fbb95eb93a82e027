/**
 * Test harness for a three-master Redis Cluster on 127.0.0.1 (Debian's redis-server and
 * redis-tools): three `redis-server --cluster-enabled yes` nodes in temporary directories, joined
 * and given all 16384 slots by `redis-cli --cluster create`. No replicas: the tests need slot
 * routing and cross-slot rules, not failover.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeRedisPort, redisInlineCommand, startRedis, type RedisServer } from './redis.js';

const execFileAsync = promisify(execFile);
const REDIS_CLI = '/usr/bin/redis-cli';

/** A running three-master test cluster. */
export interface RedisClusterServer {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (the form createTokenStore accepts). */
  url: string;
  /** The nodes' ports, in creation order. */
  ports: number[];
  nodes: RedisServer[];
  /** Stops every node and removes the temporary directories. */
  stop(): Promise<void>;
}

async function waitClusterOk(ports: number[], deadline: number): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    const states = await Promise.all(ports.map((p) => redisInlineCommand(p, 'CLUSTER INFO', 1000).catch((e: Error) => e.message)));
    if (states.every((s) => s.includes('cluster_state:ok'))) return;
    last = states.join('\n');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis cluster did not reach cluster_state:ok in time:\n${last.slice(0, 2000)}`);
}

/**
 * Starts three cluster-enabled masters, creates the cluster, and resolves once every node
 * reports `cluster_state:ok`.
 * @example
 * const cluster = await startRedisCluster();
 * try { console.log(cluster.url); } finally { await cluster.stop(); }
 */
export async function startRedisCluster(): Promise<RedisClusterServer> {
  if (!existsSync(REDIS_CLI)) {
    throw new Error(`redis-cli is not installed (no ${REDIS_CLI}); install the Debian package redis-tools`);
  }
  const root = await mkdtemp(join(tmpdir(), 'cjwt-redis-cluster-'));
  const nodes: RedisServer[] = [];
  // The nodes kill themselves on exit; their shared directory is ours to remove.
  const onExit = (): void => rmSync(root, { recursive: true, force: true });
  process.on('exit', onExit);
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    process.off('exit', onExit);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const used = new Set<number>();
    for (let i = 0; i < 3; i++) {
      let port = await freeRedisPort(true);
      // Two free-port probes may pick neighbours whose bus ports collide with a node port.
      while (used.has(port) || used.has(port + 10000) || used.has(port - 10000)) port = await freeRedisPort(true);
      used.add(port);
      nodes.push(await startRedis({
        port,
        dir: join(root, `node-${i}`),
        extraArgs: [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(root, `node-${i}`, 'nodes.conf'),
          '--cluster-node-timeout', '2000',
        ],
      }));
    }
    const ports = nodes.map((n) => n.port);
    await execFileAsync(REDIS_CLI, [
      '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes',
    ], { timeout: 60_000 });
    await waitClusterOk(ports, Date.now() + 30_000);
    return {
      url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports,
      nodes,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** run-tests.ts hook: one cluster for the whole run, published as CJWT_TEST_REDIS_CLUSTER_URL. */
export async function startGlobal(): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  const cluster = await startRedisCluster();
  return { env: { CJWT_TEST_REDIS_CLUSTER_URL: cluster.url }, stop: () => cluster.stop() };
}

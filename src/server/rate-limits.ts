/**
 * Rate limits of `/login`, `/token` and the console's sign-in (@fastify/rate-limit): one budget
 * per client IP and one per username, each counted on its own, so a username attacked from many
 * addresses is limited as well as an address trying many usernames. When the store is Redis (or a
 * Redis Cluster) the counters live there, shared by every process of the service.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { HttpError } from './errors.js';

/** What a limiter made by `createRateLimit` answers. */
type LimitResult = { isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number };
type Limiter = (request: FastifyRequest) => Promise<LimitResult>;

/** The service's limiters. */
export interface RateLimits {
  /**
   * preHandlers limiting a route per client IP in the bucket `ipBucket` and, when `usernameOf`
   * names one, per username (one username budget shared by every login route). Empty when limits
   * are off.
   */
  hooks(ipBucket: string, usernameOf?: (request: FastifyRequest) => string | undefined): preHandlerAsyncHookHandler[];
  /** Disconnects the Redis client the limits use, if any. */
  close(): void;
}

/** Settings of {@link installRateLimits}. */
export interface RateLimitSettings {
  /** Requests per window per key; 0 turns limits off. */
  max: number;
  windowMs: number;
  /** The store URL: a Redis or Redis Cluster URL makes the counters shared. */
  storeUrl: string;
}

/** The username as counted: case and Unicode forms folded (a lenient `authenticate` must not multiply the budget), hashed (no names in Redis). */
function usernameKey(username: string): string {
  return createHash('sha256').update(username.normalize('NFKC').toLowerCase()).digest('base64url').slice(0, 22);
}

/**
 * Registers @fastify/rate-limit on `app` (not global: only routes that ask are limited) and
 * returns the hooks routes ask with.
 */
export async function installRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<RateLimits> {
  if (settings.max === 0) return { hooks: () => [], close: () => {} };
  const { default: rateLimit, normalizeIP } = await import('@fastify/rate-limit');
  let redis: { disconnect(): void } | undefined;
  const { isRedisUrl, openRedisClient } = await import('../store/redis/redis-connect.js');
  if (isRedisUrl(settings.storeUrl)) redis = await openRedisClient(settings.storeUrl, { connectTimeoutMs: 10_000 });
  await app.register(rateLimit, { global: false, ...(redis === undefined ? {} : { redis, nameSpace: 'cjwt-rl:', skipOnError: false }) });
  const create = (key: (request: FastifyRequest) => string): Limiter =>
    app.createRateLimit({ max: settings.max, timeWindow: settings.windowMs, keyGenerator: key }) as unknown as Limiter;
  // IPv6 clients usually hold a whole /64: count the prefix, not each address.
  const ipOf = (request: FastifyRequest): string => normalizeIP(request.ip, 64);
  const byIp = new Map<string, Limiter>();
  // The username a route's hook found, for the one username limiter every login route shares.
  const userOf = new WeakMap<FastifyRequest, string>();
  const byUser = create((request) => `user|${usernameKey(userOf.get(request) ?? '')}`);

  return {
    hooks(ipBucket, usernameOf) {
      let ipLimiter = byIp.get(ipBucket);
      if (ipLimiter === undefined) {
        ipLimiter = create((request) => `${ipBucket}|${ipOf(request)}`);
        byIp.set(ipBucket, ipLimiter);
      }
      const perIp = ipLimiter;
      return [async (request) => {
        const username = usernameOf?.(request);
        const limiters = [perIp];
        if (username !== undefined) {
          userOf.set(request, username);
          limiters.push(byUser);
        }
        let results: LimitResult[];
        try {
          // Every budget counts the attempt, whichever one refuses it.
          results = await Promise.all(limiters.map((limit) => limit(request)));
        } catch {
          // Fail closed: without the shared counters a login is not let through unlimited.
          throw new HttpError(503, 'temporarily_unavailable', 'ERR_STORAGE', 'rate limit store unavailable');
        }
        let retryAfter = 0;
        for (const r of results) if (!r.isAllowed && r.isExceeded) retryAfter = Math.max(retryAfter, r.ttlInSeconds, 1);
        if (retryAfter > 0) {
          throw new HttpError(429, 'rate_limited', 'ERR_RATE_LIMITED', 'too many requests, retry later', {}, { 'Retry-After': String(retryAfter) });
        }
      }];
    },
    close() {
      redis?.disconnect();
    },
  };
}

/**
 * `createTokenService(options)`: the token service on Fastify 5. It opens the store (SQLite in
 * the data directory by default), the sealed signing keys and the users file, and registers one
 * route module per endpoint group. Fastify, prom-client and the rate limiter are loaded here, so
 * `import 'cjwt'` loads none of them.
 */
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../keys/index.js';
import { TokenEvents } from '../lifecycle/events.js';
import type { RevocationFeed } from '../lifecycle/feed/revocation-feed.js';
import { createTokenStore, type TokenStore } from '../store/index.js';
import { Accounts, type Authenticate, type InitialCredentials } from './accounts.js';
import { deriveLifecycleSecret, SessionAuthority } from './authority.js';
import { resolveServiceConfig, type ResolvedServiceConfig, type TokenServiceConfig } from './config.js';
import type { ServiceContext } from './context.js';
import { countVerifyAnswers, registerConsole } from './console/index.js';
import { ensureDataDir, loadMasterKey, PersistedKeyRing } from './data-dir.js';
import { loadEncryptionKey } from './encryption-key.js';
import { setupHttp } from './http-setup.js';
import { createServiceMetrics } from './metrics.js';
import { installRateLimits } from './rate-limits.js';
import type { PasswordHashCost } from './passwords.js';
import { registerApiRoutes } from './routes/api.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerSeedTokenRoutes } from './routes/seed-tokens.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerWellKnownRoutes } from './routes/well-known.js';

/** Options of {@link createTokenService}: configuration plus the parts a program may supply. */
export interface TokenServiceOptions extends TokenServiceConfig {
  /** A store to use instead of opening `store` (the service then does not close it). */
  tokenStore?: TokenStore;
  /** Checks logins instead of the users file. */
  authenticate?: Authenticate;
  /** Environment to read `CJWT_*` from. Default: none (the CLI passes `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** JSON config file. */
  configFile?: string;
  /** scrypt cost of the first-start hashes (tests lower it). */
  passwordHashCost?: PasswordHashCost;
  /** Events of the service's token lifecycle. */
  events?: TokenEvents;
  /** Where pino writes (default standard output). */
  logStream?: NodeJS.WritableStream;
}

/** A configured, not yet listening, token service. */
export interface TokenService {
  /** The Fastify instance (inject, add routes). */
  app: FastifyInstance;
  config: ResolvedServiceConfig;
  store: TokenStore;
  events: TokenEvents;
  /** The admin credentials created on this start, if it was the first; shown once. */
  initialCredentials: InitialCredentials | undefined;
  /** The signing keys in use. */
  keyRing(): KeyRing;
  /** Rotates the signing key; the previous one keeps verifying (and stays in the JWKS) for `gracePeriod`. */
  rotateKeys(gracePeriod?: number | string): Promise<string>;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains in-flight requests, closes the store. */
  close(): Promise<void>;
}

const REDACT = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'body.password', 'body.client_secret',
  'body.token', 'body.refresh_token', 'password', 'token', 'refresh_token', 'client_secret',
];

// A feed that cannot catch up within its bound goes stale, and checks then ask the store: waiting
// longer would only delay the answer, so the wait ends there without an error.
function settleFeed(feed: RevocationFeed, boundMs: number): () => Promise<void> {
  return () => feed.waitCurrent(boundMs).catch(() => undefined);
}

/**
 * Builds the token service.
 *
 * @example
 * const service = await createTokenService({ port: 0, dataDir: './.cjwt' });
 * if (service.initialCredentials) console.log(service.initialCredentials.password);
 * const url = await service.listen();
 */
export async function createTokenService(options: TokenServiceOptions = {}): Promise<TokenService> {
  const { tokenStore, authenticate, env, configFile, passwordHashCost, events: givenEvents, logStream, ...configOptions } = options;
  const config = await resolveServiceConfig(configOptions, env ?? {}, configFile);
  const dataDir = resolve(config.dataDir);
  await ensureDataDir(dataDir);
  const masterKey = await loadMasterKey(dataDir, config.masterKey);
  const keys = await PersistedKeyRing.open(dataDir, masterKey, config.algorithm);
  const encryption = config.encryptAccessTokens ? await loadEncryptionKey(dataDir, masterKey) : undefined;
  const { accounts, initial } = await Accounts.open(config.usersFile ?? join(dataDir, 'users.json'), passwordHashCost);
  const storeUrl = config.store ?? `sqlite:${join(dataDir, 'cjwt.db')}`;
  const store = tokenStore ?? (await createTokenStore(storeUrl));
  const ownsStore = tokenStore === undefined;
  const events = givenEvents ?? new TokenEvents();
  const issuer = config.issuer ?? `http://${config.host}:${config.port}`;
  const metrics = await createServiceMetrics(store);
  let feed: RevocationFeed | undefined;
  try {
    if (config.revocation === 'feed') {
      // The feed follows the service's own store; Redis needs its URL (the store keeps its client private).
      const { openRevocationFeed } = await import('../lifecycle/feed/open-feed.js');
      const url = tokenStore === undefined ? storeUrl : config.store;
      feed = await openRevocationFeed(store, { maxStalenessMs: config.revocationMaxStalenessMs, ...(url === undefined ? {} : { url }) });
    }
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }

  let lastReload = 0;
  const authority = new SessionAuthority({
    store, ring: () => keys.ring, issuer, audiences: config.audiences, accessTtlSeconds: config.accessTtlSeconds,
    refreshTtlSeconds: config.refreshTtlSeconds, maxUserSessions: config.maxUserSessions, sessionLimitPolicy: config.sessionLimitPolicy, events,
    reuseGraceMs: config.reuseGraceMs, secret: deriveLifecycleSecret(masterKey),
    ...(feed === undefined ? {} : { revocationMirror: feed.mirror, settle: settleFeed(feed, config.revocationMaxStalenessMs) }),
    ...(encryption === undefined ? {} : { encryption: { key: encryption.key, alg: encryption.alg, enc: encryption.enc, kid: encryption.kid } }),
    // A kid we do not know may be another process's rotation: re-read the key file, at most once a second.
    onUnknownKey: async () => {
      if (Date.now() - lastReload < 1000) return false;
      lastReload = Date.now();
      return keys.reload();
    },
  });

  const { default: Fastify } = await import('fastify');
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, ...(logStream === undefined ? {} : { stream: logStream }) },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    // Wrong types are refused, not coerced; nothing is silently dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  const limits = await installRateLimits(app, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs, storeUrl });
  const ctx: ServiceContext = {
    config, issuer, authority, accounts, authenticate: authenticate ?? accounts.authenticate, store, ring: () => keys.ring, metrics, limits,
    async timed(operation, run) {
      const started = performance.now();
      let outcome = 'ok';
      try {
        const value = await run((refused) => { outcome = refused; });
        metrics.observe(operation, outcome, (performance.now() - started) / 1000);
        return value;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'ERR_STORAGE') metrics.storeError(operation);
        metrics.observe(operation, typeof code === 'string' ? code : 'error', (performance.now() - started) / 1000);
        throw err;
      }
    },
  };
  setupHttp(app, config.corsOrigins, () => metrics.storeError('request'));
  const verifyCounter = countVerifyAnswers(app);
  registerHealthRoutes(app, ctx);
  registerWellKnownRoutes(app, ctx);
  registerSessionRoutes(app, ctx);
  registerSeedTokenRoutes(app, ctx);
  registerOAuthRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerConsole(app, ctx, (gracePeriod) => keys.rotate(gracePeriod), verifyCounter);

  // Other processes on the same data directory may rotate: pick up their keys for the JWKS too.
  const reloadTimer = setInterval(() => { keys.reload().catch(() => undefined); }, 5000);
  reloadTimer.unref();

  let closed = false;
  return {
    app, config, store, events, initialCredentials: initial,
    keyRing: () => keys.ring,
    rotateKeys: (gracePeriod) => keys.rotate(gracePeriod),
    async listen() {
      const url = await app.listen({ host: config.host, port: config.port });
      if (config.issuer === undefined) {
        const address = app.server.address();
        const port = typeof address === 'object' && address !== null ? address.port : config.port;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host;
        ctx.issuer = `http://${host}:${port}`;
        authority.setIssuer(ctx.issuer);
      }
      return url;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(reloadTimer);
      await app.close();
      limits.close();
      await feed?.close();
      if (ownsStore) await store.close();
    },
  };
}

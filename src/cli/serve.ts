/**
 * `cjwt serve`: the token service. Defaults: 127.0.0.1:8080, data in `./.cjwt/` (SQLite,
 * sealed signing keys, users file). Every option is also a `CJWT_*` variable and a key of the
 * `--config` JSON file. On the first start it prints the admin password and client secret once.
 * SIGTERM/SIGINT stop accepting, drain in-flight requests and close the store.
 */
import type { Command } from 'commander';
import { runAction, UsageError, writeErr, writeOut } from './io.js';

/** Options of `cjwt serve` (commander names). */
export interface ServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  store?: string;
  config?: string;
  issuer?: string;
  algorithm?: string;
  maxUserSessions?: string;
  logLevel?: string;
  revocation?: string;
  encryptAccessTokens?: boolean;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer`);
  return n;
}

/** Starts the service and resolves once it has shut down after a signal. */
export async function serve(options: ServeOptions): Promise<void> {
  const { createTokenService } = await import('../server/service.js');
  let service;
  try {
    service = await createTokenService({
      env: process.env,
      ...(options.config === undefined ? {} : { configFile: options.config }),
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: integer(options.port, '--port')! }),
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.store === undefined ? {} : { store: options.store }),
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.algorithm === undefined ? {} : { algorithm: options.algorithm as 'ES256' }),
      ...(options.maxUserSessions === undefined ? {} : { maxUserSessions: integer(options.maxUserSessions, '--max-user-sessions')! }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
      ...(options.revocation === undefined ? {} : { revocation: options.revocation as 'feed' }),
      ...(options.encryptAccessTokens === true ? { encryptAccessTokens: true } : {}),
    });
  } catch (err) {
    if (err instanceof TypeError) throw new UsageError(err.message);
    throw err;
  }
  const initial = service.initialCredentials;
  if (initial !== undefined) {
    writeOut([
      'First start: created the admin user and client. These secrets are shown only now; only their scrypt hashes are stored.',
      `  user:   ${initial.username}`,
      `  password: ${initial.password}`,
      `  client: ${initial.clientId}`,
      `  client secret: ${initial.clientSecret}`,
    ].join('\n'));
  }
  const url = await service.listen();
  writeOut(`cjwt token service listening on ${url} (store: ${service.store.backend})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      writeErr(`${signal}: draining and shutting down`);
      const timer = setTimeout(() => { writeErr('shutdown timed out'); process.exit(1); }, service.config.shutdownTimeoutMs);
      timer.unref();
      service.close().then(resolve, (err: unknown) => { writeErr(`shutdown failed: ${(err as Error).message}`); resolve(); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** Registers `cjwt serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the token service: login, refresh, logout, sessions, introspection, revocation and JWKS over HTTP')
    .option('--host <host>', 'address to listen on (default 127.0.0.1; CJWT_HOST)')
    .option('--port <port>', 'port (default 8080; CJWT_PORT)')
    .option('--data-dir <dir>', 'data directory: SQLite database, sealed keys, users file (default ./.cjwt; CJWT_DATA_DIR)')
    .option('--store <url>', 'token store URL: sqlite:, redis://, redis+cluster://, postgres://, mysql:// (CJWT_STORE)')
    .option('--config <file>', 'JSON config file (CJWT_CONFIG)')
    .option('--issuer <url>', 'iss of issued tokens (default http://HOST:PORT; CJWT_ISSUER)')
    .option('--algorithm <alg>', 'signing algorithm of generated keys (default ES256; CJWT_ALGORITHM)')
    .option('--max-user-sessions <n>', 'live sessions per user, 0 unlimited (CJWT_MAX_USER_SESSIONS)')
    .option('--log-level <level>', 'pino level or silent (default info; CJWT_LOG_LEVEL)')
    .option('--revocation <mode>', 'revocation checks: store (a read per check, default) or feed (in-memory mirror of the store\'s revocation log; CJWT_REVOCATION)')
    .option('--encrypt-access-tokens', 'issue access tokens as nested JWE (signed, then encrypted to a key sealed in the data directory; CJWT_ENCRYPT_ACCESS_TOKENS)')
    .action((options: ServeOptions) => runAction(() => serve(options)));
}

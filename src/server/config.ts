/**
 * The service's configuration: defaults, then a JSON config file (`--config FILE` /
 * `CJWT_CONFIG`), then `CJWT_*` environment variables, then explicit options (the CLI's flags).
 */
import { readFile } from 'node:fs/promises';
import { isJWSAlgorithm, type JWSAlgorithm } from '../jose/algorithms.js';
import type { SessionLimitPolicy } from '../store/index.js';

/** Every setting of the service; all optional in {@link TokenServiceConfig}. */
export interface ResolvedServiceConfig {
  host: string;
  port: number;
  /** Data directory: master key file, sealed signing keys, users file, SQLite database. */
  dataDir: string;
  /** Store URL; default `sqlite:<dataDir>/cjwt.db`. */
  store: string | undefined;
  /** `iss` of issued tokens; default `http://<host>:<port>`. */
  issuer: string | undefined;
  /** Audiences the service issues for; the first is the default. */
  audiences: string[];
  algorithm: JWSAlgorithm;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  maxUserSessions: number;
  sessionLimitPolicy: SessionLimitPolicy;
  /** Milliseconds a just-rotated refresh token may be retried for the same successor (0: any reuse revokes). */
  reuseGraceMs: number;
  /** 32 bytes, hex or base64url; default: `<dataDir>/master.key`. */
  masterKey: string | undefined;
  /** Users file; default `<dataDir>/users.json`. */
  usersFile: string | undefined;
  /** Requests per window per IP (and username) on /login and /token; 0 disables. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Origins allowed by CORS; empty: CORS off. */
  corsOrigins: string[];
  /** pino level, or `silent`. */
  logLevel: string;
  /** Trust X-Forwarded-For from a proxy. */
  trustProxy: boolean;
  /** Milliseconds the shutdown waits for in-flight requests. */
  shutdownTimeoutMs: number;
  /**
   * How access tokens are checked for revocation: `store` (a store read per check, the default)
   * or `feed` (an in-memory mirror of the store's revocations, kept current by its log or stream).
   */
  revocation: 'store' | 'feed';
  /** With `feed`: a mirror not confirmed current within this many ms is not used (the store answers). */
  revocationMaxStalenessMs: number;
  /**
   * Issue access tokens as nested JWTs (seed 002): the signed JWS inside a JWE (ECDH-ES+A256KW,
   * A256GCM) to a key generated once and sealed in the data directory. Only this service (and
   * whoever holds that key) can then read or verify them; JWKS-only verifiers cannot.
   */
  encryptAccessTokens: boolean;
}

/** Options of `createTokenService` that come from configuration. */
export type TokenServiceConfig = Partial<ResolvedServiceConfig>;

/** The defaults: loopback on 8080, data in `./.cjwt/`. */
export const DEFAULT_CONFIG: ResolvedServiceConfig = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: '.cjwt',
  store: undefined,
  issuer: undefined,
  audiences: ['api'],
  algorithm: 'ES256',
  accessTtlSeconds: 900,
  refreshTtlSeconds: 30 * 86400,
  maxUserSessions: 0,
  sessionLimitPolicy: 'reject',
  reuseGraceMs: 0,
  masterKey: undefined,
  usersFile: undefined,
  rateLimitMax: 20,
  rateLimitWindowMs: 60_000,
  bodyLimit: 16 * 1024,
  corsOrigins: [],
  logLevel: 'info',
  trustProxy: false,
  shutdownTimeoutMs: 10_000,
  revocation: 'store',
  revocationMaxStalenessMs: 1000,
  encryptAccessTokens: false,
};

type Kind = 'string' | 'int' | 'list' | 'bool';
const FIELDS: Record<keyof ResolvedServiceConfig, Kind> = {
  host: 'string', port: 'int', dataDir: 'string', store: 'string', issuer: 'string', audiences: 'list', algorithm: 'string',
  accessTtlSeconds: 'int', refreshTtlSeconds: 'int', maxUserSessions: 'int', sessionLimitPolicy: 'string', reuseGraceMs: 'int', masterKey: 'string',
  usersFile: 'string', rateLimitMax: 'int', rateLimitWindowMs: 'int', bodyLimit: 'int', corsOrigins: 'list', logLevel: 'string',
  trustProxy: 'bool', shutdownTimeoutMs: 'int', revocation: 'string', revocationMaxStalenessMs: 'int', encryptAccessTokens: 'bool',
};

/** `dataDir` → `CJWT_DATA_DIR`. */
export function envName(field: string): string {
  return `CJWT_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function convert(field: string, kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`config ${field} must be a string`);
      return value;
    case 'int': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`config ${field} must be a non-negative integer`);
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new TypeError(`config ${field} must be true or false`);
    case 'list':
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      throw new TypeError(`config ${field} must be a list of strings`);
  }
}

function apply(target: ResolvedServiceConfig, source: Record<string, unknown>, origin: string): void {
  for (const [field, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const kind = FIELDS[field as keyof ResolvedServiceConfig];
    if (kind === undefined) throw new TypeError(`unknown ${origin} setting ${field}`);
    (target as unknown as Record<string, unknown>)[field] = convert(field, kind, value);
  }
}

/**
 * Resolves the configuration: defaults < config file < `CJWT_*` environment < options.
 *
 * @example const config = await resolveServiceConfig({ port: 0 }, process.env, 'cjwt.json');
 */
export async function resolveServiceConfig(options: TokenServiceConfig = {}, env: NodeJS.ProcessEnv = {}, configFile?: string): Promise<ResolvedServiceConfig> {
  const config: ResolvedServiceConfig = { ...DEFAULT_CONFIG, audiences: [...DEFAULT_CONFIG.audiences], corsOrigins: [] };
  const file = configFile ?? env.CJWT_CONFIG;
  if (file !== undefined && file !== '') {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('the config file must hold a JSON object');
    apply(config, parsed as Record<string, unknown>, 'config file');
  }
  const fromEnv: Record<string, unknown> = {};
  for (const field of Object.keys(FIELDS)) {
    const value = env[envName(field)];
    if (value !== undefined && value !== '') fromEnv[field] = value;
  }
  apply(config, fromEnv, 'environment');
  apply(config, options as Record<string, unknown>, 'option');
  if (!isJWSAlgorithm(config.algorithm)) throw new TypeError(`unsupported signing algorithm ${String(config.algorithm)}`);
  if (config.sessionLimitPolicy !== 'reject' && config.sessionLimitPolicy !== 'evict-oldest') throw new TypeError('sessionLimitPolicy must be reject or evict-oldest');
  if (config.revocation !== 'store' && config.revocation !== 'feed') throw new TypeError('revocation must be store or feed');
  if (config.audiences.length === 0) throw new TypeError('audiences must not be empty');
  if (config.port > 65535) throw new TypeError('port must be at most 65535');
  return config;
}

/**
 * What every route module receives: the configuration and the parts the service is built from.
 */
import type { KeyRing } from '../keys/index.js';
import type { TokenStore } from '../store/index.js';
import type { Accounts, Authenticate } from './accounts.js';
import type { SessionAuthority } from './authority.js';
import type { ResolvedServiceConfig } from './config.js';
import type { ServiceMetrics } from './metrics.js';
import type { RateLimits } from './rate-limits.js';

/** The service's parts, shared by its route modules. */
export interface ServiceContext {
  config: ResolvedServiceConfig;
  /** `iss` of issued tokens and the metadata's `issuer`. */
  issuer: string;
  authority: SessionAuthority;
  accounts: Accounts;
  authenticate: Authenticate;
  store: TokenStore;
  ring: () => KeyRing;
  metrics: ServiceMetrics;
  /** Per-IP and per-username limits of the login and token routes. */
  limits: RateLimits;
  /** Runs an operation, recording its outcome and latency (and store failures). */
  timed<T>(operation: string, run: () => Promise<T>): Promise<T>;
}

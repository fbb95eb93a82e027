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
  /**
   * Runs an operation, recording its outcome and latency (and store failures). The outcome is
   * `ok`, the code of what `run` throws, or what `run` passes to `setOutcome` (a refusal answered
   * without throwing: a 401 from /verify, an inactive introspection).
   */
  timed<T>(operation: string, run: (setOutcome: (outcome: string) => void) => Promise<T>): Promise<T>;
}

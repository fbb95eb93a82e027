/** What the refresh races' parent and workers share: the task and tally shapes and the issuer. */
import { JWTManager } from '../../../src/jwt/index.js';
import { TokenPairIssuer, type TokenPair } from '../../../src/lifecycle/refresh/index.js';
import type { TokenStore } from '../../../src/store/types.js';

/** What every issuer of a race shares: the keys and the policy. */
export interface RaceConfig {
  hmac: string;
  secret: string;
  reuseGraceMs: number;
  maxUserSessions: number;
}

/** A batch of racing calls. */
export type RaceTask =
  | { type: 'refresh'; config: RaceConfig; token: string; calls: number }
  | { type: 'login'; config: RaceConfig; subject: string; calls: number };

/** What a worker reports for one task. */
export interface RaceTally {
  type: 'result';
  /** Calls that returned a pair. */
  successes: number;
  /** The distinct pairs returned (by refresh token). */
  pairs: TokenPair[];
  /** Error code -> count. */
  codes: Record<string, number>;
  /** Errors without a cjwt code (must stay empty). */
  errors: string[];
}

/** An issuer as the parent's: same keys, same options. */
export function raceIssuer(config: RaceConfig, on: TokenStore): TokenPairIssuer {
  return new TokenPairIssuer({
    jwt: JWTManager.withHMAC(Buffer.from(config.hmac, 'base64url'), { issuer: 'https://auth.race', keyId: 'race' }),
    store: on,
    secret: Buffer.from(config.secret, 'base64url'),
    reuseGraceMs: config.reuseGraceMs,
    maxUserSessions: config.maxUserSessions,
    refreshTokenPrefix: 'race',
  });
}


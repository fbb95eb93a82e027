/**
 * KeyRing: the keys a service signs and verifies with. One active key signs; keys rotated out
 * keep verifying until their grace period ends; the public JWKS lists exactly the keys that
 * verify. Every key is imported once and gets its signer and verifiers built once.
 */
import { KeyObject } from 'node:crypto';
import { algorithmsForKey, isJWSAlgorithm, type JWSAlgorithm } from '../jose/algorithms.js';
import { JOSEAlgNotAllowed, JWKInvalid, KeyTooWeak } from '../jose/errors.js';
import { checkKeyForAlgorithm } from '../jose/jwk/key-checks.js';
import type { JWSHeader } from '../jose/jws/jws.js';
import { parseDuration, type JWTClaims, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import { createJWTSigner } from '../jose/jwt/jwt.js';
import { generateKeyPair, generateSecret, importJWK, type JWK } from '../jose/jwk/keys.js';
import { ClockDate } from './clock-date.js';
import type { JWKS } from './jwks-fetch.js';
import { defaultKid, entryInfo, entryState, makeEntry, type KeyInfo, type KeyUse, type RingEntry } from './ring-entry.js';
import { createRingResolver, createRingVerifier, type RingLookup, type RingVerifyOptions } from './ring-verifier.js';

export type { KeyInfo, KeyState, KeyUse } from './ring-entry.js';
export type { RingVerifyOptions } from './ring-verifier.js';

/** Options of a {@link KeyRing}. */
export interface KeyRingOptions {
  /** Clock in epoch milliseconds (tests inject one). Default `Date.now`. */
  now?: () => number;
  /** Verify tokens without `kid` by trying the keys of the token's `alg`. Default false. */
  allowKidless?: boolean;
  /** Grace period of `rotate()` when none is given: seconds or `'1d'`. Default one day. */
  defaultGracePeriod?: number | string;
}

/** Options of {@link KeyRing.add}. */
export interface AddKeyOptions {
  /** Algorithm; default the JWK's `alg`, else the key's first algorithm (RS256, ES256, HS256, EdDSA). */
  alg?: JWSAlgorithm;
  /** Key id; default the JWK's `kid`, else the RFC 7638 thumbprint (random for secrets). */
  kid?: string;
  use?: KeyUse;
  /** Make it the signing key. Default: when the ring has no active key and this one can sign. */
  active?: boolean;
  createdAt?: number;
  /** Stop verifying at this time (epoch ms). */
  retireAt?: number;
}

/** Options of {@link KeyRing.rotate}. */
export interface RotateOptions {
  /** Algorithm of the new key; default that of the current active key. */
  algorithm?: JWSAlgorithm;
  /** How long the previous key keeps verifying: seconds or `'1h'`. Default the ring's default. */
  gracePeriod?: number | string;
  /** Use this key instead of generating one. */
  key?: KeyObject;
  kid?: string;
  /** RSA modulus length for generated RSA keys. Default 2048. */
  modulusLength?: number;
}

/** The current signing key's description. */
export interface SigningKeyInfo {
  kid: string;
  alg: JWSAlgorithm;
}

function generateKeyFor(alg: JWSAlgorithm, modulusLength?: number): KeyObject {
  if (alg === 'HS256' || alg === 'HS384' || alg === 'HS512') return generateSecret(alg);
  return generateKeyPair(alg, modulusLength === undefined ? {} : { modulusLength }).privateKey;
}

/**
 * A set of signing and verification keys with rotation.
 *
 * @example
 * const ring = KeyRing.generate('ES256');
 * const token = ring.sign({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 900 });
 * ring.rotate({ gracePeriod: '1h' });
 * ring.verify(token).payload.sub // 'user-1' (the old key verifies for one more hour)
 */
export class KeyRing implements RingLookup {
  /** Clock in epoch milliseconds. */
  readonly now: () => number;
  readonly allowKidless: boolean;
  private readonly defaultGraceSeconds: number;
  private readonly entries = new Map<string, RingEntry>();
  private activeKid: string | undefined;
  private readonly clockDate: Date | undefined;
  private readonly defaultVerifier: (token: string) => JWTVerifyResult;
  private scheduleTimer: NodeJS.Timeout | undefined;

  constructor(options: KeyRingOptions = {}) {
    this.now = options.now ?? Date.now;
    this.allowKidless = options.allowKidless ?? false;
    this.defaultGraceSeconds = parseDuration(options.defaultGracePeriod ?? '1d');
    this.clockDate = options.now === undefined ? undefined : new ClockDate(options.now);
    this.defaultVerifier = this.createVerifier();
  }

  /**
   * A ring with one freshly generated active key.
   *
   * @example const ring = KeyRing.generate('EdDSA', { defaultGracePeriod: '2h' });
   */
  static generate(alg: JWSAlgorithm, options: KeyRingOptions & { kid?: string; modulusLength?: number } = {}): KeyRing {
    const ring = new KeyRing(options);
    ring.add(generateKeyFor(alg, options.modulusLength), { alg, ...(options.kid === undefined ? {} : { kid: options.kid }) });
    return ring;
  }

  /**
   * Adds a key (a `KeyObject` or a JWK). Public keys only verify; private keys and secrets can sign.
   *
   * @throws {JOSEAlgNotAllowed | KeyTooWeak} when the key does not fit the algorithm.
   * @throws {JWKInvalid} for a duplicate kid or an unusable JWK.
   */
  add(key: KeyObject | JWK, options: AddKeyOptions = {}): KeyInfo {
    const jwk = key instanceof KeyObject ? undefined : key;
    const keyObject = jwk === undefined ? (key as KeyObject) : importJWK(jwk);
    const jwkAlg = jwk?.alg;
    const alg = options.alg ?? (isJWSAlgorithm(jwkAlg) ? jwkAlg : algorithmsForKey(keyObject)[0]);
    if (alg === undefined) throw new KeyTooWeak('the key is below the minimum strength for every algorithm');
    checkKeyForAlgorithm(keyObject, alg, keyObject.type === 'public' ? 'verify' : 'sign');
    const kid = options.kid ?? (typeof jwk?.kid === 'string' ? jwk.kid : defaultKid(keyObject));
    if (typeof kid !== 'string' || kid.length === 0) throw new JWKInvalid('kid must be a non-empty string');
    if (this.entries.has(kid)) throw new JWKInvalid(`the key ring already holds kid ${kid}`);
    const use = options.use ?? (jwk?.use === 'enc' ? 'enc' : 'sig');
    const entry = makeEntry({ key: keyObject, kid, alg, use, createdAt: options.createdAt ?? this.now(), retireAt: options.retireAt });
    const canSign = entry.signingKey !== undefined && use === 'sig';
    if (options.active === true && !canSign) throw new JOSEAlgNotAllowed('only a private key or secret with use "sig" can be the active key');
    this.entries.set(kid, entry);
    if (options.active === true || (options.active === undefined && this.activeKid === undefined && canSign)) {
      this.activate(entry);
      // The caller's end date holds for an active key too: activation must not extend its life.
      entry.retireAt = options.retireAt;
    }
    return entryInfo(entry, this.activeKid, this.now());
  }

  /**
   * Makes a new active key; the previous one stops signing and keeps verifying for the grace period.
   *
   * @example ring.rotate({ algorithm: 'ES256', gracePeriod: '1h' })
   */
  rotate(options: RotateOptions = {}): KeyInfo {
    const previous = this.activeKid === undefined ? undefined : this.entries.get(this.activeKid);
    const alg = options.algorithm ?? previous?.alg;
    if (alg === undefined) throw new JOSEAlgNotAllowed('rotate() needs an algorithm when the ring has no active key');
    const key = options.key ?? generateKeyFor(alg, options.modulusLength);
    if (key.type === 'public') throw new JOSEAlgNotAllowed('rotate() needs a private key or a secret: a public key cannot sign');
    const grace = options.gracePeriod === undefined ? this.defaultGraceSeconds : parseDuration(options.gracePeriod);
    // Add first: if the new key is refused, the old one stays active.
    const info = this.add(key, { alg, active: false, ...(options.kid === undefined ? {} : { kid: options.kid }) });
    const now = this.now();
    if (previous !== undefined) {
      previous.retiringAt = now;
      const retireAt = now + grace * 1000;
      previous.retireAt = previous.retireAt === undefined ? retireAt : Math.min(previous.retireAt, retireAt);
    }
    const entry = this.entries.get(info.kid)!;
    this.activate(entry);
    return entryInfo(entry, this.activeKid, now);
  }

  /** Stops a key from verifying now (e.g. after a compromise). Retiring the active key leaves the ring unable to sign. */
  retire(kid: string): boolean {
    const entry = this.entries.get(kid);
    if (entry === undefined) return false;
    entry.retired = true;
    entry.retiringAt ??= this.now();
    if (this.activeKid === kid) this.activeKid = undefined;
    return true;
  }

  /** Removes a key entirely. */
  remove(kid: string): boolean {
    if (this.activeKid === kid) this.activeKid = undefined;
    return this.entries.delete(kid);
  }

  /** Removes retired keys; returns their kids. */
  prune(): string[] {
    const now = this.now();
    const removed: string[] = [];
    for (const entry of this.entries.values()) {
      if (entryState(entry, this.activeKid, now) === 'retired') removed.push(entry.kid);
    }
    for (const kid of removed) this.entries.delete(kid);
    return removed;
  }

  /** Every key's description, active first, then newest first. */
  list(): KeyInfo[] {
    const now = this.now();
    return this.sortedEntries().map((e) => entryInfo(e, this.activeKid, now));
  }

  /** The signing key's kid and alg, or undefined when the ring cannot sign. */
  signingKey(): SigningKeyInfo | undefined {
    const entry = this.activeEntry();
    return entry === undefined ? undefined : { kid: entry.kid, alg: entry.alg };
  }

  /**
   * Signs a claims set with the active key (header `kid` and `alg` set). Claims are signed as
   * given: add `exp` yourself, or use a JWTManager.
   *
   * @throws {JOSEAlgNotAllowed} when the ring has no active key.
   */
  sign(claims: JWTClaims, options: { typ?: string } = {}): string {
    const entry = this.activeEntry();
    if (entry === undefined || entry.signingKey === undefined) throw new JOSEAlgNotAllowed('the key ring has no active signing key');
    const typ = options.typ ?? 'JWT';
    let signer = entry.signers.get(typ);
    if (signer === undefined) {
      signer = createJWTSigner({ key: entry.signingKey, alg: entry.alg, kid: entry.kid, typ, issuedAt: false });
      entry.signers.set(typ, signer);
    }
    return signer(claims);
  }

  /**
   * Builds a verifier with fixed options (issuer, audience, ...). Reuse it: its per-key
   * verifiers are compiled once.
   */
  createVerifier(options: RingVerifyOptions = {}): (token: string) => JWTVerifyResult {
    const withClock = this.clockDate !== undefined && options.currentDate === undefined ? { ...options, currentDate: this.clockDate } : options;
    return createRingVerifier(this, withClock);
  }

  /**
   * Verifies a JWT signed by a key of the ring (signature, `exp`/`nbf` only).
   *
   * @throws {JoseError} with the failure's code; `ERR_JWKS_NO_MATCHING_KEY` for an unknown or retired kid.
   */
  verify(token: string): JWTVerifyResult {
    return this.defaultVerifier(token);
  }

  /** A `(header) => KeyObject` resolver over the verifying keys (for `verifyJWT` and friends). */
  resolver(): (header: JWSHeader) => KeyObject {
    return createRingResolver(this);
  }

  /**
   * The public JWKS: exactly the keys that verify now, with `kid`, `alg` and `use`. Secrets and
   * private members are never included.
   */
  jwks(): JWKS {
    const now = this.now();
    const keys: JWK[] = [];
    for (const e of this.sortedEntries()) {
      if (e.publicJwk === undefined || entryState(e, this.activeKid, now) === 'retired') continue;
      keys.push({ ...e.publicJwk, kid: e.kid, alg: e.alg, use: e.use });
    }
    return { keys };
  }

  /**
   * Rotates every `interval` (seconds or `'30d'`) on a timer that does not keep the process
   * alive, pruning retired keys after each rotation. Returns a function that stops it.
   */
  schedule(options: RotateOptions & { interval: number | string; onRotate?: (info: KeyInfo) => void; onError?: (err: unknown) => void }): () => void {
    this.stopSchedule();
    const ms = parseDuration(options.interval) * 1000;
    if (!(ms >= 1000)) throw new RangeError('rotation interval must be at least one second');
    const { interval: _interval, onRotate, onError, ...rotateOptions } = options;
    const timer = setInterval(() => {
      try {
        const info = this.rotate(rotateOptions);
        this.prune();
        onRotate?.(info);
      } catch (err) {
        onError?.(err);
      }
    }, ms);
    timer.unref();
    this.scheduleTimer = timer;
    return () => this.stopSchedule();
  }

  /** Stops the rotation schedule, if any. */
  stopSchedule(): void {
    if (this.scheduleTimer !== undefined) clearInterval(this.scheduleTimer);
    this.scheduleTimer = undefined;
  }

  /** @internal RingLookup: the entry with this kid if it verifies now. */
  verifyingEntry(kid: string): RingEntry | undefined {
    const entry = this.entries.get(kid);
    if (entry === undefined || entry.use !== 'sig' || entry.retired) return undefined;
    // The clock is read only for keys with an end date: the active key's path stays clock-free.
    if (entry.retireAt !== undefined && this.now() >= entry.retireAt) return undefined;
    return entry;
  }

  /** @internal RingLookup: verifying entries of `alg`, active first. */
  kidlessCandidates(alg: string): RingEntry[] {
    if (!this.allowKidless) return [];
    const now = this.now();
    return this.sortedEntries().filter((e) => e.alg === alg && e.use === 'sig' && entryState(e, this.activeKid, now) !== 'retired');
  }

  /** @internal for persistence: entries and the active kid. */
  snapshotEntries(): { entries: RingEntry[]; activeKid: string | undefined } {
    return { entries: [...this.entries.values()], activeKid: this.activeKid };
  }

  /** @internal for persistence: puts back a saved entry. */
  restoreEntry(entry: RingEntry, active: boolean): void {
    if (this.entries.has(entry.kid)) throw new JWKInvalid(`the key ring already holds kid ${entry.kid}`);
    this.entries.set(entry.kid, entry);
    if (active) this.activeKid = entry.kid;
  }

  private activate(entry: RingEntry): void {
    this.activeKid = entry.kid;
    entry.retiringAt = undefined;
    entry.retireAt = undefined;
    entry.retired = false;
  }

  private activeEntry(): RingEntry | undefined {
    const entry = this.activeKid === undefined ? undefined : this.entries.get(this.activeKid);
    // A key past its end date signs nothing: its tokens would never verify. The clock is read
    // only for an active key with an end date.
    if (entry?.retireAt !== undefined && this.now() >= entry.retireAt) return undefined;
    return entry;
  }

  private sortedEntries(): RingEntry[] {
    return [...this.entries.values()].sort((a, b) =>
      (a.kid === this.activeKid ? -1 : 0) - (b.kid === this.activeKid ? -1 : 0) || b.createdAt - a.createdAt);
  }
}

/**
 * The verifier's configuration of signers: id, algorithm, role, weight and key. Everything a
 * multi-signature verification trusts comes from here, never from the token. Each signer is
 * prepared once: its key checked against its algorithm, its verifying key derived, and its
 * identity computed as the RFC 7638 thumbprint of the (public) key, so one key configured under
 * two ids is recognised as one signer.
 */
import type { KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint, CjwtError, generateKeyPair, generateSecret, SignerInvalid, toPublicKey, createJWSSigner,
} from '../jose/index.js';
import { isSignatureAlgorithm, type SignatureAlgorithm } from './algorithms.js';

/** A signer as the seed describes it (seed: `Signer`). */
export interface Signer {
  /** Unique id; it is the `kid` of the signer's signatures. */
  id: string;
  /** Default: the manager's default signature algorithm. */
  algorithm?: SignatureAlgorithm;
  role?: string;
  /** Positive number, default 1. */
  weight?: number;
  /**
   * Private key (or HS256 secret) to sign with; a public key for a verify-only signer. When
   * absent the manager generates one (RSA 2048, P-256, Ed25519 or a 32-byte secret).
   */
  key?: KeyObject;
}

/** A signer prepared for use. */
export interface ConfiguredSigner {
  readonly id: string;
  readonly algorithm: SignatureAlgorithm;
  readonly role: string | undefined;
  readonly weight: number;
  /** The key that signs, when this manager holds it. */
  readonly signKey: KeyObject | undefined;
  /** The key that verifies (the public key, or the HS256 secret). */
  readonly verifyKey: KeyObject;
  /** RFC 7638 thumbprint of the verifying key: one key under two ids is one identity. Never shown. */
  readonly identity: string;
}

/** What {@link SignerRegistry.list} shows: no private material, and no thumbprint of a secret. */
export interface SignerInfo {
  id: string;
  algorithm: SignatureAlgorithm;
  role: string | undefined;
  weight: number;
  /** The public key, for asymmetric signers (share it with verifiers). */
  publicKey: KeyObject | undefined;
  /** True when this manager can sign as this signer. */
  canSign: boolean;
}

function generate(algorithm: SignatureAlgorithm): KeyObject {
  if (algorithm === 'HS256') return generateSecret('HS256');
  return generateKeyPair(algorithm).privateKey;
}

function prepare(signer: Signer, defaultAlgorithm: SignatureAlgorithm): ConfiguredSigner {
  if (signer === null || typeof signer !== 'object') throw new SignerInvalid('a signer must be an object');
  const { id } = signer;
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw new SignerInvalid('a signer id must be a non-empty string of at most 256 characters');
  const algorithm = signer.algorithm ?? defaultAlgorithm;
  if (!isSignatureAlgorithm(algorithm)) throw new SignerInvalid(`signer ${id}: unsupported algorithm`);
  const weight = signer.weight ?? 1;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight <= 0) throw new SignerInvalid(`signer ${id}: weight must be a positive number`);
  if (signer.role !== undefined && (typeof signer.role !== 'string' || signer.role.length === 0)) throw new SignerInvalid(`signer ${id}: role must be a non-empty string`);
  const key = signer.key ?? generate(algorithm);
  const canSign = key.type === 'private' || key.type === 'secret';
  try {
    // Fails now, not at the first token, when the key does not fit the algorithm or is too weak.
    if (canSign) createJWSSigner(key, { alg: algorithm, kid: id });
    const verifyKey = key.type === 'private' ? toPublicKey(key) : key;
    return { id, algorithm, role: signer.role, weight, signKey: canSign ? key : undefined, verifyKey, identity: calculateJwkThumbprint(verifyKey) };
  } catch (err) {
    if (err instanceof SignerInvalid) throw err;
    throw new SignerInvalid(`signer ${id}: the key cannot be used with ${algorithm}${err instanceof CjwtError ? ` (${err.code})` : ''}`);
  }
}

/** The configured signers of one manager. */
export class SignerRegistry {
  private readonly signers = new Map<string, ConfiguredSigner>();

  constructor(private readonly defaultAlgorithm: SignatureAlgorithm) {}

  /**
   * Adds a signer (generating its key when none is given).
   *
   * @throws {SignerInvalid} for a bad configuration or an id already configured.
   */
  add(signer: Signer): ConfiguredSigner {
    if (this.signers.has(signer?.id)) throw new SignerInvalid(`signer ${signer.id} is already configured`);
    const configured = prepare(signer, this.defaultAlgorithm);
    this.signers.set(configured.id, configured);
    return configured;
  }

  /**
   * The configured signer a request names, added on first use. A request may not redefine a
   * configured signer: verification trusts the configuration, so what signs must match it.
   *
   * @throws {SignerInvalid} when the request's algorithm, role, weight or key differ from the configuration.
   */
  resolve(signer: Signer): ConfiguredSigner {
    const known = this.signers.get(signer?.id);
    if (known === undefined) return this.add(signer);
    const differs = (signer.algorithm !== undefined && signer.algorithm !== known.algorithm) ||
      (signer.role !== undefined && signer.role !== known.role) ||
      (signer.weight !== undefined && signer.weight !== known.weight) ||
      (signer.key !== undefined && signer.key !== known.signKey && signer.key !== known.verifyKey);
    if (differs) throw new SignerInvalid(`signer ${known.id} is configured differently`);
    return known;
  }

  /** The configured signer with `id`, if any. */
  get(id: unknown): ConfiguredSigner | undefined {
    return typeof id === 'string' ? this.signers.get(id) : undefined;
  }

  /** Every configured signer, in configuration order. */
  all(): ConfiguredSigner[] {
    return [...this.signers.values()];
  }

  /** Public description of every signer. */
  list(): SignerInfo[] {
    return this.all().map((s) => ({
      id: s.id, algorithm: s.algorithm, role: s.role, weight: s.weight,
      publicKey: s.verifyKey.type === 'public' ? s.verifyKey : undefined, canSign: s.signKey !== undefined,
    }));
  }

  /** Forgets every signer. */
  clear(): void {
    this.signers.clear();
  }
}

/**
 * Signature policies (seed: `SignaturePolicy`): threshold, role-based, weighted and all-signers.
 * A policy may combine conditions (a count and required roles, as the seed's example does); every
 * condition present must hold. The evaluation sees only signers whose signature verified, each
 * key identity once.
 */
import { SignaturePolicyInvalid } from '../jose/index.js';

/** At least `requiredSignatures` distinct valid signers. */
export const ThresholdPolicy = 'threshold';
/** Every role in `requiredRoles` has a valid signer (a role listed twice needs two). */
export const RoleBasedPolicy = 'role-based';
/** The valid signers' weights add up to at least `minWeight`. */
export const WeightedPolicy = 'weighted';
/** Every configured signer in scope signed validly. */
export const AllSignersPolicy = 'all-signers';

/** A policy type. */
export type SignaturePolicyType = typeof ThresholdPolicy | typeof RoleBasedPolicy | typeof WeightedPolicy | typeof AllSignersPolicy;

/** A signature policy. */
export interface SignaturePolicy {
  type: SignaturePolicyType;
  /** Distinct valid signers needed (threshold; an extra condition for the other types). */
  requiredSignatures?: number;
  /** Roles that need a valid signer each, distinct signers for distinct entries. */
  requiredRoles?: string[];
  /** Weight needed (weighted; an extra condition for the other types). */
  minWeight?: number;
  /** Signer ids the policy is about (default: every configured signer). */
  signers?: string[];
}

/** One distinct key identity whose signature verified: its roles and its weight. */
export interface ValidIdentity {
  roles: ReadonlySet<string>;
  weight: number;
}

/** Whether a policy holds, and the figures it was judged on. */
export interface PolicyOutcome {
  satisfied: boolean;
  validSigners: number;
  totalWeight: number;
  /** Required roles without a distinct valid signer. */
  missingRoles: string[];
  /** Signers in scope (all-signers) without a valid signature. */
  missingSigners: string[];
}

/**
 * Checks a policy's shape.
 *
 * @throws {SignaturePolicyInvalid} for a missing condition, a non-positive threshold or weight, empty roles.
 */
export function checkPolicy(policy: SignaturePolicy): SignaturePolicy {
  if (policy === null || typeof policy !== 'object') throw new SignaturePolicyInvalid('a signature policy must be an object');
  const { type, requiredSignatures, requiredRoles, minWeight, signers } = policy;
  if (![ThresholdPolicy, RoleBasedPolicy, WeightedPolicy, AllSignersPolicy].includes(type)) throw new SignaturePolicyInvalid('unknown signature policy type');
  if (requiredSignatures !== undefined && (!Number.isSafeInteger(requiredSignatures) || requiredSignatures < 1)) {
    throw new SignaturePolicyInvalid('requiredSignatures must be a positive integer');
  }
  if (requiredRoles !== undefined && (!Array.isArray(requiredRoles) || requiredRoles.some((r) => typeof r !== 'string' || r.length === 0))) {
    throw new SignaturePolicyInvalid('requiredRoles must be an array of non-empty strings');
  }
  if (minWeight !== undefined && (typeof minWeight !== 'number' || !Number.isFinite(minWeight) || minWeight <= 0)) {
    throw new SignaturePolicyInvalid('minWeight must be a positive number');
  }
  if (signers !== undefined && (!Array.isArray(signers) || signers.length === 0 || signers.some((s) => typeof s !== 'string'))) {
    throw new SignaturePolicyInvalid('signers must be a non-empty array of signer ids');
  }
  if (type === ThresholdPolicy && requiredSignatures === undefined) throw new SignaturePolicyInvalid('a threshold policy needs requiredSignatures');
  if (type === RoleBasedPolicy && (requiredRoles === undefined || requiredRoles.length === 0)) throw new SignaturePolicyInvalid('a role-based policy needs requiredRoles');
  if (type === WeightedPolicy && minWeight === undefined) throw new SignaturePolicyInvalid('a weighted policy needs minWeight');
  return policy;
}

/**
 * Assigns each required role its own identity (bipartite matching, augmenting paths), so one
 * key cannot fill two roles that were meant for two people. Returns the roles left unfilled.
 */
function unfilledRoles(required: readonly string[], identities: readonly ValidIdentity[]): string[] {
  const owner: Array<number | undefined> = new Array<number | undefined>(identities.length).fill(undefined);
  const assign = (roleIndex: number, seen: boolean[]): boolean => {
    for (let i = 0; i < identities.length; i++) {
      if (seen[i] === true || !identities[i]!.roles.has(required[roleIndex]!)) continue;
      seen[i] = true;
      const current = owner[i];
      if (current === undefined || assign(current, seen)) {
        owner[i] = roleIndex;
        return true;
      }
    }
    return false;
  };
  return required.filter((_, r) => !assign(r, []));
}

/**
 * Judges `policy` on the valid identities. `missingSigners` is computed by the caller against
 * the configured scope (all-signers).
 */
export function evaluatePolicy(policy: SignaturePolicy, identities: readonly ValidIdentity[], missingSigners: string[]): PolicyOutcome {
  const validSigners = identities.length;
  const totalWeight = identities.reduce((sum, id) => sum + id.weight, 0);
  const missingRoles = policy.requiredRoles === undefined ? [] : unfilledRoles(policy.requiredRoles, identities);
  let satisfied = missingRoles.length === 0;
  if (policy.requiredSignatures !== undefined && validSigners < policy.requiredSignatures) satisfied = false;
  if (policy.minWeight !== undefined && totalWeight < policy.minWeight) satisfied = false;
  if (policy.type === AllSignersPolicy && missingSigners.length > 0) satisfied = false;
  return { satisfied, validSigners, totalWeight, missingRoles, missingSigners: policy.type === AllSignersPolicy ? missingSigners : [] };
}

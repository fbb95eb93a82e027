/**
 * Types shared by the HTTP middleware adapters. Framework types never appear here: each adapter
 * keeps its own, so importing `cjwt/http` loads no framework.
 */
import type { CjwtError } from '../jose/errors.js';

/**
 * Anything that can check a bearer token: a JWTManager (`verifyToken`), an OpaqueTokenManager
 * (`validateToken`) or a TokenMaker. Results follow the managers' union
 * `{ valid: true, ... } | { valid: false, error }`.
 */
export type TokenVerifier =
  | { verifyToken(token: string): Promise<VerifierResult> | VerifierResult }
  | { validateToken(token: string): Promise<VerifierResult> | VerifierResult };

/** The result shape the adapters understand: claims, tokenInfo or payload on success. */
export type VerifierResult =
  | { valid: true; claims?: object; tokenInfo?: object; payload?: object }
  | { valid: false; error?: Pick<CjwtError, 'code' | 'message'> | { code?: string; message?: string } };

/** What a request carries once authenticated (`req.auth`, `c.get('auth')`). */
export interface RequestAuth {
  /** The raw token (kept on the request for forwarding; never logged by cjwt). */
  token: string;
  /** The token's subject (`sub`, or `userId` of an opaque token). */
  subject: string | undefined;
  /** Granted scopes, parsed from a space-separated `scope` claim or a scope list. */
  scopes: string[];
  /** The JWT claims, or the opaque token's info. */
  claims: Record<string, unknown>;
}

/** Options of every adapter. */
export interface AuthOptions {
  /** `realm` of the WWW-Authenticate challenge. Default `cjwt`. */
  realm?: string;
  /** Every one of these scopes must be granted, else 403 `insufficient_scope`. */
  requiredScopes?: string[];
  /** Also read the token from this cookie (chunked cookies made by `toCookieChunks` are joined). */
  cookieName?: string;
  /** Let requests without a token through with no `auth` (a token that is present must still be valid). */
  optional?: boolean;
  /** Largest token accepted before any verification, in characters. Default 8192. */
  maxTokenLength?: number;
}

/** The refusal an adapter sends: status, RFC 6750 challenge and JSON body. */
export interface AuthFailure {
  status: 400 | 401 | 403 | 503;
  /** Value of the `WWW-Authenticate` header (absent for 503). */
  challenge?: string;
  body: { error: string; code: string; error_description?: string };
}

/** Outcome of authenticating one request. */
export type AuthOutcome = { ok: true; auth: RequestAuth | undefined } | { ok: false; failure: AuthFailure };

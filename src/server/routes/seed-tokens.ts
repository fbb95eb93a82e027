/**
 * `POST /issue` and `POST /verify` with seed 002's bodies. `/issue` mints a session for any
 * subject, so it requires a client (HTTP Basic) holding the `issue` permission; `/verify`
 * checks an access token (signature, issuer, audience, expiry, revocation) or a refresh token
 * (known, live, unused). The seed's `access_ttl_minutes` and `refresh_ttl_days` shorten the
 * tokens' lifetimes; the service's configured lifetimes are their maxima (above them: 400).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isCjwtError } from '../../jose/errors.js';
import { liveCountOf, tokenHash, type SessionLifetimes } from '../authority.js';
import { requireClient } from '../client-auth.js';
import type { ServiceContext } from '../context.js';
import { HttpError, invalidRequest } from '../errors.js';
import { issueBody, verifyBody } from '../schemas.js';

/** The body of POST /issue (seed 002). */
export interface IssueBody {
  uid?: string | number;
  sub?: string;
  aud?: string;
  iss?: string;
  device_id?: string;
  client_id?: string;
  scope?: string[];
  labels?: Record<string, string>;
  tags?: string[];
  access_ttl_minutes?: number;
  refresh_ttl_days?: number;
}

interface VerifyBody {
  type?: 'access' | 'refresh';
  token: string;
  iss?: string;
  aud?: string;
}

/**
 * The lifetimes an /issue body asks for, checked against the service's maxima. Refused rather
 * than capped: a client asking for more than it gets should learn it, not find out at expiry.
 * @throws {HttpError} 400 naming `access_ttl_minutes` or `refresh_ttl_days`.
 */
export function issueLifetimes(body: IssueBody, maxAccessSeconds: number, maxRefreshSeconds: number): SessionLifetimes | undefined {
  const lifetimes: SessionLifetimes = {};
  if (body.access_ttl_minutes !== undefined) {
    if (body.access_ttl_minutes * 60 > maxAccessSeconds) {
      throw invalidRequest(`access_ttl_minutes is above this service's maximum of ${Math.floor(maxAccessSeconds / 60)}`, 'access_ttl_minutes');
    }
    lifetimes.accessTtlSeconds = body.access_ttl_minutes * 60;
  }
  if (body.refresh_ttl_days !== undefined) {
    if (body.refresh_ttl_days * 86400 > maxRefreshSeconds) {
      throw invalidRequest(`refresh_ttl_days is above this service's maximum of ${Math.floor(maxRefreshSeconds / 86400)}`, 'refresh_ttl_days');
    }
    // The refresh lifetime is the session's: a rotation never carries it past the requested day.
    lifetimes.sessionTtlSeconds = body.refresh_ttl_days * 86400;
  }
  return lifetimes.accessTtlSeconds === undefined && lifetimes.sessionTtlSeconds === undefined ? undefined : lifetimes;
}

function refuseToken(reply: FastifyReply, setOutcome: (outcome: string) => void, code: string): FastifyReply {
  setOutcome(code);
  return reply.code(401).send({ valid: false, error: 'invalid_token', code });
}

/** Registers /issue and /verify. */
export function registerSeedTokenRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const checkIssuerAndAudience = (iss: string | undefined, aud: string | undefined): void => {
    if (iss !== undefined && iss !== ctx.issuer) throw invalidRequest('iss is not this service\'s issuer', 'iss');
    if (aud !== undefined && !ctx.config.audiences.includes(aud)) throw invalidRequest('aud is not an audience of this service', 'aud');
  };

  app.post('/issue', { schema: { body: issueBody } }, async (request) => {
    const client = await requireClient(request, ctx.accounts, 'issue', false);
    const body = request.body as IssueBody;
    checkIssuerAndAudience(body.iss, body.aud);
    const subject = body.sub ?? String(body.uid);
    const lifetimes = issueLifetimes(body, ctx.config.accessTtlSeconds, ctx.config.refreshTtlSeconds);
    return ctx.timed('issue', async () => {
      try {
        const pair = await ctx.authority.issueTokenPair({
          subject, clientId: body.client_id ?? client.id, scope: body.scope ?? [],
          device: body.device_id === undefined ? { ip: request.ip } : { id: body.device_id, ip: request.ip },
          claims: body.uid === undefined ? {} : { uid: body.uid },
          ...(body.labels === undefined ? {} : { labels: body.labels }), ...(body.tags === undefined ? {} : { tags: body.tags }),
        }, lifetimes);
        // The seed names its fields access_jwe/refresh_jwe; the OAuth names come along for clients that expect them.
        return {
          access_jwe: pair.accessToken, refresh_jwe: pair.refreshToken,
          access_token: pair.accessToken, refresh_token: pair.refreshToken, token_type: 'Bearer',
          expires_at: Math.floor(pair.accessExpiresAt / 1000), refresh_expires_at: Math.floor(pair.refreshExpiresAt / 1000), session_id: pair.familyId,
        };
      } catch (err) {
        const live = liveCountOf(err);
        if (live !== undefined) throw new HttpError(429, 'max_sessions_exceeded', 'ERR_MAX_SESSIONS_EXCEEDED', 'too many active sessions', { active_sessions: live });
        // Long ids and many scopes, encrypted, can outgrow the token size limit: the request's fault, and nothing was stored.
        if (isCjwtError(err, 'ERR_TOKEN_TOO_LARGE')) throw new HttpError(400, 'invalid_request', 'ERR_TOKEN_TOO_LARGE', 'the token would exceed the size limit: ask for fewer or shorter scopes', { field: 'scope' });
        throw err;
      }
    });
  });

  app.post('/verify', { schema: { body: verifyBody } }, async (request, reply) => {
    const body = request.body as VerifyBody;
    checkIssuerAndAudience(body.iss, body.aud);
    return ctx.timed('verify', async (setOutcome) => {
      const refuse = (code: string): FastifyReply => refuseToken(reply, setOutcome, code);
      if (body.type === 'refresh') {
        const record = await ctx.store.getByHash(tokenHash(body.token));
        const now = Date.now();
        if (record === undefined || record.kind !== 'refresh') return refuse('ERR_TOKEN_NOT_FOUND');
        if (record.revokedAt !== undefined) return refuse('ERR_TOKEN_REVOKED');
        if (record.consumedAt !== undefined) return refuse('ERR_REFRESH_TOKEN_REUSED');
        if (record.expiresAt <= now) return refuse('ERR_TOKEN_EXPIRED');
        return { valid: true, claims: { sub: record.subject, fid: record.familyId, exp: Math.floor(record.expiresAt / 1000), iat: Math.floor(record.issuedAt / 1000), client_id: record.clientId, scope: record.scope?.join(' ') } };
      }
      // The hot path: no per-request closure.
      const result = await ctx.authority.verifyToken(body.token);
      if (!result.valid) return refuseToken(reply, setOutcome, result.error.code);
      return { valid: true, claims: result.claims };
    });
  });
}

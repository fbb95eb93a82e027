/**
 * `POST /issue` and `POST /verify` with seed 002's bodies. `/issue` mints a session for any
 * subject, so it requires a client (HTTP Basic) holding the `issue` permission; `/verify`
 * checks an access token (signature, issuer, audience, expiry, revocation) or a refresh token
 * (known, live, unused). The seed's TTL fields are validated; tokens get the service's configured
 * lifetimes (one rotation policy per service).
 */
import type { FastifyInstance } from 'fastify';
import { liveCountOf, tokenHash } from '../authority.js';
import { requireClient } from '../client-auth.js';
import type { ServiceContext } from '../context.js';
import { HttpError, invalidRequest } from '../errors.js';
import { issueBody, verifyBody } from '../schemas.js';

interface IssueBody {
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
    return ctx.timed('issue', async () => {
      try {
        const pair = await ctx.authority.issueTokenPair({
          subject, clientId: body.client_id ?? client.id, scope: body.scope ?? [],
          device: body.device_id === undefined ? { ip: request.ip } : { id: body.device_id, ip: request.ip },
          claims: body.uid === undefined ? {} : { uid: body.uid },
          ...(body.labels === undefined ? {} : { labels: body.labels }), ...(body.tags === undefined ? {} : { tags: body.tags }),
        });
        // The seed names its fields access_jwe/refresh_jwe; the OAuth names come along for clients that expect them.
        return {
          access_jwe: pair.accessToken, refresh_jwe: pair.refreshToken,
          access_token: pair.accessToken, refresh_token: pair.refreshToken, token_type: 'Bearer',
          expires_at: Math.floor(pair.accessExpiresAt / 1000), refresh_expires_at: Math.floor(pair.refreshExpiresAt / 1000), session_id: pair.familyId,
        };
      } catch (err) {
        const live = liveCountOf(err);
        if (live !== undefined) throw new HttpError(429, 'max_sessions_exceeded', 'ERR_MAX_SESSIONS_EXCEEDED', 'too many active sessions', { active_sessions: live });
        throw err;
      }
    });
  });

  app.post('/verify', { schema: { body: verifyBody } }, async (request, reply) => {
    const body = request.body as VerifyBody;
    checkIssuerAndAudience(body.iss, body.aud);
    return ctx.timed('verify', async (setOutcome) => {
      const refuse = (code: string) => { setOutcome(code); return reply.code(401).send({ valid: false, error: 'invalid_token', code }); };
      if (body.type === 'refresh') {
        const record = await ctx.store.getByHash(tokenHash(body.token));
        const now = Date.now();
        if (record === undefined || record.kind !== 'refresh') return refuse('ERR_TOKEN_NOT_FOUND');
        if (record.revokedAt !== undefined) return refuse('ERR_TOKEN_REVOKED');
        if (record.consumedAt !== undefined) return refuse('ERR_REFRESH_TOKEN_REUSED');
        if (record.expiresAt <= now) return refuse('ERR_TOKEN_EXPIRED');
        return { valid: true, claims: { sub: record.subject, fid: record.familyId, exp: Math.floor(record.expiresAt / 1000), iat: Math.floor(record.issuedAt / 1000), client_id: record.clientId, scope: record.scope?.join(' ') } };
      }
      const result = await ctx.authority.verifyToken(body.token);
      if (!result.valid) return refuse(result.error.code);
      return { valid: true, claims: result.claims };
    });
  });
}

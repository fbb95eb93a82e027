/**
 * `POST /login` (an access/refresh pair and the session count; 429 past `maxUserSessions`, as
 * seed 001 answers), `POST /token` (RFC 6749 §6 refresh grant with rotation and reuse
 * detection) and `POST /logout` (ends the session of a refresh or bearer access token).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isCjwtError } from '../../jose/errors.js';
import { liveCountOf, type TokenPair } from '../authority.js';
import type { ServiceContext } from '../context.js';
import { HttpError, invalidGrant, invalidRequest } from '../errors.js';
import { loginBody, logoutBody, tokenBody } from '../schemas.js';

/** The RFC 6749 §5.1 token response. */
export function tokenResponse(pair: TokenPair, scope: string | undefined): Record<string, unknown> {
  const now = Date.now();
  return {
    access_token: pair.accessToken, token_type: 'Bearer', expires_in: Math.max(0, Math.round((pair.accessExpiresAt - now) / 1000)),
    refresh_token: pair.refreshToken, refresh_expires_in: Math.max(0, Math.round((pair.refreshExpiresAt - now) / 1000)),
    ...(scope === undefined ? {} : { scope }), session_id: pair.familyId,
  };
}

function deviceOf(request: FastifyRequest, deviceId: string | undefined): { id?: string; userAgent?: string; ip?: string } {
  const userAgent = request.headers['user-agent'];
  return {
    ...(deviceId === undefined ? {} : { id: deviceId }),
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 300) } : {}),
    ip: request.ip,
  };
}

/** The username a login body names, for its rate limit. */
export function bodyUsername(request: FastifyRequest): string | undefined {
  const username = (request.body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username : undefined;
}

/** Registers /login, /token and /logout. */
export function registerSessionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  // Per IP and, separately, per username: many addresses against one user are limited too.
  app.post('/login', { schema: { body: loginBody }, preHandler: ctx.limits.hooks('login', bodyUsername) }, async (request, reply) => {
    const body = request.body as { username: string; password: string; client_id?: string; device_id?: string; scope?: string };
    return ctx.timed('login', async () => {
      const user = await ctx.authenticate(body.username, body.password);
      if (user === undefined) throw new HttpError(401, 'invalid_grant', 'ERR_INVALID_CREDENTIALS', 'wrong username or password');
      let scope = user.scope;
      if (body.scope !== undefined && body.scope.trim() !== '') {
        const wanted = body.scope.split(' ').filter((s) => s !== '');
        if (!wanted.every((s) => user.scope.includes(s))) throw new HttpError(400, 'invalid_scope', 'ERR_INVALID_SCOPE', 'a requested scope is not granted to this user', { field: 'scope' });
        scope = wanted;
      }
      try {
        const pair = await ctx.authority.issueTokenPair({
          subject: user.subject, scope, device: deviceOf(request, body.device_id), ...(body.client_id === undefined ? {} : { clientId: body.client_id }),
        });
        const activeSessions = await ctx.authority.sessionCount(user.subject);
        return reply.send({ ...tokenResponse(pair, scope.join(' ')), active_sessions: activeSessions });
      } catch (err) {
        const live = liveCountOf(err);
        if (live !== undefined) {
          throw new HttpError(429, 'max_sessions_exceeded', 'ERR_MAX_SESSIONS_EXCEEDED', 'too many active sessions; log out from another device', { active_sessions: live });
        }
        throw err;
      }
    });
  });

  // A refresh grant names no username: its budget is per IP (forged tokens also fail their HMAC without a store call).
  app.post('/token', { schema: { body: tokenBody }, preHandler: ctx.limits.hooks('token') }, async (request) => {
    const body = request.body as { grant_type: string; refresh_token?: string };
    if (body.grant_type !== 'refresh_token') {
      throw new HttpError(400, 'unsupported_grant_type', 'ERR_UNSUPPORTED_GRANT_TYPE', 'only grant_type=refresh_token is supported', { field: 'grant_type' });
    }
    if (body.refresh_token === undefined) throw invalidRequest('refresh_token is required', 'refresh_token');
    const refreshToken = body.refresh_token;
    return ctx.timed('refresh', async () => {
      try {
        return tokenResponse(await ctx.authority.refreshTokens(refreshToken), undefined);
      } catch (err) {
        if (isCjwtError(err) && err.code !== 'ERR_STORAGE') throw invalidGrant(err.code, err.message);
        throw err;
      }
    });
  });

  // A bearer-only logout has no body; validate it as an empty object.
  const emptyBody = async (request: FastifyRequest): Promise<void> => { request.body ??= {}; };
  app.post('/logout', { schema: { body: logoutBody }, preValidation: emptyBody }, async (request) => {
    const body = (request.body ?? {}) as { refresh_token?: string };
    const bearer = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
    const token = body.refresh_token ?? bearer;
    if (token === undefined) throw invalidRequest('send refresh_token or a bearer access token', 'refresh_token');
    return ctx.timed('logout', async () => {
      const revoked = await ctx.authority.logout(token);
      if (revoked === 0) throw new HttpError(401, 'invalid_token', 'ERR_TOKEN_INVALID', 'the token is not a live session token', {}, { 'WWW-Authenticate': 'Bearer realm="cjwt", error="invalid_token"' });
      return { logged_out: true, revoked };
    });
  });
}

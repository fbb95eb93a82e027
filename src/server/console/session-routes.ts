/**
 * The console's sign-in and "My sessions" API under `/console/api/`: what the page needs to know
 * (`config`, `session`), sign-in and sign-out through the service's own login (so the console
 * session is a real session, listed and revocable like any other), and the signed-in user's
 * sessions: list, revoke one, revoke all others, revoke all.
 */
import type { FastifyInstance } from 'fastify';
import { liveCountOf } from '../authority.js';
import type { ServiceContext } from '../context.js';
import { HttpError } from '../errors.js';
import { bodyUsername } from '../routes/sessions.js';
import { sessionParams, verifyBody } from '../schemas.js';
import { CONSOLE_SESSION_SECONDS, checkCsrf, currentUser, endSession, expectedPreSessionCsrf, preSessionCsrf, startSession } from './cookie-session.js';
import { consoleDevice } from './device.js';
import { requireUser } from './guards.js';
import { sessionView } from './session-view.js';

/** Client id recorded with console sign-ins. */
export const CONSOLE_CLIENT_ID = 'console';

const loginSchema = {
  type: 'object', required: ['username', 'password'], additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

/** Registers the console's session routes. */
export function registerConsoleSessionRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/console/api/config', async () => ({
    issuer: ctx.issuer,
    audiences: ctx.config.audiences,
    algorithms: [...new Set([ctx.config.algorithm, ...ctx.ring().list().filter((k) => k.state !== 'retired').map((k) => k.alg)])],
    max_token_size: verifyBody.properties.token.maxLength,
    access_ttl_seconds: ctx.config.accessTtlSeconds,
  }));

  app.get('/console/api/session', async (request, reply) => {
    const user = await currentUser(request, ctx);
    if (user === undefined) return { signed_in: false, csrf: preSessionCsrf(request, reply) };
    return { signed_in: true, subject: user.subject, scopes: user.scopes, admin: user.admin, session_id: user.sessionId, csrf: user.csrf };
  });

  // The same IP bucket and username budget as POST /login: two doors do not double the guesses.
  app.post('/console/api/login', { schema: { body: loginSchema }, preHandler: ctx.limits.hooks('login', bodyUsername) }, async (request, reply) => {
    checkCsrf(request, expectedPreSessionCsrf(request));
    const { username, password } = request.body as { username: string; password: string };
    return ctx.timed('console_login', async () => {
      const user = await ctx.authenticate(username, password);
      if (user === undefined) throw new HttpError(401, 'invalid_grant', 'ERR_INVALID_CREDENTIALS', 'wrong username or password');
      try {
        // The session lives as long as the cookie holding it: a browser closed without signing
        // out leaves nothing live on the server past the cookie's 8 hours.
        const pair = await ctx.authority.issueTokenPair(
          { subject: user.subject, scope: user.scope, clientId: CONSOLE_CLIENT_ID, device: consoleDevice(request) },
          { sessionTtlSeconds: CONSOLE_SESSION_SECONDS },
        );
        const csrf = startSession(request, reply, pair.refreshToken);
        return { signed_in: true, subject: user.subject, scopes: user.scope, admin: user.scope.includes('admin'), session_id: pair.familyId, csrf };
      } catch (err) {
        const live = liveCountOf(err);
        if (live !== undefined) throw new HttpError(429, 'max_sessions_exceeded', 'ERR_MAX_SESSIONS_EXCEEDED', 'too many active sessions; revoke one elsewhere first', { active_sessions: live });
        throw err;
      }
    });
  });

  app.post('/console/api/logout', async (request, reply) => {
    const user = await requireUser(request, ctx);
    await ctx.timed('logout', () => ctx.authority.revokeSession(user.subject, user.sessionId));
    endSession(request, reply);
    return { signed_in: false };
  });

  app.get('/console/api/sessions', async (request) => {
    const user = await requireUser(request, ctx);
    const sessions = await ctx.authority.listSessions(user.subject);
    return { active_sessions: sessions.length, sessions: sessions.map((s) => sessionView(s, user.sessionId)) };
  });

  app.delete('/console/api/sessions/:id', { schema: { params: sessionParams } }, async (request, reply) => {
    const user = await requireUser(request, ctx);
    const { id } = request.params as { id: string };
    const revoked = await ctx.timed('revoke_session', () => ctx.authority.revokeSession(user.subject, id));
    if (!revoked) throw new HttpError(404, 'not_found', 'ERR_SESSION_NOT_FOUND', 'no such live session');
    if (id === user.sessionId) endSession(request, reply);
    return { revoked: 1, signed_out: id === user.sessionId };
  });

  app.post('/console/api/sessions/revoke-others', async (request) => {
    const user = await requireUser(request, ctx);
    return ctx.timed('revoke_session', async () => {
      let revoked = 0;
      for (const session of await ctx.authority.listSessions(user.subject)) {
        if (session.familyId !== user.sessionId && (await ctx.authority.revokeSession(user.subject, session.familyId))) revoked++;
      }
      return { revoked };
    });
  });

  app.delete('/console/api/sessions', async (request, reply) => {
    const user = await requireUser(request, ctx);
    const sessions = (await ctx.authority.listSessions(user.subject)).length;
    await ctx.timed('revoke_all', () => ctx.authority.revokeAllSessions(user.subject));
    endSession(request, reply);
    return { revoked: sessions, signed_out: true };
  });
}

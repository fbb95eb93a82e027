/**
 * The bearer-protected API: `GET /api/profile`, `GET /api/sessions` (device facts of each live
 * session), `DELETE /api/sessions` (all of them) and `DELETE /api/sessions/:id`. Protected by the
 * same Fastify hook `cjwt/http` exports.
 */
import type { FastifyInstance } from 'fastify';
import { fastifyAuthHook } from '../../http/fastify.js';
import type { ServiceContext } from '../context.js';
import { HttpError } from '../errors.js';
import { sessionParams } from '../schemas.js';

/** Registers the /api routes. */
export function registerApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const verifier = { verifyToken: (token: string) => ctx.authority.verifyToken(token) };
  const profile = fastifyAuthHook(verifier, { requiredScopes: ['profile'] });
  const sessions = fastifyAuthHook(verifier, { requiredScopes: ['sessions'] });

  app.get('/api/profile', { preHandler: profile }, async (request) => {
    const auth = request.auth!;
    const c = auth.claims;
    return { sub: auth.subject, scope: auth.scopes.join(' '), session_id: c.sid, client_id: c.client_id, exp: c.exp, iat: c.iat, active_sessions: await ctx.authority.sessionCount(auth.subject!) };
  });

  app.get('/api/sessions', { preHandler: sessions }, async (request) => {
    const auth = request.auth!;
    const list = await ctx.authority.listSessions(auth.subject!);
    return {
      active_sessions: list.length,
      sessions: list.map((s) => ({
        id: s.familyId, current: s.familyId === auth.claims.sid, created_at: new Date(s.issuedAt).toISOString(),
        last_refreshed_at: s.lastRefreshedAt === undefined ? null : new Date(s.lastRefreshedAt).toISOString(), refresh_count: s.refreshCount,
        expires_at: new Date(s.familyExpiresAt).toISOString(), client_id: s.clientId, scope: s.scope?.join(' '), device: s.device ?? {},
      })),
    };
  });

  app.delete('/api/sessions', { preHandler: sessions }, async (request) => {
    const auth = request.auth!;
    return ctx.timed('revoke_all', async () => ({ revoked: await ctx.authority.revokeAllSessions(auth.subject!) }));
  });

  app.delete('/api/sessions/:id', { preHandler: sessions, schema: { params: sessionParams } }, async (request) => {
    const auth = request.auth!;
    const { id } = request.params as { id: string };
    return ctx.timed('revoke_session', async () => {
      if (!(await ctx.authority.revokeSession(auth.subject!, id))) throw new HttpError(404, 'not_found', 'ERR_SESSION_NOT_FOUND', 'no such live session');
      return { revoked: true, id };
    });
  });
}

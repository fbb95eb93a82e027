/**
 * `POST /introspect` (RFC 7662: client authentication required; an inactive, unknown or
 * malformed token gets only `{"active": false}`) and `POST /revoke` (RFC 7009: 200 whether or not
 * the token was known; revoking either token of a session revokes the whole session).
 */
import type { FastifyInstance } from 'fastify';
import { looksLikeJWT, tokenHash } from '../authority.js';
import { requireClient } from '../client-auth.js';
import type { ServiceContext } from '../context.js';
import { introspectBody, revokeBody } from '../schemas.js';

/** Registers /introspect and /revoke. */
export function registerOAuthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post('/introspect', { schema: { body: introspectBody } }, async (request) => {
    await requireClient(request, ctx.accounts, 'introspect');
    const { token } = request.body as { token: string };
    return ctx.timed('introspect', async (setOutcome) => {
      const inactive = () => { setOutcome('inactive'); return { active: false }; };
      if (looksLikeJWT(token)) {
        const result = await ctx.authority.verifyToken(token);
        if (!result.valid) return inactive();
        const c = result.claims;
        return {
          active: true, token_type: 'access_token', sub: c.sub, aud: c.aud, iss: c.iss, exp: c.exp, iat: c.iat, jti: c.jti,
          ...(typeof c.scope === 'string' ? { scope: c.scope } : {}), ...(typeof c.client_id === 'string' ? { client_id: c.client_id } : {}),
        };
      }
      const record = await ctx.store.getByHash(tokenHash(token));
      if (record === undefined || record.revokedAt !== undefined || record.consumedAt !== undefined || record.expiresAt <= Date.now()) return inactive();
      return {
        active: true, token_type: record.kind === 'refresh' ? 'refresh_token' : record.kind, sub: record.subject, iss: ctx.issuer,
        exp: Math.floor(record.expiresAt / 1000), iat: Math.floor(record.issuedAt / 1000),
        ...(record.scope === undefined ? {} : { scope: record.scope.join(' ') }), ...(record.clientId === undefined ? {} : { client_id: record.clientId }),
      };
    });
  });

  app.post('/revoke', { schema: { body: revokeBody } }, async (request) => {
    const { token } = request.body as { token: string };
    return ctx.timed('revoke', async () => {
      await ctx.authority.logout(token);
      return {};
    });
  });
}

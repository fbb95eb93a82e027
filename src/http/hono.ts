/**
 * Hono middleware on web-standard requests (so it runs on Node, Bun, Deno and workers). It uses
 * only the context Hono passes in, so this module imports nothing from `hono` at run time.
 */
import type { MiddlewareHandler } from 'hono';
import { assertVerifier, authenticateRequest } from './authenticate.js';
import type { AuthOptions, RequestAuth, TokenVerifier } from './types.js';

/** Hono context variables set by {@link honoAuth}: `c.get('auth')`. */
export interface HonoAuthVariables {
  auth: RequestAuth;
}

/**
 * Hono middleware: a valid bearer token puts its claims in `c.get('auth')`; otherwise an
 * RFC 6750 refusal.
 *
 * @example
 * app.use('/api/*', honoAuth(manager, { requiredScopes: ['read'] }));
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').subject }));
 */
export function honoAuth(verifier: TokenVerifier, options: AuthOptions = {}): MiddlewareHandler<{ Variables: HonoAuthVariables }> {
  assertVerifier(verifier);
  return async (c, next) => {
    const outcome = await authenticateRequest(verifier, c.req.header('authorization'), c.req.header('cookie'), options);
    if (!outcome.ok) {
      const { status, challenge, body } = outcome.failure;
      if (challenge !== undefined) c.header('WWW-Authenticate', challenge);
      return c.json(body, status);
    }
    if (outcome.auth !== undefined) c.set('auth', outcome.auth);
    await next();
    return undefined;
  };
}

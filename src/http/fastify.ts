/**
 * Fastify plugin and preHandler. It uses only what Fastify passes in, so this module imports
 * nothing from `fastify` at run time.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { assertVerifier, authenticateRequest } from './authenticate.js';
import type { AuthOptions, RequestAuth, TokenVerifier } from './types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the cjwt auth hook when the request carried a valid token. */
    auth?: RequestAuth;
  }
}

/**
 * A preHandler hook for one route (or, with `addHook`, a whole scope).
 *
 * @example
 * app.get('/api/me', { preHandler: fastifyAuthHook(manager, { requiredScopes: ['profile'] }) }, (req) => ({ sub: req.auth?.subject }));
 */
export function fastifyAuthHook(verifier: TokenVerifier, options: AuthOptions = {}): preHandlerAsyncHookHandler {
  assertVerifier(verifier);
  return async function cjwtAuth(request: FastifyRequest, reply: FastifyReply) {
    const outcome = await authenticateRequest(verifier, request.headers.authorization, request.headers.cookie, options);
    if (outcome.ok) {
      if (outcome.auth !== undefined) request.auth = outcome.auth;
      return;
    }
    const { status, challenge, body } = outcome.failure;
    if (challenge !== undefined) reply.header('WWW-Authenticate', challenge);
    await reply.code(status).send(body);
  };
}

/** Options of {@link fastifyAuth}: the adapter options plus the verifier. */
export interface FastifyAuthPluginOptions extends AuthOptions {
  verifier: TokenVerifier;
}

/**
 * A Fastify plugin that protects every route registered in its scope (and, since it skips
 * encapsulation, the scope it is registered in).
 *
 * @example
 * await app.register(fastifyAuth, { verifier: manager, requiredScopes: ['read'] });
 */
export const fastifyAuth = Object.assign(
  async function fastifyAuthPlugin(instance: FastifyInstance, options: FastifyAuthPluginOptions): Promise<void> {
    const { verifier, ...rest } = options;
    if (!instance.hasRequestDecorator('auth')) instance.decorateRequest('auth', undefined);
    instance.addHook('preHandler', fastifyAuthHook(verifier, rest));
  },
  // What fastify-plugin sets: the hook applies to the scope the plugin is registered in.
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'cjwt-auth' },
);

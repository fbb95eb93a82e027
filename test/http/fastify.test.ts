/** The Fastify plugin and per-route hook on a real Fastify 5 server. */
import Fastify, { type FastifyRequest } from 'fastify';
import { fastifyAuth, fastifyAuthHook } from '../../src/http/index.js';
import { runMiddlewareSuite } from './suite.js';

runMiddlewareSuite('fastify', async ({ jwt, opaque }) => {
  const app = Fastify();
  const answer = async (req: FastifyRequest) => ({ sub: req.auth?.subject ?? null, scopes: req.auth?.scopes ?? [] });
  // The plugin protects every route of its scope.
  await app.register(async (scope) => {
    await scope.register(fastifyAuth, { verifier: jwt, requiredScopes: ['read'] });
    scope.get('/jwt/me', answer);
  });
  app.get('/jwt/admin', { preHandler: fastifyAuthHook(jwt, { requiredScopes: ['admin'] }) }, answer);
  app.get('/opaque/me', { preHandler: fastifyAuthHook(opaque) }, answer);
  app.get('/cookie/me', { preHandler: fastifyAuthHook(jwt, { cookieName: 'at' }) }, answer);
  app.get('/optional', { preHandler: fastifyAuthHook(jwt, { optional: true }) }, answer);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
});

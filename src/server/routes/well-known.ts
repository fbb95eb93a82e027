/**
 * `GET /.well-known/jwks.json` (the keys that verify now, cacheable for a short time so clients
 * pick up a rotation within a minute) and `GET /.well-known/oauth-authorization-server`
 * (RFC 8414 metadata of this service's endpoints).
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';

/** Seconds clients may cache the JWKS; a rotated-out key verifies for much longer (its grace period). */
export const JWKS_MAX_AGE = 60;

/** Registers the well-known documents. */
export function registerWellKnownRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('Cache-Control', `public, max-age=${JWKS_MAX_AGE}`);
    return ctx.ring().jwks();
  });
  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    reply.header('Cache-Control', 'public, max-age=3600');
    const base = ctx.issuer.replace(/\/+$/, '');
    return {
      issuer: ctx.issuer,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      introspection_endpoint: `${base}/introspect`,
      revocation_endpoint: `${base}/revoke`,
      grant_types_supported: ['refresh_token'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ['profile', 'sessions'],
      token_endpoint_auth_signing_alg_values_supported: [ctx.config.algorithm],
      service_documentation: 'https://github.com/cjwt/cjwt#token-service',
    };
  });
}

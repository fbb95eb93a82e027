/**
 * `cjwt/http`: bearer-token middleware for Express 5, Fastify 5 and Hono. Each adapter uses only
 * the objects its framework hands it, so importing this module loads no framework; the
 * frameworks are optional peer dependencies.
 * @packageDocumentation
 */
export { expressAuth } from './express.js';
export { fastifyAuth, fastifyAuthHook, type FastifyAuthPluginOptions } from './fastify.js';
export { honoAuth, type HonoAuthVariables } from './hono.js';
export { authenticateRequest, assertVerifier, runVerifier, scopesOf } from './authenticate.js';
export { bearerChallenge } from './challenge.js';
export { extractToken, parseCookies, type ExtractedToken } from './credentials.js';
export type { AuthFailure, AuthOptions, AuthOutcome, RequestAuth, TokenVerifier, VerifierResult } from './types.js';

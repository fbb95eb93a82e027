/**
 * Request plumbing shared by every route: form bodies, the error mapping (every refusal is JSON
 * with a `code`, never a 500 for bad input), 404s, security headers and opt-in CORS.
 */
import { parse as parseQueryString } from 'node:querystring';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCjwtError } from '../jose/errors.js';
import { HttpError } from './errors.js';

function fieldOf(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (first === undefined) return undefined;
  const params = first.params as Record<string, unknown>;
  if (typeof params.missingProperty === 'string') return params.missingProperty;
  if (typeof params.additionalProperty === 'string') return params.additionalProperty;
  const path = first.instancePath.replace(/^\//, '').split('/')[0];
  return path === '' ? undefined : path;
}

function validationMessage(error: FastifyError, field: string | undefined): string {
  const first = error.validation?.[0];
  const keyword = first?.keyword;
  if (keyword === 'required' || (keyword === 'anyOf' && field === undefined)) return field === undefined ? 'a required field is missing' : `${field} is required`;
  if (keyword === 'additionalProperties') return `${field ?? 'a field'} is not allowed`;
  if (keyword === 'type' && field === undefined) return 'the body must be an object';
  return `${field ?? 'the body'} is invalid${keyword === undefined ? '' : ` (${keyword})`}`;
}

// A form of this service has a handful of fields; many more is not a client of it.
const MAX_FORM_FIELDS = 50;

/** The security headers every reply of the service carries (benchmarks send them from their floor too). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
});

/** Sends an error reply; returns the reply for chaining. */
export function sendError(reply: FastifyReply, status: number, error: string, code: string, description: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ error, code, error_description: description, ...extra });
}

/** Maps anything a route or Fastify throws to a JSON reply. */
export function errorHandler(onStoreError: (request: FastifyRequest) => void) {
  return function handle(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return reply.code(error.statusCode).send(error.body);
    }
    if (error.validation !== undefined) {
      const field = fieldOf(error);
      return sendError(reply, 400, 'invalid_request', 'ERR_INVALID_REQUEST', validationMessage(error, field), field === undefined ? {} : { field });
    }
    if (isCjwtError(error, 'ERR_STORAGE')) {
      onStoreError(request);
      request.log.error({ code: error.code, op: (error as unknown as { op?: string }).op }, 'token store failure');
      return sendError(reply, 503, 'temporarily_unavailable', 'ERR_STORAGE', 'token store unavailable');
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, 'invalid_request', 'ERR_UNSUPPORTED_MEDIA_TYPE', 'send application/json or application/x-www-form-urlencoded');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, 'invalid_request', 'ERR_BODY_TOO_LARGE', 'the request body is too large');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'invalid_request', 'ERR_INVALID_REQUEST', 'the body is empty');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'invalid_request', 'ERR_MALFORMED_JSON', 'the body is not valid JSON');
      default:
        break;
    }
    if (error.statusCode === 429) {
      return sendError(reply, 429, 'rate_limited', 'ERR_RATE_LIMITED', 'too many requests, retry later');
    }
    if (error instanceof SyntaxError || (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)) {
      return sendError(reply, error.statusCode ?? 400, 'invalid_request', 'ERR_INVALID_REQUEST', 'the request is malformed');
    }
    request.log.error({ err: { type: error.name, code: error.code } }, 'unexpected failure');
    return sendError(reply, 500, 'server_error', 'ERR_INTERNAL', 'internal error');
  };
}

/**
 * Installs the form parser, error and 404 handlers, security headers and (when origins are
 * configured) CORS.
 */
export function setupHttp(app: FastifyInstance, corsOrigins: string[], onStoreError: (request: FastifyRequest) => void): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    // node:querystring parses about twice as fast as URLSearchParams (it showed in the
    // introspection benchmark); it returns a null-prototype object, so `__proto__` is a plain key.
    const params = parseQueryString(body as string, '&', '=', { maxKeys: MAX_FORM_FIELDS + 1 });
    const names = Object.keys(params);
    if (names.length > MAX_FORM_FIELDS) {
      done(Object.assign(new Error('too many form fields'), { statusCode: 400 }), undefined);
      return;
    }
    for (const name of names) {
      // RFC 6749 §3.2: a parameter must not appear twice (querystring collects repeats in an array).
      if (typeof params[name] !== 'string') {
        done(Object.assign(new Error(`${name} appears more than once`), { statusCode: 400 }), undefined);
        return;
      }
    }
    done(null, params);
  });
  app.setErrorHandler(errorHandler(onStoreError));
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'not_found', 'ERR_NOT_FOUND', 'no such endpoint'));
  // Set once per request before anything can answer, so every reply (404s, parser and rate-limit
  // refusals included) carries them; a sync hook, because a promise per request showed in the
  // service benchmark. Routes that may be cached replace Cache-Control themselves.
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    if (corsOrigins.length > 0) {
      const origin = request.headers.origin;
      if (origin !== undefined && corsOrigins.includes(origin)) {
        reply.header('Access-Control-Allow-Origin', origin);
        reply.header('Vary', 'Origin');
      }
    }
    done();
  });
  if (corsOrigins.length > 0) {
    app.options('*', async (request, reply) => {
      const origin = request.headers.origin;
      if (origin === undefined || !corsOrigins.includes(origin)) return reply.code(403).send({ error: 'invalid_request', code: 'ERR_CORS_ORIGIN', error_description: 'origin not allowed' });
      reply.header('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      reply.header('Access-Control-Max-Age', '600');
      return reply.code(204).send();
    });
  }
}

/**
 * `POST /console/api/verify`: the inspector's "Verify". It hands the body to the service's own
 * `/verify` (in-process, through Fastify's inject, so the answer is exactly the service's) and
 * returns that answer with its status inside a 200, so a refused token is a result on the page,
 * not a failed request in the browser's log. Not signed-in only: the page's origin is checked.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';
import { verifyBody } from '../schemas.js';

/** Registers the inspector's verify call; `root` is the service instance that serves `/verify`. */
export function registerVerifyProxy(app: FastifyInstance, root: FastifyInstance): void {
  app.post('/console/api/verify', { schema: { body: verifyBody } }, async (request) => {
    const site = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    if ((site !== undefined && site !== 'same-origin') || (origin !== undefined && origin !== `${request.protocol}://${request.host}`)) {
      throw new HttpError(403, 'access_denied', 'ERR_CSRF', 'cross-site request');
    }
    const answer = await root.inject({
      method: 'POST', url: '/verify', payload: request.body as Record<string, unknown>,
      headers: { 'content-type': 'application/json' }, remoteAddress: request.ip,
    });
    let body: unknown;
    try {
      body = answer.json();
    } catch {
      body = { code: 'ERR_HTTP' };
    }
    return { status: answer.statusCode, body };
  });
}

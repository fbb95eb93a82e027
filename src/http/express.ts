/**
 * Express 5 middleware. It uses only the request/response objects Express passes in, so this
 * module imports nothing from `express` at run time.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { assertVerifier, authenticateRequest } from './authenticate.js';
import type { AuthOptions, RequestAuth, TokenVerifier } from './types.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `expressAuth` when the request carried a valid token. */
    auth?: RequestAuth;
  }
}

/**
 * Express middleware: a valid bearer token (header or cookie) puts its claims on `req.auth`;
 * otherwise an RFC 6750 refusal (401/403 with `WWW-Authenticate`, JSON body with a `code`).
 *
 * @example
 * app.get('/api/me', expressAuth(manager, { requiredScopes: ['profile'] }), (req, res) => res.json({ sub: req.auth?.subject }));
 */
export function expressAuth(verifier: TokenVerifier, options: AuthOptions = {}): RequestHandler {
  assertVerifier(verifier);
  return (req: Request, res: Response, next: NextFunction) => {
    authenticateRequest(verifier, req.headers.authorization, req.headers.cookie, options).then((outcome) => {
      if (outcome.ok) {
        if (outcome.auth !== undefined) req.auth = outcome.auth;
        next();
        return;
      }
      const { status, challenge, body } = outcome.failure;
      if (challenge !== undefined) res.setHeader('WWW-Authenticate', challenge);
      res.status(status).json(body);
    }, next);
  };
}

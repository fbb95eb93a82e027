/**
 * Who may call a console API route: a signed-in user, an admin, and, for anything that changes
 * state, a same-origin request with the session's CSRF token.
 */
import type { FastifyRequest } from 'fastify';
import type { ServiceContext } from '../context.js';
import { HttpError } from '../errors.js';
import { checkCsrf, currentUser, type ConsoleUser } from './cookie-session.js';

/** The methods that change state; every one of them needs the CSRF token. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The signed-in user of a console API call, with the CSRF check for writes.
 * @throws {HttpError} 401 `ERR_NOT_SIGNED_IN`, 403 `ERR_CSRF`, 403 `ERR_NOT_ADMIN` when `admin` is asked.
 */
export async function requireUser(request: FastifyRequest, ctx: ServiceContext, admin = false): Promise<ConsoleUser> {
  const user = await currentUser(request, ctx);
  if (user === undefined) throw new HttpError(401, 'login_required', 'ERR_NOT_SIGNED_IN', 'sign in to the console first');
  if (WRITES.has(request.method)) checkCsrf(request, user.csrf);
  if (admin && !user.admin) throw new HttpError(403, 'access_denied', 'ERR_NOT_ADMIN', 'the admin scope is required');
  return user;
}

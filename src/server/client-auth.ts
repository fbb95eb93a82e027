/**
 * Client authentication for `/issue` and `/introspect` (RFC 6749 §2.3.1): HTTP Basic
 * (`client_secret_basic`) or `client_id` + `client_secret` in the body (`client_secret_post`),
 * never both.
 */
import type { FastifyRequest } from 'fastify';
import type { Accounts, AuthenticatedClient } from './accounts.js';
import { clientForbidden, invalidClient, invalidRequest } from './errors.js';

// Most ids and secrets hold neither `%` nor `+`: skip the decoding work for them.
function formDecode(text: string): string {
  return /[%+]/.test(text) ? decodeURIComponent(text.replace(/\+/g, ' ')) : text;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both halves are form-urlencoded.
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the calling client and checks it holds `permission`. With `allowPost` false
 * only HTTP Basic counts.
 * @throws {HttpError} 401 `invalid_client`, 403 `unauthorized_client`, 400 for two methods at once.
 */
export async function requireClient(request: FastifyRequest, accounts: Accounts, permission: string, allowPost = true): Promise<AuthenticatedClient> {
  // `/issue` bodies use `client_id` for the token's client (seed 002), so only Basic applies there.
  const body = (allowPost ? request.body ?? {} : {}) as Record<string, unknown>;
  const basic = basicCredentials(request.headers.authorization);
  const postId = typeof body.client_id === 'string' ? body.client_id : undefined;
  const postSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  if (basic !== undefined && postSecret !== undefined) throw invalidRequest('use one client authentication method', 'client_secret');
  const id = basic?.id ?? (postSecret === undefined ? undefined : postId);
  const secret = basic?.secret ?? postSecret;
  if (id === undefined || secret === undefined || id.length > 200 || secret.length > 512) throw invalidClient();
  const client = await accounts.authenticateClient(id, secret);
  if (client === undefined) throw invalidClient();
  if (!client.permissions.includes(permission)) throw clientForbidden(permission);
  return client;
}

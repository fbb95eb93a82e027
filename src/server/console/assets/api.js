/**
 * Calls to the service from the page: same origin only, the console's cookie goes along, and
 * every write carries the CSRF token the session handed out. No token is ever kept in storage.
 */

let csrfToken = '';

/**
 * Sets the CSRF token (from /console/api/session or sign-in).
 * @param {string} token
 */
export function setCsrf(token) {
  csrfToken = token;
}

/** An error answer of the service. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Record<string, any>} body
   */
  constructor(status, body) {
    super(typeof body.error_description === 'string' ? body.error_description : `request failed (${status})`);
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : 'ERR_HTTP';
    this.body = body;
  }
}

/**
 * Calls the service and returns the JSON body.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { error_description: 'the service answered with something that is not JSON' };
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/**
 * Verifies a token with the service: the console's call hands it to the service's `/verify` and
 * returns that answer and its status (401 for a refused token) as a result.
 * @param {string} token
 * @param {'access' | 'refresh'} type
 * @returns {Promise<{ status: number, body: Record<string, any> }>}
 */
export async function verifyToken(token, type) {
  return api('POST', '/console/api/verify', { token, type });
}

/**
 * JSON schemas of every request body, declared once and attached beside their routes. Strings
 * are bounded so a huge field is refused by validation, before any work.
 */

const TOKEN = { type: 'string', minLength: 1, maxLength: 8192 } as const;
const NAME = { type: 'string', minLength: 1, maxLength: 200 } as const;
const SECRET = { type: 'string', minLength: 1, maxLength: 512 } as const;
const CLIENT = { client_id: NAME, client_secret: SECRET } as const;

/** POST /login */
export const loginBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: NAME, password: SECRET, client_id: NAME, device_id: NAME,
    scope: { type: 'string', maxLength: 1000 },
  },
} as const;

/** POST /token (form or JSON; unknown parameters are ignored, RFC 6749 §3.2) */
export const tokenBody = {
  type: 'object',
  required: ['grant_type'],
  properties: { grant_type: NAME, refresh_token: TOKEN, scope: { type: 'string', maxLength: 1000 }, ...CLIENT },
} as const;

/** POST /logout: the refresh token, or none when a bearer access token is sent. */
export const logoutBody = {
  type: 'object',
  additionalProperties: false,
  properties: { refresh_token: TOKEN },
} as const;

/** POST /introspect (RFC 7662 §2.1) */
export const introspectBody = {
  type: 'object',
  required: ['token'],
  properties: { token: TOKEN, token_type_hint: NAME, ...CLIENT },
} as const;

/** POST /revoke (RFC 7009 §2.1) */
export const revokeBody = {
  type: 'object',
  required: ['token'],
  properties: { token: TOKEN, token_type_hint: NAME, ...CLIENT },
} as const;

/** POST /issue (seed 002) */
export const issueBody = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['uid'] }, { required: ['sub'] }],
  properties: {
    uid: { anyOf: [NAME, { type: 'integer' }] }, sub: NAME, aud: NAME, iss: NAME, device_id: NAME, ...CLIENT,
    scope: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' } },
    labels: { type: 'object', maxProperties: 20, propertyNames: { maxLength: 100 }, additionalProperties: { type: 'string', maxLength: 200 } },
    tags: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 100 } },
    access_ttl_minutes: { type: 'integer', minimum: 1, maximum: 1440 },
    refresh_ttl_days: { type: 'integer', minimum: 1, maximum: 365 },
  },
} as const;

/** POST /verify (seed 002) */
export const verifyBody = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { type: { type: 'string', enum: ['access', 'refresh'] }, token: TOKEN, iss: NAME, aud: NAME },
} as const;

/** DELETE /api/sessions/:id */
export const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

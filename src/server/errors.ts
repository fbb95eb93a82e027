/**
 * The service's error replies: an OAuth-style `error`, cjwt's stable `code`, and a description
 * that never repeats request data (tokens, passwords).
 */
/** An error a route throws to answer with a given status and body. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, error: string, code: string, description: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    super(description);
    this.statusCode = statusCode;
    this.body = { error, code, error_description: description, ...extra };
    this.headers = headers;
  }

  /** The cjwt code of the reply (for metrics). */
  get code(): string {
    return this.body.code as string;
  }
}

/** 400 `invalid_request` naming the field at fault. */
export function invalidRequest(description: string, field?: string): HttpError {
  return new HttpError(400, 'invalid_request', 'ERR_INVALID_REQUEST', description, field === undefined ? {} : { field });
}

/** 401 `invalid_client` with a Basic challenge (RFC 6749 §5.2). */
export function invalidClient(): HttpError {
  return new HttpError(401, 'invalid_client', 'ERR_INVALID_CLIENT', 'client authentication failed', {}, { 'WWW-Authenticate': 'Basic realm="cjwt"' });
}

/** 403: the client is authenticated but lacks the permission. */
export function clientForbidden(permission: string): HttpError {
  return new HttpError(403, 'unauthorized_client', 'ERR_CLIENT_NOT_ALLOWED', `the client lacks the ${permission} permission`);
}

/** 400 `invalid_grant` with cjwt's code for why. */
export function invalidGrant(code: string, description: string): HttpError {
  return new HttpError(400, 'invalid_grant', code, description);
}

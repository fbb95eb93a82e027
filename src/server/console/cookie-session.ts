/**
 * The console's own session: an httpOnly, SameSite=Strict cookie holding the refresh token of a
 * service login (the console never exchanges it, so no rotation race between parallel requests;
 * the store keeps only its SHA-256). Secure unless the page is plain HTTP on a loopback host.
 *
 * CSRF: every state-changing call must come from this origin (`Origin` / `Sec-Fetch-Site`) and
 * carry `X-CSRF-Token`, a one-way hash of the httpOnly cookie the page cannot read (signed
 * double-submit without a server key, so every process of the service agrees). Before sign-in a
 * random pre-session cookie plays the same role, so a login cannot be forged either.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenRecord } from '../../store/index.js';
import { tokenHash } from '../authority.js';
import type { ServiceContext } from '../context.js';
import { HttpError } from '../errors.js';

/** Seconds a console sign-in lasts in the browser. */
export const CONSOLE_SESSION_SECONDS = 8 * 3600;
/** Scope that opens the Admin part of the console. */
export const ADMIN_SCOPE = 'admin';

const SESSION_COOKIE = 'cjwt_console';
const PRE_COOKIE = 'cjwt_console_pre';
const CSRF_HEADER = 'x-csrf-token';
const MAX_COOKIE_VALUE = 512;

/** The signed-in person behind a console request. */
export interface ConsoleUser {
  subject: string;
  scopes: string[];
  /** The login session (family) the console cookie belongs to. */
  sessionId: string;
  admin: boolean;
  /** CSRF token the page must send back. */
  csrf: string;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** True when cookies must be Secure: anything but plain HTTP on a loopback address. */
export function secureCookies(request: FastifyRequest): boolean {
  return !(request.protocol === 'http' && isLoopback(request.hostname));
}

/** `__Host-` prefixed when Secure: the browser then refuses it from any other host or path. */
function cookieName(request: FastifyRequest, base: string): string {
  return secureCookies(request) ? `__Host-${base}` : base;
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return value === '' || value.length > MAX_COOKIE_VALUE || !/^[A-Za-z0-9_-]+$/.test(value) ? undefined : value;
  }
  return undefined;
}

function setCookie(request: FastifyRequest, reply: FastifyReply, base: string, value: string, maxAge: number): void {
  const attributes = [`${cookieName(request, base)}=${value}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Strict'];
  if (secureCookies(request)) attributes.push('Secure');
  const previous = reply.getHeader('set-cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
  reply.header('set-cookie', [...list, attributes.join('; ')]);
}

function csrfOf(purpose: string, secret: string): string {
  return createHash('sha256').update(`cjwt-console-csrf\0${purpose}\0${secret}`).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The console session's refresh token from the cookie, if any. */
export function sessionToken(request: FastifyRequest): string | undefined {
  return readCookie(request, cookieName(request, SESSION_COOKIE));
}

/** Starts the console session: the cookie holds the login's refresh token; the pre-session cookie goes. */
export function startSession(request: FastifyRequest, reply: FastifyReply, refreshToken: string): string {
  setCookie(request, reply, SESSION_COOKIE, refreshToken, CONSOLE_SESSION_SECONDS);
  setCookie(request, reply, PRE_COOKIE, '', 0);
  return csrfOf('session', refreshToken);
}

/** Forgets the console session in the browser. */
export function endSession(request: FastifyRequest, reply: FastifyReply): void {
  setCookie(request, reply, SESSION_COOKIE, '', 0);
}

/** The CSRF token for a visitor not signed in: made from the pre-session cookie, created when missing. */
export function preSessionCsrf(request: FastifyRequest, reply: FastifyReply): string {
  let nonce = readCookie(request, cookieName(request, PRE_COOKIE));
  if (nonce === undefined) {
    nonce = randomBytes(32).toString('base64url');
    setCookie(request, reply, PRE_COOKIE, nonce, 3600);
  }
  return csrfOf('pre', nonce);
}

function liveSessionRecord(record: TokenRecord | undefined, now: number): record is TokenRecord & { familyId: string } {
  return record !== undefined && record.kind === 'refresh' && record.familyId !== undefined && record.revokedAt === undefined && record.consumedAt === undefined && record.expiresAt > now;
}

/** The signed-in user, or undefined when the cookie is missing or its session has ended. */
export async function currentUser(request: FastifyRequest, ctx: ServiceContext): Promise<ConsoleUser | undefined> {
  const token = sessionToken(request);
  if (token === undefined) return undefined;
  const record = await ctx.store.getByHash(tokenHash(token));
  if (!liveSessionRecord(record, Date.now())) return undefined;
  const scopes = record.scope ?? [];
  return { subject: record.subject, scopes, sessionId: record.familyId, admin: scopes.includes(ADMIN_SCOPE), csrf: csrfOf('session', token) };
}

/**
 * Refuses a state-changing request that is cross-site or lacks the CSRF token bound to
 * `secretSource` (the session cookie, or the pre-session cookie before sign-in).
 * @throws {HttpError} 403 `ERR_CSRF`.
 */
export function checkCsrf(request: FastifyRequest, expected: string | undefined): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const ownOrigin = `${request.protocol}://${request.host}`;
  const sent = request.headers[CSRF_HEADER];
  const ok = (site === undefined || site === 'same-origin') && (origin === undefined || origin === ownOrigin) &&
    typeof sent === 'string' && expected !== undefined && sameText(sent, expected);
  if (!ok) throw new HttpError(403, 'access_denied', 'ERR_CSRF', 'missing or wrong CSRF token, or a cross-site request');
}

/** The CSRF token a not-signed-in request must carry (from its pre-session cookie). */
export function expectedPreSessionCsrf(request: FastifyRequest): string | undefined {
  const nonce = readCookie(request, cookieName(request, PRE_COOKIE));
  return nonce === undefined ? undefined : csrfOf('pre', nonce);
}

/**
 * Session search for the console's admin: a query string (user, client, `label` as `key=value`,
 * tag, status, limit, cursor) turned into a store filter over refresh records, one row per
 * login session. Rotated-out refresh records (reason `rotated`) are the history of a live
 * session, not sessions, so they are left out of the rows.
 */
import type { TokenFilter, TokenRecord, TokenStatus } from '../../store/index.js';
import { sessionOf } from '../../lifecycle/refresh/sessions.js';
import { invalidRequest } from '../errors.js';
import { sessionView, type SessionView } from './session-view.js';

const TEXT = { type: 'string', maxLength: 200 } as const;

/** Query string schema of the admin search. */
export const searchQuerySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    user: TEXT, client: TEXT, label: TEXT, tag: TEXT, cursor: { type: 'string', maxLength: 2000 },
    status: { type: 'string', enum: ['active', 'revoked', 'expired', 'any', ''] },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

/** Body schema of "revoke every matching session". */
export const revokeMatchingSchema = {
  type: 'object', additionalProperties: false,
  properties: { user: TEXT, client: TEXT, label: TEXT, tag: TEXT },
} as const;

/** The search fields, as strings from the query or body. */
export interface SessionQuery {
  user?: string;
  client?: string;
  label?: string;
  tag?: string;
  status?: string;
  limit?: string;
  cursor?: string;
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/**
 * The store filter for a query; true `narrowed` when at least one of user, client, label, tag is set.
 * @throws {HttpError} 400 for a label without `=`.
 */
export function filterOf(query: SessionQuery): { filter: TokenFilter; narrowed: boolean } {
  const filter: TokenFilter = { kind: 'refresh' };
  const user = nonEmpty(query.user);
  const client = nonEmpty(query.client);
  const label = nonEmpty(query.label);
  const tag = nonEmpty(query.tag);
  if (user !== undefined) filter.subject = user;
  if (client !== undefined) filter.clientId = client;
  if (tag !== undefined) filter.tags = [tag];
  if (label !== undefined) {
    const eq = label.indexOf('=');
    if (eq <= 0) throw invalidRequest('label must be key=value', 'label');
    filter.labels = { [label.slice(0, eq).trim()]: label.slice(eq + 1).trim() };
  }
  const status = nonEmpty(query.status);
  if (status !== undefined && status !== 'any') filter.status = status as TokenStatus;
  return { filter, narrowed: user !== undefined || client !== undefined || label !== undefined || tag !== undefined };
}

/** The row of a refresh record, or undefined for a rotated-out one or one no TokenPairIssuer wrote. */
export function rowOf(record: TokenRecord, now: number, currentId: string | undefined): SessionView | undefined {
  if (record.revokedReason === 'rotated') return undefined;
  const session = sessionOf(record);
  if (session === undefined) return undefined;
  const status = record.revokedAt !== undefined ? 'revoked' : record.expiresAt <= now ? 'expired' : 'active';
  return sessionView(session, currentId, status, record.revokedReason);
}

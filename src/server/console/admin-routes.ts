/**
 * The console's admin API (scope `admin`) under `/console/api/admin/`: search sessions with
 * paging, revoke one, every matching one, or all of a user's; list the signing keys and rotate;
 * a few live figures. The service has no such endpoints of its own: these are them.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyInfo } from '../../keys/index.js';
import type { ServiceContext } from '../context.js';
import { HttpError, invalidRequest } from '../errors.js';
import { sessionParams } from '../schemas.js';
import { filterOf, revokeMatchingSchema, rowOf, searchQuerySchema, type SessionQuery } from './admin-search.js';
import { requireUser } from './guards.js';
import { metricsSummary } from './metrics-summary.js';
import type { VerifyCounter } from './verify-counter.js';

/** Most sessions one "revoke all matching" call revokes. */
const MAX_BULK_REVOKE = 10_000;

const subjectParams = { type: 'object', required: ['subject'], properties: { subject: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const rotateBody = { type: 'object', additionalProperties: false, properties: { grace_seconds: { type: 'integer', minimum: 0, maximum: 90 * 86400 } } } as const;

/** What the admin routes need beyond the service context. */
export interface AdminRouteOptions {
  /** Rotates the service's signing key (the previous one verifies for the grace period). */
  rotateKeys(gracePeriod?: number | string): Promise<string>;
  verifyCounter: VerifyCounter;
}

function keyView(key: KeyInfo): Record<string, unknown> {
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    kid: key.kid, alg: key.alg, use: key.use, status: key.state === 'retiring' ? 'grace' : key.state,
    created_at: iso(key.createdAt), retiring_at: iso(key.retiringAt), retire_at: iso(key.retireAt),
  };
}

/** Registers the admin routes. */
export function registerConsoleAdminRoutes(app: FastifyInstance, ctx: ServiceContext, options: AdminRouteOptions): void {
  app.get('/console/api/admin/sessions', { schema: { querystring: searchQuerySchema } }, async (request) => {
    const user = await requireUser(request, ctx, true);
    const query = request.query as SessionQuery;
    const { filter } = filterOf(query);
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    if (limit < 1 || limit > 200) throw invalidRequest('limit must be 1 to 200', 'limit');
    const page = await ctx.store.list(filter, query.cursor === undefined || query.cursor === '' ? { limit } : { limit, cursor: query.cursor });
    const now = Date.now();
    const rows = page.records.map((r) => rowOf(r, now, user.sessionId)).filter((r) => r !== undefined);
    return { sessions: rows, next_cursor: page.nextCursor ?? null };
  });

  app.delete('/console/api/admin/sessions/:id', { schema: { params: sessionParams } }, async (request) => {
    await requireUser(request, ctx, true);
    const { id } = request.params as { id: string };
    const found = await ctx.store.list({ familyId: id, kind: 'refresh', status: 'active' }, { limit: 1 });
    const subject = found.records[0]?.subject;
    const revoked = subject !== undefined && (await ctx.timed('revoke_session', () => ctx.authority.revokeSession(subject, id)));
    if (!revoked) throw new HttpError(404, 'not_found', 'ERR_SESSION_NOT_FOUND', 'no such live session');
    return { revoked: 1, id, subject };
  });

  app.post('/console/api/admin/sessions/revoke', { schema: { body: revokeMatchingSchema } }, async (request) => {
    await requireUser(request, ctx, true);
    const { filter, narrowed } = filterOf(request.body as SessionQuery);
    if (!narrowed) throw invalidRequest('give a user, client, label or tag: revoking every session is not a search', 'user');
    filter.status = 'active';
    const families = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await ctx.store.list(filter, cursor === undefined ? { limit: 1000 } : { limit: 1000, cursor });
      for (const record of page.records) if (record.familyId !== undefined) families.set(record.familyId, record.subject);
      cursor = page.nextCursor;
    } while (cursor !== undefined && families.size < MAX_BULK_REVOKE);
    return ctx.timed('revoke_session', async () => {
      let revoked = 0;
      for (const [familyId, subject] of families) if (await ctx.authority.revokeSession(subject, familyId)) revoked++;
      return { revoked };
    });
  });

  app.post('/console/api/admin/users/:subject/revoke', { schema: { params: subjectParams } }, async (request) => {
    await requireUser(request, ctx, true);
    const { subject } = request.params as { subject: string };
    const sessions = (await ctx.authority.listSessions(subject)).length;
    await ctx.timed('revoke_all', () => ctx.authority.revokeAllSessions(subject));
    return { revoked: sessions, subject };
  });

  app.get('/console/api/admin/keys', async (request) => {
    await requireUser(request, ctx, true);
    return { keys: ctx.ring().list().map(keyView) };
  });

  app.post('/console/api/admin/keys/rotate', { schema: { body: rotateBody } }, async (request) => {
    await requireUser(request, ctx, true);
    const grace = (request.body as { grace_seconds?: number } | undefined)?.grace_seconds;
    const kid = await ctx.timed('rotate_keys', () => options.rotateKeys(grace));
    return { rotated: true, kid, keys: ctx.ring().list().map(keyView) };
  });

  app.get('/console/api/admin/metrics', async (request) => {
    await requireUser(request, ctx, true);
    const summary = await metricsSummary(ctx.metrics.registry);
    const counted = options.verifyCounter.snapshot();
    // The service's `verify` operation records a refused token as a finished call; the
    // response status tells accepted from refused.
    return { ...summary, verified: counted.accepted, refused: counted.refused };
  });
}

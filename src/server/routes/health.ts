/**
 * `GET /healthz` (the process answers), `GET /readyz` (the store answers) and `GET /metrics`
 * (Prometheus text).
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { sendError } from '../http-setup.js';

/** Registers the health and metrics routes. */
export function registerHealthRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await ctx.store.get('readyz-probe');
      return { status: 'ready', store: ctx.store.backend };
    } catch {
      ctx.metrics.storeError('readyz');
      return sendError(reply, 503, 'temporarily_unavailable', 'ERR_STORAGE', 'token store unavailable');
    }
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
}

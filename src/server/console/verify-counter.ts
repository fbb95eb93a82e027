/**
 * Counts `/verify` answers by status (accepted: 2xx, refused: 401), for the console's live
 * figures: the service's operation metric records a refused token as a call that finished.
 */
import type { FastifyInstance } from 'fastify';

/** Totals since the service started. */
export interface VerifyCounter {
  snapshot(): { accepted: number; refused: number };
}

/** Adds an onResponse hook on `app` (the service's root instance) counting `/verify` answers. */
export function countVerifyAnswers(app: FastifyInstance): VerifyCounter {
  let accepted = 0;
  let refused = 0;
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.url !== '/verify') return;
    if (reply.statusCode < 300) accepted++;
    else if (reply.statusCode === 401) refused++;
  });
  return { snapshot: () => ({ accepted, refused }) };
}

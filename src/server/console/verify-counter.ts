/**
 * Counts `/verify` answers by status (accepted: 2xx, refused: 401), for the console's live
 * figures: the service's operation metric records a refused token as a call that finished.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Totals since the service started. */
export interface VerifyCounter {
  snapshot(): { accepted: number; refused: number };
}

/**
 * Counts `/verify` answers with an onResponse hook on that route alone (added through `onRoute`,
 * so other routes pay nothing); call it before the route is registered.
 */
export function countVerifyAnswers(app: FastifyInstance): VerifyCounter {
  let accepted = 0;
  let refused = 0;
  const count = (_request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (reply.statusCode < 300) accepted++;
    else if (reply.statusCode === 401) refused++;
    done();
  };
  app.addHook('onRoute', (route) => {
    if (route.url !== '/verify' || route.method !== 'POST') return;
    const existing = route.onResponse;
    route.onResponse = existing === undefined ? [count] : [...(Array.isArray(existing) ? existing : [existing]), count];
  });
  return { snapshot: () => ({ accepted, refused }) };
}

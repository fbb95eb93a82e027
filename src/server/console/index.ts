/**
 * The web console at `/`: token inspector, "My sessions" and Admin, served by the token service.
 * Plain ES modules and one stylesheet from `assets/` (no CDN, no bundler), a cookie session
 * (httpOnly, SameSite=Strict, Secure off only on loopback HTTP), CSRF tokens on every write, and
 * a strict CSP. Registered by `createTokenService` with one call.
 */
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.js';
import { registerConsoleAdminRoutes } from './admin-routes.js';
import { registerConsoleSessionRoutes } from './session-routes.js';
import { CONSOLE_CSP, registerConsoleAssets } from './static-assets.js';
import type { VerifyCounter } from './verify-counter.js';

export { countVerifyAnswers } from './verify-counter.js';
import { registerVerifyProxy } from './verify-proxy.js';

export { ADMIN_SCOPE } from './cookie-session.js';
export { CONSOLE_CSP } from './static-assets.js';

/**
 * Adds the console to the service. `rotateKeys` is the service's key rotation (the admin's
 * "Rotate" button); `verifyCounter` comes from {@link countVerifyAnswers}, called before the
 * `/verify` route is added.
 */
export function registerConsole(app: FastifyInstance, ctx: ServiceContext, rotateKeys: (gracePeriod?: number | string) => Promise<string>, verifyCounter: VerifyCounter): void {
  app.register(async (scope) => {
    // Runs after the service's own onSend hook (parents first), so the page gets its own policy.
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('Content-Security-Policy', CONSOLE_CSP);
      return payload;
    });
    await registerConsoleAssets(scope);
    registerConsoleSessionRoutes(scope, ctx);
    registerConsoleAdminRoutes(scope, ctx, { rotateKeys, verifyCounter });
    registerVerifyProxy(scope, app);
  });
}

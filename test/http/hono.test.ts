/** honoAuth on a real Hono app served by @hono/node-server. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { honoAuth, type HonoAuthVariables } from '../../src/http/index.js';
import { runMiddlewareSuite } from './suite.js';

runMiddlewareSuite('hono', async ({ jwt, opaque }) => {
  const app = new Hono<{ Variables: HonoAuthVariables }>();
  const answer = (c: Context<{ Variables: HonoAuthVariables }>) => {
    const auth = c.get('auth') as HonoAuthVariables['auth'] | undefined;
    return c.json({ sub: auth?.subject ?? null, scopes: auth?.scopes ?? [] });
  };
  app.get('/jwt/me', honoAuth(jwt, { requiredScopes: ['read'] }), answer);
  app.get('/jwt/admin', honoAuth(jwt, { requiredScopes: ['admin'] }), answer);
  app.get('/opaque/me', honoAuth(opaque), answer);
  app.get('/cookie/me', honoAuth(jwt, { cookieName: 'at' }), answer);
  app.get('/optional', honoAuth(jwt, { optional: true }), answer);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); }) };
});

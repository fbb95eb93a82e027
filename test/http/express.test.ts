/** expressAuth on a real Express 5 server. */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { expressAuth } from '../../src/http/index.js';
import { runMiddlewareSuite } from './suite.js';

runMiddlewareSuite('express', async ({ jwt, opaque }) => {
  const app = express();
  const answer = (req: express.Request, res: express.Response) => { res.json({ sub: req.auth?.subject ?? null, scopes: req.auth?.scopes ?? [] }); };
  app.get('/jwt/me', expressAuth(jwt, { requiredScopes: ['read'] }), answer);
  app.get('/jwt/admin', expressAuth(jwt, { requiredScopes: ['admin'] }), answer);
  app.get('/opaque/me', expressAuth(opaque), answer);
  app.get('/cookie/me', expressAuth(jwt, { cookieName: 'at' }), answer);
  app.get('/optional', expressAuth(jwt, { optional: true }), answer);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
});

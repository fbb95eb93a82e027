/**
 * The console's page and assets, read once from `assets/` beside this module (shipped in the
 * package: the build copies them into `dist/`), served from memory with the console's strict
 * Content-Security-Policy: scripts, styles and fetches from this origin only, no inline script,
 * no eval, Trusted Types enforced (the page never writes HTML from strings).
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors.js';

/** The console page's Content-Security-Policy. */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'", "font-src 'none'",
  "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'", "object-src 'none'",
  "require-trusted-types-for 'script'", "trusted-types 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
}

/** The directory the assets are read from. */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const name of await readdir(ASSETS_DIR)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) assets.set(name, { body: await readFile(new URL(name, new URL('./assets/', import.meta.url))), type });
  }
  return assets;
}

/** Registers `GET /` (the page) and `GET /console/assets/:name`, in an encapsulated context with the console's CSP. */
export async function registerConsoleAssets(app: FastifyInstance): Promise<void> {
  const assets = await loadAssets();
  const page = assets.get('index.html');
  if (page === undefined) throw new Error(`the console's index.html is missing from ${ASSETS_DIR}`);
  app.get('/', async (_request, reply) => reply.header('Cache-Control', 'no-cache').type(page.type).send(page.body));
  app.get('/console/assets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const asset = name === 'index.html' ? undefined : assets.get(name);
    if (asset === undefined) throw new HttpError(404, 'not_found', 'ERR_NOT_FOUND', 'no such console asset');
    return reply.header('Cache-Control', 'no-cache').type(asset.type).send(asset.body);
  });
}

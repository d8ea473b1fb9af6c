/**
 * The studio (ui/, built by `npm install` into ui/dist): its files, and index.html for every client route
 * (`/flows/:flowId`, `/runs/:runId`, `/runs`, `/dashboard`) so a screen can be linked and reloaded.
 */
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import { HttpError } from './errors';
import { sendStudioFile } from './precompressed';
import type { RouteRegistry } from './routeRegistry';

const STUDIO_DIR = path.join(__dirname, '..', '..', 'ui', 'dist');

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** `/assets/<name>` inside the assets folder, or null for a path that would leave it; a 400 for one not URL-encoded. */
function assetPath(assets: string, requestPath: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(requestPath);
  } catch {
    throw new HttpError(400, 'invalid_request', `the path ${requestPath} is not URL-encoded text`);
  }
  if (name.includes('\0')) return null;
  const file = path.resolve(assets, `.${name}`);
  return file.startsWith(assets + path.sep) ? file : null;
}

const READS = new Set(['GET', 'HEAD']);

/**
 * The studio's built files, compressed as the build left them (gateway/precompressed.ts). Middleware, not routes: the
 * files are not API operations (the route registry and its OpenAPI document list the client screens instead).
 */
export function studioFiles(directory = STUDIO_DIR): express.Router {
  const router = express.Router();
  const assets = path.join(directory, 'assets');
  // Hashed file names never change content: cached for good; index.html is always revalidated.
  router.use('/assets', (request, response, next) => {
    if (!READS.has(request.method)) return next();
    const file = assetPath(assets, request.path);
    if (!file || !sendStudioFile(request, response, file, { cacheControl: IMMUTABLE }))
      throw new HttpError(404, 'not_found', `no studio file /assets${request.path}`);
  });
  router.use((request, response, next) => {
    if (!READS.has(request.method) || request.path !== '/') return next();
    if (!sendStudioFile(request, response, path.join(directory, 'index.html'), { cacheControl: REVALIDATE })) next();
  });
  return router;
}

/** The studio's client routes: each answers index.html, and the studio shows that screen. */
export function registerStudioRoutes(routes: RouteRegistry, directory = STUDIO_DIR): void {
  const index = path.join(directory, 'index.html');
  const screens: { path: string; params?: z.ZodObject; summary: string }[] = [
    { path: '/flows', summary: 'the studio: flows' },
    { path: '/flows/{flowId}', params: z.object({ flowId: z.string() }), summary: 'the studio: a flow’s editor' },
    { path: '/runs', summary: 'the studio: runs' },
    { path: '/runs/{runId}', params: z.object({ runId: z.string() }), summary: 'the studio: a run' },
    { path: '/dashboard', summary: 'the studio: the dashboard' },
  ];
  for (const screen of screens) {
    routes.add(
      { method: 'get', tag: 'studio', auth: 'none', ...screen, responses: { 200: 'index.html (text/html)' } },
      (request, response, _input, next) => {
        if (!sendStudioFile(request, response, index, { cacheControl: REVALIDATE })) next();
      },
    );
  }
}

/**
 * The studio (ui/, built by `npm install` into ui/dist): its files, and index.html for every client route
 * (`/flows/:flowId`, `/runs/:runId`, `/runs`, `/dashboard`) so a screen can be linked and reloaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { z } from 'zod';
import type { RouteRegistry } from './routeRegistry';

const STUDIO_DIR = path.join(__dirname, '..', '..', 'ui', 'dist');

/** The studio's built files. */
export function studioFiles(directory = STUDIO_DIR): express.Router {
  const router = express.Router();
  // Hashed file names never change content: cache them; index.html is always revalidated.
  router.use(
    '/assets',
    express.static(path.join(directory, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }),
  );
  router.use(express.static(directory, { index: 'index.html', maxAge: 0 }));
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
      (_request, response, _input, next) => {
        if (!fs.existsSync(index)) return next();
        response.set('cache-control', 'no-cache').sendFile(index);
      },
    );
  }
}

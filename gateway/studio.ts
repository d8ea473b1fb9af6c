/**
 * The studio (ui/, built by `npm install` into ui/dist): its files, and index.html for every client route
 * (`/flows/:flowId`, `/runs/:runId`) so a screen can be linked and reloaded.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

const STUDIO_DIR = path.join(__dirname, '..', '..', 'ui', 'dist');
const CLIENT_ROUTE = /^\/(flows|runs)(\/[^/]+)?\/?$/;

export function studioRoutes(directory = STUDIO_DIR): express.Router {
  const router = express.Router();
  // Hashed file names never change content: cache them; index.html is always revalidated.
  router.use('/assets', express.static(path.join(directory, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  router.use(express.static(directory, { index: 'index.html', maxAge: 0 }));
  router.get(CLIENT_ROUTE, (_request, response, next) => {
    const index = path.join(directory, 'index.html');
    if (!fs.existsSync(index)) return next();
    response.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}

/**
 * The webhook benchmark's baselines, in a process of their own (they are no part of the product): a static 202 from
 * express behind the middleware and body parsing the gateway's API has (`/hooks-static/…`), and the same answer from a
 * plain HTTP handler like the one webhook deliveries run on (`/hooks-static-plain/…`). Forked by webhook.bench.ts,
 * it prints its port on stdout.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestLogging, tagRequest } from '../gateway/logging';
import { cors, securityHeaders, setSecurityHeaders } from '../gateway/security';
import { sendJson } from '../gateway/webhooks/response';

const BODY_LIMIT = '1mb';

function main(): void {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging());
  app.use(securityHeaders({ contentSecurityPolicy: false }));
  app.use(
    '/hooks-static',
    securityHeaders({ contentSecurityPolicy: true }),
    cors([]),
    express.raw({ type: () => true, limit: BODY_LIMIT }),
  );
  app.all('/hooks-static/*rest', (_request, response) => {
    response.status(202).json({ runId: 'static' });
  });
  const readBody = express.raw({ type: () => true, limit: BODY_LIMIT });
  const server = http.createServer((request, response) => {
    if (!request.url?.startsWith('/hooks-static-plain/')) {
      app(request, response);
      return;
    }
    tagRequest(request, response);
    setSecurityHeaders(response, true);
    readBody(request, response, () => sendJson(response, 202, { runId: 'static' }));
  });
  server.listen(0, '127.0.0.1', () => console.log(String((server.address() as AddressInfo).port)));
  process.on('disconnect', () => process.exit(0));
}

main();

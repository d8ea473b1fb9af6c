import express, { Router } from 'express';
import { z } from 'zod';
import { PUSHED_KINDS, SourceName } from '../../flow/eventTriggers';
import { Identifier } from '../../flow/schema';
import { parseRequest } from '../errors';
import { describeOperations } from '../openapi';
import type { PushedSources } from '../sources/pushed';

export const PushedParams = z.object({ kind: z.enum(PUSHED_KINDS), workspace: Identifier, source: SourceName });

describeOperations([
  {
    method: 'post',
    path: '/triggers/{kind}/{workspace}/{source}',
    tag: 'triggers',
    auth: 'webhook',
    params: PushedParams,
    summary:
      'events pushed by their senders to the workspace’s `signed`, `salesforce` or `s3` triggers of that source: checked (signature, organization id, SNS certificate or token), one run per event and subscribing trigger, a redelivery answering the runs it started',
    responses: { 200: '{ runs: [{ flowId, triggerId, runId, duplicate }] } (Salesforce: the SOAP Ack)', 400: 'malformed: nothing started', 401: 'not from the sender: nothing started', 404: 'no trigger of that kind and source', 503: 'a subscribing trigger is paused: deliver again after resume' },
  },
]);

/** `/triggers/<kind>/<workspace>/<source>`: no API key; each kind checks its sender itself. */
export function pushedTriggerRoutes(sources: PushedSources, bodyLimit: string): Router {
  const router = Router();
  router.use(express.raw({ type: () => true, limit: bodyLimit }));

  // MinIO probes a webhook target with HEAD before sending to it.
  router.head('/:kind/:workspace/:source', (request, response) => {
    parseRequest(PushedParams, request.params, 'params');
    response.status(200).end();
  });

  router.post('/:kind/:workspace/:source', async (request, response) => {
    const { kind, workspace, source } = parseRequest(PushedParams, request.params, 'params');
    const answer = await sources.deliver(kind, {
      workspace,
      source,
      method: request.method,
      headers: request.headers,
      query: request.query as Record<string, unknown>,
      raw: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    });
    response.status(answer.status).type(answer.contentType).send(answer.body);
  });

  return router;
}

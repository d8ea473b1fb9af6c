import express from 'express';
import { z } from 'zod';
import { PUSHED_KINDS, SourceName } from '../../flow/eventTriggers';
import { Identifier } from '../../flow/schema';
import { parsingInContext } from '../requestGuard';
import type { RouteRegistry } from '../routeRegistry';
import type { PushedSources } from '../sources/pushed';

export const PushedParams = z.object({ kind: z.enum(PUSHED_KINDS), workspace: Identifier, source: SourceName });

/** `/triggers/<kind>/<workspace>/<source>`: no API key; each kind checks its sender itself. */
export function registerPushedTriggerRoutes(routes: RouteRegistry, sources: PushedSources, bodyLimit: string): void {
  const raw = parsingInContext(express.raw({ type: () => true, limit: bodyLimit }));
  const path = '/triggers/{kind}/{workspace}/{source}';

  // MinIO probes a webhook target with HEAD before sending to it.
  routes.add(
    {
      method: 'head',
      path,
      tag: 'triggers',
      auth: 'webhook',
      params: PushedParams,
      middleware: [raw],
      summary: 'a probe of the target (MinIO sends one first)',
      responses: { 200: 'a trigger target', 400: 'not one' },
    },
    (_request, response) => {
      response.status(200).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path,
      tag: 'triggers',
      auth: 'webhook',
      params: PushedParams,
      middleware: [raw],
      summary:
        'events pushed by their senders to the workspace’s `signed`, `salesforce` or `s3` triggers of that source: checked (signature, organization id, SNS certificate or token), one run per event and subscribing trigger, a redelivery answering the runs it started',
      responses: {
        200: '{ runs: [{ flowId, triggerId, runId, duplicate }] } (Salesforce: the SOAP Ack)',
        400: 'malformed: nothing started',
        401: 'not from the sender: nothing started',
        404: 'no trigger of that kind and source',
        503: 'a subscribing trigger is paused: deliver again after resume',
      },
    },
    async (request, response, { params: { kind, workspace, source } }) => {
      const answer = await sources.deliver(kind, {
        workspace,
        source,
        method: request.method,
        headers: request.headers,
        query: request.query,
        raw: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
      });
      response.status(answer.status).type(answer.contentType).send(answer.body);
    },
  );
}

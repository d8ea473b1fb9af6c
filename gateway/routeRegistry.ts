/**
 * Every HTTP route of the gateway, registered once with its schemas and description. The express routers and the
 * OpenAPI document (gateway/openapi.ts) are both derived from this registry, so the document cannot miss a route
 * or describe a schema the route does not enforce.
 *
 * To add a route: in the module of its resource (gateway/routes/*.ts), call
 *   routes.add({ method, path: '/api/things/{id}', tag, summary, params, query, body, responses }, handler)
 * with the path in OpenAPI form. The handler receives `{ params, query, body }` already parsed by those schemas (a
 * request they refuse is answered 400 naming each field). `auth` is `apiKey` unless said otherwise: `admin` (the admin
 * key only), `none` or `webhook` (served without an API key, outside /api's key check). Never add routes with
 * `router.get(...)`/`app.post(...)` directly: test/unit/routes.test.ts fails on any express route not made here.
 * Routes served outside express (the webhook intake) are documented with `routes.describe(...)`.
 */
import { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { RUN_BODY_MAX_BYTES, RUN_PAYLOAD_MAX_BYTES } from '../common/config';
import { requireAdmin } from './auth';
import { parseRequest } from './errors';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head';

export interface RouteSpec<
  P extends z.ZodObject | undefined = z.ZodObject | undefined,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodObject | undefined = z.ZodObject | undefined,
> {
  /** `any`: served for every method (documented for each); only for routes served outside express. */
  method: Method | 'any';
  /** OpenAPI form: `/api/flows/{id}`. */
  path: string;
  tag: string;
  summary: string;
  /** Who may call it; `apiKey` when unset. */
  auth?: 'apiKey' | 'admin' | 'webhook' | 'none';
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the route reads, keyed by their lower-case names (others pass unchecked). */
  headers?: H;
  /** The handler checks the body itself, to answer richer problems (a flow definition's, each with its place). */
  bodyCheckedByHandler?: boolean;
  /** Run before the handler (a raw body parser). */
  middleware?: RequestHandler[];
  /** Each status's meaning; with a schema (named in gateway/openapi.ts to be a component), also its JSON body. */
  responses: Record<number, string | { description: string; schema: z.ZodType }>;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B, H = undefined> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  headers: Parsed<H>;
}

type Handler<P, Q, B, H> = (
  request: Request,
  response: Response,
  input: RouteInput<P, Q, B, H>,
  next: NextFunction,
) => unknown;

type AnyInput = { params: unknown; query: unknown; body: unknown; headers: unknown };

interface Entry {
  spec: RouteSpec;
  handler?: (request: Request, response: Response, input: AnyInput, next: NextFunction) => unknown;
}

/** Express routes made by a registry, with their specs: anything else in the app is a route the document does not know. */
const madeHere = new WeakMap<object, RouteSpec>();

/** The spec an express route was made from; undefined for a route added past the registry. */
export function registeredSpec(route: object): RouteSpec | undefined {
  return madeHere.get(route);
}

const API_PREFIX = '/api';

export class RouteRegistry {
  private readonly entries: Entry[] = [];

  add<
    P extends z.ZodObject | undefined = undefined,
    Q extends z.ZodObject | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    H extends z.ZodObject | undefined = undefined,
  >(spec: RouteSpec<P, Q, B, H>, handler: Handler<P, Q, B, H>): void {
    if (spec.method === 'any') throw new Error(`${spec.path}: "any" is for routes served outside express`);
    this.entries.push({ spec, handler: handler as Entry['handler'] });
  }

  /** A route served outside express (the webhook intake): documented only. */
  describe(spec: RouteSpec): void {
    this.entries.push({ spec });
  }

  /** Everything registered, in order: what the OpenAPI document describes. */
  operations(): RouteSpec[] {
    return this.entries.map((entry) => entry.spec);
  }

  /** The routes behind the API key (mounted at /api, after the key check): paths relative to /api. */
  apiRouter(): Router {
    return this.router(
      (spec) => keyed(spec),
      (path) => path.slice(API_PREFIX.length) || '/',
    );
  }

  /** The routes served without an API key, at their full paths. */
  publicRouter(): Router {
    return this.router(
      (spec) => !keyed(spec),
      (path) => path,
    );
  }

  private router(include: (spec: RouteSpec) => boolean, place: (path: string) => string): Router {
    const router = Router();
    for (const { spec, handler } of this.entries) {
      if (!handler || !include(spec) || spec.method === 'any') continue;
      const route = router.route(place(spec.path).replace(/\{(\w+)\}/g, ':$1'));
      const guards = spec.auth === 'admin' ? [requireAdmin] : [];
      route[spec.method](
        ...guards,
        ...(spec.middleware ?? []),
        (request: Request, response: Response, next: NextFunction) =>
          handler(request, response, parse(spec, request), next),
      );
      madeHere.set(route, spec);
    }
    return router;
  }
}

function keyed(spec: RouteSpec): boolean {
  const auth = spec.auth ?? 'apiKey';
  if ((auth === 'apiKey' || auth === 'admin') && !spec.path.startsWith(`${API_PREFIX}/`))
    throw new Error(`${spec.path}: keyed routes live under /api`);
  return auth === 'apiKey' || auth === 'admin';
}

function parse(spec: RouteSpec, request: Request): AnyInput {
  return {
    params: spec.params ? parseRequest(spec.params, request.params, 'params') : undefined,
    query: spec.query ? parseRequest(spec.query, request.query, 'query') : undefined,
    body: spec.body && !spec.bodyCheckedByHandler ? parseRequest(spec.body, request.body ?? {}, 'body') : undefined,
    headers: spec.headers ? parseRequest(spec.headers, request.headers, 'headers') : undefined,
  };
}

/** The 400 answer of a route whose request the schemas refuse. */
/** How a route whose body carries a run's payload describes its refusal of one too large. */
export const RUN_PAYLOAD_TOO_LARGE = `payload_too_large: the run's payload is past ${RUN_PAYLOAD_MAX_BYTES} bytes of JSON (RUN_PAYLOAD_MAX_BYTES); body_too_large: the body is past ${RUN_BODY_MAX_BYTES} bytes`;

export const INVALID_REQUEST = 'invalid request: `error.problems` names every field';

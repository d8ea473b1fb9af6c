import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { Identifier } from '../flow/schema';
import type { ApiKeyStore } from '../store/apiKeys';
import { DEFAULT_WORKSPACE } from '../flow/ids';
import { WorkspaceStore } from '../store/workspaces';
import { HttpError } from './errors';

/** Who is calling: the admin (in the default workspace, or the one `X-Nectar-Workspace` names) or a workspace's key. */
export interface Principal {
  admin: boolean;
  workspace: string;
  keyId?: string;
}

const principals = new WeakMap<Request, Principal>();

export function principalOf(request: Request): Principal {
  const principal = principals.get(request);
  if (!principal) throw new HttpError(401, 'unauthorized', 'not authenticated');
  return principal;
}

/** The caller's workspace: everything a route reads or writes is scoped to it. */
export const workspaceOf = (request: Request): string => principalOf(request).workspace;

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Requires `Authorization: Bearer <key>`: the admin key, or a live API key, which works in its own workspace only. */
export function requireApiKey(adminKey: string, keys?: ApiKeyStore, workspaces?: WorkspaceStore): RequestHandler {
  return async (request, _response, next) => {
    const header = request.get('authorization');
    if (!header)
      throw new HttpError(401, 'unauthorized', 'missing Authorization header: send "Authorization: Bearer <API key>"');
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) throw new HttpError(401, 'unauthorized', 'invalid API key');
    const given = match[1].trim();
    if (sameSecret(given, adminKey)) {
      const named = request.get('x-nectar-workspace');
      let workspace = DEFAULT_WORKSPACE;
      if (named !== undefined && named !== DEFAULT_WORKSPACE) {
        const parsed = Identifier.safeParse(named);
        if (!parsed.success || !(await workspaces?.get(parsed.data)))
          throw new HttpError(404, 'not_found', `workspace "${named}" not found`);
        workspace = parsed.data;
      }
      principals.set(request, { admin: true, workspace });
      next();
      return;
    }
    const key = await keys?.resolve(given);
    if (!key) throw new HttpError(401, 'unauthorized', 'invalid API key');
    principals.set(request, { admin: false, workspace: key.workspace, keyId: key.id });
    next();
  };
}

/** Only the admin key manages workspaces. */
export const requireAdmin: RequestHandler = (request, _response, next) => {
  if (!principalOf(request).admin) throw new HttpError(403, 'forbidden', 'only the admin key manages workspaces');
  next();
};

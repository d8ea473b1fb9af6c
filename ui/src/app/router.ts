/** Client-side routes: every screen has its own URL, served by the gateway's SPA fallback on reload. */
import { useSyncExternalStore } from 'react';

export type Route =
  | { screen: 'flows' }
  | { screen: 'flow'; flowId: string }
  | { screen: 'run'; runId: string }
  | { screen: 'runs'; search: string }
  | { screen: 'dashboard'; search: string }
  | { screen: 'missing'; path: string };

export function parseRoute(pathname: string, search = ''): Route {
  if (/^\/runs\/?$/.test(pathname)) return { screen: 'runs', search };
  if (/^\/dashboard\/?$/.test(pathname)) return { screen: 'dashboard', search };
  if (pathname === '/' || pathname === '/flows' || pathname === '/flows/') return { screen: 'flows' };
  const flow = /^\/flows\/([^/]+)\/?$/.exec(pathname);
  if (flow) return { screen: 'flow', flowId: decodeURIComponent(flow[1]) };
  const run = /^\/runs\/([^/]+)\/?$/.exec(pathname);
  if (run) return { screen: 'run', runId: decodeURIComponent(run[1]) };
  return { screen: 'missing', path: pathname };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => location.pathname + location.search,
  );
  const [path, query = ''] = pathname.split('?', 2);
  return parseRoute(path, query ? `?${query}` : '');
}

export const flowUrl = (flowId: string) => `/flows/${encodeURIComponent(flowId)}`;
export const runUrl = (runId: string) => `/runs/${encodeURIComponent(runId)}`;
/** Replaces the query string in place (a filter change), without a history entry of its own. */
export function replaceSearch(search: string): void {
  if (search === location.search) return;
  history.replaceState(null, '', location.pathname + search);
  listeners.forEach((listener) => listener());
}

import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/api';
import { ApiProblem } from './problem';

/**
 * The console's only way to the service: a client typed from the service's OpenAPI document
 * (generated at build time by scripts/build-web.js), so a route or body that drifts from the API
 * fails `tsc`. Session cookies go along by themselves (same origin); state-changing requests
 * carry the session's CSRF token.
 */
let csrfToken: string | null = null;
const listeners = new Set<(e: ClientEvent) => void>();

export type ClientEvent = { kind: 'unauthorized'; ended?: string } | { kind: 'activity' };

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** For the few requests openapi-fetch cannot make (a streamed file upload with progress). */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'X-CSRF-Token': csrfToken } : {};
}

export function onClientEvent(fn: (e: ClientEvent) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export const PASSIVE_HEADER = 'X-Safeharbor-Passive';

const session: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method) && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/v1/session')) {
      const body = await response
        .clone()
        .json()
        .catch(() => ({}));
      listeners.forEach((l) => l({ kind: 'unauthorized', ended: (body as { sessionEnded?: string }).sessionEnded }));
    } else if (response.ok && request.headers.get(PASSIVE_HEADER) !== '1') {
      listeners.forEach((l) => l({ kind: 'activity' }));
    }
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin,
  credentials: 'same-origin',
});
api.use(session);

/** The data of an openapi-fetch result, or an ApiProblem thrown for the error. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw new ApiProblem(result.response.status, result.error);
  return result.data as T;
}

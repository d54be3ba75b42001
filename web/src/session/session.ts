import { queryOptions, type QueryClient } from '@tanstack/react-query';
import { api, setCsrfToken, unwrap } from '../api/client';
import type { components } from '../../generated/api';

export type Role = 'compliance-officer' | 'security-officer' | 'incident-responder' | 'auditor' | 'agent' | 'admin';
type SessionResponse = NonNullable<Awaited<ReturnType<typeof fetchSession>>>;
export type Session = SessionResponse;

async function fetchSession() {
  const s = unwrap(await api.GET('/v1/session', { headers: { 'X-Safeharbor-Passive': '1' } }));
  setCsrfToken(s.csrfToken);
  return s;
}

/** GET /v1/session: who is signed in, the CSRF token, the idle time left, the organization's time zone. */
export const sessionQuery = queryOptions({ queryKey: ['session'], queryFn: fetchSession, staleTime: 60_000 });

export async function signOut(queryClient: QueryClient): Promise<void> {
  await api.POST('/v1/session/sign-out').catch(() => undefined);
  setCsrfToken(null);
  queryClient.clear();
}

export type { components };

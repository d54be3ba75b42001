import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, lazyRouteComponent, Outlet, redirect } from '@tanstack/react-router';
import { NotFound, RouteError } from './components/NotFound';
import { sessionQuery } from './session/session';
import { Shell } from './shell/Shell';

/**
 * Every page of the console. To add one: write `src/pages/<Page>.tsx` exporting a component,
 * add a route below (under `app` when it needs a signed-in person), and, if it belongs in the
 * navigation, an entry in src/shell/nav.ts with the roles that may open it. Pages load lazily,
 * so a new page does not grow the first page's JavaScript.
 */
export interface RouterContext {
  queryClient: QueryClient;
}

const root = createRootRouteWithContext<RouterContext>()({ component: Outlet, notFoundComponent: NotFound, errorComponent: RouteError });

const signIn = createRoute({
  getParentRoute: () => root,
  path: '/sign-in',
  validateSearch: (s: Record<string, unknown>): { error?: string; ended?: string } => ({
    ...(typeof s.error === 'string' ? { error: s.error } : {}),
    ...(typeof s.ended === 'string' ? { ended: s.ended } : {}),
  }),
  component: lazyRouteComponent(() => import('./pages/SignIn'), 'SignInPage'),
});

const acceptInvitation = createRoute({
  getParentRoute: () => root,
  path: '/accept-invitation',
  component: lazyRouteComponent(() => import('./pages/AcceptInvitation'), 'AcceptInvitationPage'),
});

/** Pages for signed-in people: the shell (navigation, idle timer, sign-out) around them. */
const app = createRoute({
  getParentRoute: () => root,
  id: 'app',
  beforeLoad: async ({ context }) => {
    const session = await context.queryClient.ensureQueryData(sessionQuery);
    if (!session.signedIn) throw redirect({ to: '/sign-in', search: session.ended ? { ended: session.ended } : {} });
    return { session };
  },
  component: Shell,
});

const today = createRoute({
  getParentRoute: () => app,
  path: '/',
  component: lazyRouteComponent(() => import('./pages/Today'), 'TodayPage'),
});
const people = createRoute({
  getParentRoute: () => app,
  path: '/admin/people',
  component: lazyRouteComponent(() => import('./pages/admin/People'), 'PeoplePage'),
});
const invitations = createRoute({
  getParentRoute: () => app,
  path: '/admin/invitations',
  component: lazyRouteComponent(() => import('./pages/admin/Invitations'), 'InvitationsPage'),
});
const roles = createRoute({
  getParentRoute: () => app,
  path: '/admin/roles',
  component: lazyRouteComponent(() => import('./pages/admin/Roles'), 'RolesPage'),
});

const incidents = createRoute({
  getParentRoute: () => app,
  path: '/incidents',
  component: lazyRouteComponent(() => import('./pages/incidents/Incidents'), 'IncidentsPage'),
});
const reportIncident = createRoute({
  getParentRoute: () => app,
  path: '/incidents/new',
  component: lazyRouteComponent(() => import('./pages/incidents/ReportIncident'), 'ReportIncidentPage'),
});
const incident = createRoute({
  getParentRoute: () => app,
  path: '/incidents/$id',
  component: lazyRouteComponent(() => import('./pages/incidents/Incident'), 'IncidentPage'),
});
const draftNotice = createRoute({
  getParentRoute: () => app,
  path: '/notices/new',
  validateSearch: (s: Record<string, unknown>): { incident: string; kind?: 'substitute-posting' | 'media' | 'hhs-report' } => ({
    incident: typeof s.incident === 'string' ? s.incident : '',
    ...(s.kind === 'substitute-posting' || s.kind === 'media' || s.kind === 'hhs-report' ? { kind: s.kind } : {}),
  }),
  component: lazyRouteComponent(() => import('./pages/notices/DraftNotice'), 'DraftNoticePage'),
});
const noticeBatch = createRoute({
  getParentRoute: () => app,
  path: '/notices/$id',
  component: lazyRouteComponent(() => import('./pages/notices/NoticeBatch'), 'NoticeBatchPage'),
});
const lookup = createRoute({
  getParentRoute: () => app,
  path: '/lookup',
  component: lazyRouteComponent(() => import('./pages/notices/Lookup'), 'LookupPage'),
});
const ledger = createRoute({
  getParentRoute: () => app,
  path: '/ledger',
  component: lazyRouteComponent(() => import('./pages/audit/Ledger'), 'LedgerPage'),
});

const posture = createRoute({
  getParentRoute: () => app,
  path: '/posture',
  component: lazyRouteComponent(() => import('./pages/posture/Posture'), 'PosturePage'),
});
const riskRegister = createRoute({
  getParentRoute: () => app,
  path: '/risk',
  component: lazyRouteComponent(() => import('./pages/posture/RiskRegister'), 'RiskRegisterPage'),
});
const recertifications = createRoute({
  getParentRoute: () => app,
  path: '/access/recertifications',
  component: lazyRouteComponent(() => import('./pages/posture/Recertifications'), 'RecertificationsPage'),
});
const recertification = createRoute({
  getParentRoute: () => app,
  path: '/access/recertifications/$id',
  component: lazyRouteComponent(() => import('./pages/posture/RecertificationReview'), 'RecertificationReviewPage'),
});

const organization = createRoute({
  getParentRoute: () => app,
  path: '/admin/organization',
  component: lazyRouteComponent(() => import('./pages/admin/Organization'), 'OrganizationPage'),
});

const routeTree = root.addChildren([
  signIn,
  acceptInvitation,
  app.addChildren([
    today,
    incidents,
    reportIncident,
    incident,
    draftNotice,
    noticeBatch,
    lookup,
    ledger,
    posture,
    riskRegister,
    recertifications,
    recertification,
    people,
    invitations,
    roles,
    organization,
  ]),
]);

export function createConsoleRouter(queryClient: QueryClient) {
  return createRouter({ routeTree, context: { queryClient }, defaultPreload: 'intent', scrollRestoration: true });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createConsoleRouter>;
  }
}

import { AppShell, Badge, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { onClientEvent } from '../api/client';
import { NotAllowed } from '../components/NotFound';
import { sessionQuery, signOut, type Role } from '../session/session';
import { IdleTimer } from './IdleTimer';
import { RoleContactsBanner } from './RoleContactsBanner';
import { NAV, navFor, ROLE_LABELS } from './nav';

/** The frame of every signed-in page: who you are, the idle timer, sign-out, and the navigation for your role. */
export function Shell() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [opened, { toggle }] = useDisclosure();

  // Any 401 (idle log-off on the server, a disabled account) sends the person to sign in.
  useEffect(
    () =>
      onClientEvent((e) => {
        if (e.kind !== 'unauthorized') return;
        queryClient.clear();
        void navigate({ to: '/sign-in', search: e.ended ? { ended: e.ended } : {} });
      }),
    [navigate, queryClient],
  );

  if (!session.principal) return null;
  const role = session.principal.role as Role;
  const entries = navFor(role);
  const current = NAV.find((n) => n.to === location.pathname);
  const allowed = !current || current.roles.includes(role);

  return (
    <AppShell header={{ height: 64 }} navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="lg">
      <a className="sh-skip-link" href="#main">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Stack gap={0}>
              <Text fw={700} size="lg" component="span">
                Safe Harbor
              </Text>
              <Text size="xs" c="gray.8" component="span">
                {session.organization.name} · times in {session.organization.timeZone}
              </Text>
            </Stack>
          </Group>
          <Group gap="md" wrap="nowrap">
            <IdleTimer
              idleTimeoutSeconds={session.idleTimeoutSeconds}
              initialSecondsLeft={session.idleSecondsLeft ?? session.idleTimeoutSeconds}
            />
            <Stack gap={0} align="flex-end" visibleFrom="sm">
              <Text size="sm" fw={600} component="span" data-testid="principal-name">
                {session.principal.name}
              </Text>
              <Badge variant="filled" color="gray.8" size="sm" data-testid="principal-role">
                {ROLE_LABELS[role]}
              </Badge>
            </Stack>
            <Button variant="outline" size="sm" onClick={() => void signOut(queryClient).then(() => navigate({ to: '/sign-in' }))}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        {(['work', 'admin'] as const).map((group) => {
          const items = entries.filter((e) => e.group === group);
          if (!items.length) return null;
          return (
            <Stack key={group} gap={2} mb="md">
              {group === 'admin' && (
                <Text size="xs" fw={700} tt="uppercase" c="gray.8" px="sm" component="h2">
                  Administration
                </Text>
              )}
              {items.map((e) => (
                <NavLink
                  key={e.to}
                  component={Link}
                  to={e.to}
                  label={e.label}
                  variant="filled"
                  active={location.pathname === e.to}
                  aria-current={location.pathname === e.to ? 'page' : undefined}
                />
              ))}
            </Stack>
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main id="main">
        <RoleContactsBanner role={role} />
        {allowed ? <Outlet /> : <NotAllowed role={ROLE_LABELS[role]} />}
      </AppShell.Main>
    </AppShell>
  );
}

export function PageTitle({ children, description }: { children: string; description?: string }) {
  return (
    <Stack gap={4} mb="lg">
      <Title order={1} size="h2">
        {children}
      </Title>
      {description && (
        <Text c="gray.8" size="sm">
          {description}
        </Text>
      )}
    </Stack>
  );
}

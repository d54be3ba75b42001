import { Alert, Button, Center, Divider, Paper, Stack, Text, Title } from '@mantine/core';
import { startAuthentication } from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, unwrap } from '../api/client';
import { ProblemAlert } from '../components/ProblemAlert';
import { sessionQuery } from '../session/session';

const route = getRouteApi('/sign-in');

const ENDED: Record<string, string> = {
  idle: 'You were signed out after a period without activity. Sign in again to continue.',
  expired: 'Your session reached its maximum length. Sign in again to continue.',
  disabled: 'Your access was disabled by an administrator.',
};

const SSO_FAILURES: Record<string, string> = {
  'sso-unavailable': 'The single sign-on provider could not be reached. Try again, or use a passkey.',
  'sso-expired': 'The sign-in took too long or was started in another window. Start again.',
  'sso-unverified': "The single sign-on provider's answer could not be verified. Start again; if it persists, tell your administrator.",
  'sso-no-role': 'Your account has no Safe Harbor role. Ask your administrator to give you one in the identity provider.',
  'sso-disabled': 'Your access to Safe Harbor is disabled. Ask your administrator.',
};

/** Sign in with a passkey (usernameless), or through the organization's single sign-on when configured. */
export function SignInPage() {
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);

  useEffect(() => {
    if (session.data?.signedIn) void navigate({ to: '/' });
  }, [session.data?.signedIn, navigate]);

  const passkey = useMutation({
    mutationFn: async () => {
      const options = unwrap(await api.POST('/v1/session/passkey/options'));
      const response = await startAuthentication({ optionsJSON: options as never });
      unwrap(await api.POST('/v1/session/passkey', { body: { response: response as never } }));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['session'] });
      await navigate({ to: '/' });
    },
  });

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={420}>
        <Stack>
          <div>
            <Title order={1} size="h2">
              Sign in to Safe Harbor
            </Title>
            {session.data && (
              <Text c="gray.8" size="sm" mt={4}>
                {session.data.organization.name}
              </Text>
            )}
          </div>
          {search.ended && ENDED[search.ended] && (
            <Alert color="blue.9" variant="light" title="Signed out" data-testid="ended-notice">
              {ENDED[search.ended]}
            </Alert>
          )}
          {search.error && (
            <Alert color="red.9" variant="light" title="Sign-in failed" role="alert">
              {SSO_FAILURES[search.error] ?? 'Single sign-on failed. Start again, or use a passkey.'}
            </Alert>
          )}
          <ProblemAlert error={passkey.error} />
          <Button size="md" onClick={() => passkey.mutate()} loading={passkey.isPending}>
            Sign in with a passkey
          </Button>
          {session.data?.sso.enabled && (
            <>
              <Divider label="or" labelPosition="center" styles={{ label: { color: 'var(--mantine-color-gray-8)' } }} />
              <Button size="md" variant="outline" component="a" href="/v1/auth/oidc/start">
                {session.data.sso.label ?? 'Sign in with single sign-on'}
              </Button>
            </>
          )}
          <Text size="sm" c="gray.8">
            New here? Open the invitation link your administrator sent you to register a passkey. The first administrator's link is in the
            file <code>bootstrap-admin.sign-in</code> in the service's data folder.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}

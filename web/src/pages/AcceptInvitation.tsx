import { Alert, Button, Center, List, Paper, Stack, Text, Title } from '@mantine/core';
import { startRegistration } from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, unwrap } from '../api/client';
import { fieldError, ProblemAlert } from '../components/ProblemAlert';
import { formatInstant } from '../lib/dates';
import { sessionQuery } from '../session/session';
import { ROLE_LABELS } from '../shell/nav';

/**
 * The page an invitation link opens (`/accept-invitation#<token>`: the token stays in the
 * fragment, so it reaches no server log): who is invited with which role, then a passkey is
 * registered on this device and the person is signed in.
 */
export function AcceptInvitationPage() {
  const token = typeof window === 'undefined' ? '' : decodeURIComponent(window.location.hash.replace(/^#/, ''));
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useQuery(sessionQuery);
  const invitation = useQuery({
    queryKey: ['invitation', token],
    queryFn: async () => unwrap(await api.POST('/v1/enrollment/lookup', { body: { token } })),
    enabled: token.length > 0,
    retry: false,
  });
  const register = useMutation({
    mutationFn: async () => {
      const options = unwrap(await api.POST('/v1/enrollment/options', { body: { token } }));
      const response = await startRegistration({ optionsJSON: options as never });
      unwrap(await api.POST('/v1/enrollment', { body: { token, response: response as never } }));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['session'] });
      await navigate({ to: '/' });
    },
  });
  const tz = session.data?.organization.timeZone ?? 'UTC';
  const linkProblem = !token ? 'This page needs the link from your invitation email.' : fieldError(invitation.error, 'token');

  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" radius="md" w={480}>
        <Stack>
          <Title order={1} size="h2">
            Accept your invitation
          </Title>
          {linkProblem && (
            <Alert color="red.9" variant="light" title="This link cannot be used" role="alert" data-testid="link-problem">
              {linkProblem}. Ask your administrator for a new invitation.
            </Alert>
          )}
          {!linkProblem && <ProblemAlert error={invitation.error} />}
          {invitation.data && (
            <>
              <Text>
                <strong>{invitation.data.name}</strong>, you are invited to Safe Harbor
                {session.data ? ` at ${session.data.organization.name}` : ''} as <strong>{ROLE_LABELS[invitation.data.role]}</strong>.
              </Text>
              <Text size="sm" c="gray.8">
                The link works once and expires {formatInstant(invitation.data.expiresAt, tz)}.
              </Text>
              <List size="sm" spacing={4}>
                <List.Item>You will register a passkey: this device's screen lock (fingerprint, face, PIN) or a security key.</List.Item>
                <List.Item>No password is created. Sign in later with the same passkey.</List.Item>
              </List>
              <ProblemAlert error={register.error} />
              <Button size="md" onClick={() => register.mutate()} loading={register.isPending}>
                Register a passkey and sign in
              </Button>
            </>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}

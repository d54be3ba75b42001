import { Badge, Button, Group, Modal, Paper, Select, Table, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery, type Role } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { ROLE_LABELS } from '../../shell/nav';

const PERSON_ROLES: Role[] = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor', 'admin'];
const STATUS_COLOR: Record<string, string> = { pending: 'blue.8', accepted: 'teal.9', revoked: 'gray.8', expired: 'red.9' };

function InviteForm() {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('compliance-officer');
  const invite = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/invitations', { body: { name, email, role: (role ?? '') as Role as never } })),
    onSuccess: async () => {
      setName('');
      setEmail('');
      await queryClient.invalidateQueries({ queryKey: ['invitations'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  return (
    <Paper withBorder p="md" radius="md" mb="lg" component="form" onSubmit={submit} aria-labelledby="invite-title">
      <Title order={2} size="h4" id="invite-title" mb="sm">
        Invite a person
      </Title>
      <ProblemAlert error={invite.error} fields={['name', 'email', 'role']} />
      {invite.isSuccess && (
        <Badge color="teal.9" variant="filled" mb="sm" role="status">
          Invitation sent to {invite.data.email}
        </Badge>
      )}
      <Group align="flex-start" grow>
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={fieldError(invite.error, 'name')}
        />
        <TextInput
          label="Email"
          required
          type="email"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          error={fieldError(invite.error, 'email')}
        />
        <Select
          label="Role"
          required
          value={role}
          onChange={setRole}
          data={PERSON_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
          error={fieldError(invite.error, 'role')}
          allowDeselect={false}
        />
      </Group>
      <Button type="submit" mt="md" loading={invite.isPending}>
        Send invitation
      </Button>
    </Paper>
  );
}

/** Admin: invite people by email with a role; see who accepted; revoke a pending link. */
export function InvitationsPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: ['invitations'], queryFn: async () => unwrap(await api.GET('/v1/invitations')) });
  const [revoking, setRevoking] = useState<{ id: string; name: string } | null>(null);
  const [reason, setReason] = useState('');
  const revoke = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/v1/invitations/{id}/revoke', { params: { path: { id: revoking!.id } }, body: { reason } })),
    onSuccess: async () => {
      setRevoking(null);
      setReason('');
      await queryClient.invalidateQueries({ queryKey: ['invitations'] });
    },
  });
  const items = invitations.data?.items.filter((i) => i.purpose === 'invite') ?? [];
  return (
    <>
      <PageTitle description="An invitation emails a single-use link (valid 72 hours) with which the person registers a passkey. Every invitation is a ledger event.">
        Invitations
      </PageTitle>
      <InviteForm />
      <ProblemAlert error={invitations.error} />
      {invitations.data && items.length === 0 && (
        <EmptyState title="No invitations yet">
          Invite your compliance officer, security officer and responders with the form above; each gets an email with a sign-in link.
        </EmptyState>
      )}
      {items.length > 0 && (
        <Table striped aria-label="Invitations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Email</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Sent</Table.Th>
              <Table.Th scope="col">Expires</Table.Th>
              <Table.Th scope="col">
                <span className="sh-skip-link">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((i) => (
              <Table.Tr key={i.id}>
                <Table.Td>{i.name}</Table.Td>
                <Table.Td>{i.email}</Table.Td>
                <Table.Td>{ROLE_LABELS[i.role]}</Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[i.status]} variant="filled">
                    {i.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{i.sentAt ? formatInstant(i.sentAt, tz) : 'not yet'}</Table.Td>
                <Table.Td>{formatInstant(i.expiresAt, tz)}</Table.Td>
                <Table.Td>
                  {i.status === 'pending' && (
                    <Button size="xs" variant="outline" color="red.9" onClick={() => setRevoking({ id: i.id, name: i.name })}>
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title={`Revoke the invitation for ${revoking?.name ?? ''}`}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            revoke.mutate();
          }}
        >
          <ProblemAlert error={revoke.error} fields={['reason']} />
          <Textarea
            label="Reason"
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={fieldError(revoke.error, 'reason')}
          />
          <Button type="submit" color="red.9" mt="md" loading={revoke.isPending}>
            Revoke invitation
          </Button>
        </form>
      </Modal>
    </>
  );
}

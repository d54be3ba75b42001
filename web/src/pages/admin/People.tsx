import { Badge, Button, Group, Modal, Select, Table, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery, type Role } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { ROLE_LABELS } from '../../shell/nav';

const PERSON_ROLES: Role[] = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor', 'admin'];

type Person = { id: string; name: string; role: Role };
type Action = { kind: 'role'; person: Person } | { kind: 'disable'; person: Person };

function ActionModal({ action, onClose }: { action: Action | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [role, setRole] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const run = useMutation({
    mutationFn: async () => {
      if (!action) return;
      if (action.kind === 'role') {
        unwrap(
          await api.POST('/v1/people/{id}/role', {
            params: { path: { id: action.person.id } },
            body: { role: (role ?? '') as never, reason },
          }),
        );
      } else {
        unwrap(await api.POST('/v1/principals/{id}/disable', { params: { path: { id: action.person.id } }, body: { reason } }));
      }
    },
    onSuccess: async () => {
      setReason('');
      setRole(null);
      onClose();
      await queryClient.invalidateQueries({ queryKey: ['people'] });
    },
  });
  const title = action ? (action.kind === 'role' ? `Change the role of ${action.person.name}` : `Disable ${action.person.name}`) : '';
  return (
    <Modal opened={action !== null} onClose={onClose} title={title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <ProblemAlert error={run.error} fields={['role', 'reason']} />
        {action?.kind === 'role' && (
          <Select
            label="New role"
            required
            value={role ?? action.person.role}
            onChange={setRole}
            data={PERSON_ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            error={fieldError(run.error, 'role')}
            allowDeselect={false}
            mb="sm"
          />
        )}
        {action?.kind === 'disable' && (
          <Text size="sm" mb="sm">
            They are signed out at their next request and can no longer sign in or use their API key. This is recorded in the ledger.
          </Text>
        )}
        <Textarea
          label="Reason"
          required
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={fieldError(run.error, 'reason')}
        />
        <Button type="submit" mt="md" color={action?.kind === 'disable' ? 'red.9' : undefined} loading={run.isPending}>
          {action?.kind === 'disable' ? 'Disable' : 'Change role'}
        </Button>
      </form>
    </Modal>
  );
}

/** Everyone who can act in Safe Harbor: people (passkey, single sign-on) and machines (API keys). */
export function PeoplePage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const isAdmin = session.principal?.role === 'admin';
  const people = useQuery({ queryKey: ['people'], queryFn: async () => unwrap(await api.GET('/v1/people')) });
  const [action, setAction] = useState<Action | null>(null);
  return (
    <>
      <PageTitle description="Role changes and disabling are ledger events. Nobody changes their own role.">People</PageTitle>
      <ProblemAlert error={people.error} />
      {people.data?.items.length === 0 && <EmptyState title="Nobody yet">Invite the first people from Invitations.</EmptyState>}
      {people.data && people.data.items.length > 0 && (
        <Table striped aria-label="People and machines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Signs in with</Table.Th>
              <Table.Th scope="col">Last sign-in</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              {isAdmin && (
                <Table.Th scope="col">
                  <span className="sh-skip-link">Actions</span>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {people.data.items.map((p) => {
              const methods = [
                p.passkeys ? `passkey${p.passkeys > 1 ? ` ×${p.passkeys}` : ''}` : null,
                p.sso ? 'single sign-on' : null,
                p.apiKey ? 'API key' : null,
              ].filter(Boolean);
              const self = p.id === session.principal?.id;
              return (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    {p.name}
                    {self && (
                      <Text span size="sm" c="gray.8">
                        {' '}
                        (you)
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{ROLE_LABELS[p.role]}</Table.Td>
                  <Table.Td>{methods.length ? methods.join(', ') : 'nothing yet (invitation pending?)'}</Table.Td>
                  <Table.Td>{p.lastSignInAt ? `${formatInstant(p.lastSignInAt, tz)} (${p.lastSignInMethod})` : 'never'}</Table.Td>
                  <Table.Td>
                    <Badge color={p.disabled ? 'gray.8' : 'teal.9'} variant="filled">
                      {p.disabled ? 'disabled' : 'active'}
                    </Badge>
                  </Table.Td>
                  {isAdmin && (
                    <Table.Td>
                      {!self && !p.disabled && p.role !== 'agent' && (
                        <Group gap="xs" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="outline"
                            onClick={() => setAction({ kind: 'role', person: p })}
                            aria-label={`Change the role of ${p.name}`}
                          >
                            Change role
                          </Button>
                          <Button
                            size="xs"
                            variant="outline"
                            color="red.9"
                            onClick={() => setAction({ kind: 'disable', person: p })}
                            aria-label={`Disable ${p.name}`}
                          >
                            Disable
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      <ActionModal action={action} onClose={() => setAction(null)} />
    </>
  );
}

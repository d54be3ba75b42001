import { Anchor, Badge, Button, Checkbox, Group, Paper, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { endOfDayIn, formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';

/** Access recertification campaigns: how far each has come, and (officers) starting one. */
export function RecertificationsPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const canStart = ['compliance-officer', 'security-officer'].includes(session.principal?.role ?? '');
  const list = useQuery({
    queryKey: ['recertifications'],
    queryFn: async () => unwrap(await api.GET('/v1/access/recertifications')),
  });
  return (
    <>
      <PageTitle description="Periodic review of who may read or write each PHI dataset (45 CFR 164.308(a)(4)). A campaign freezes the active grants when it starts; the officer who approved each grant keeps or revokes it; revocations are carried out on the hosts by the agents.">
        Access recertification
      </PageTitle>
      {canStart && <StartCampaign timeZone={tz} />}
      <ProblemAlert error={list.error} />
      {list.data?.length === 0 && (
        <EmptyState title="No recertification campaign yet">
          {canStart
            ? 'Start the first campaign above: every active grant is put before the officer who approved it.'
            : 'A compliance or security officer starts a campaign; it appears here.'}
        </EmptyState>
      )}
      {!!list.data?.length && (
        <Table aria-label="Campaigns" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Campaign</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Due</Table.Th>
              <Table.Th scope="col">Grants</Table.Th>
              <Table.Th scope="col">Kept</Table.Th>
              <Table.Th scope="col">Revoked</Table.Th>
              <Table.Th scope="col">Still to review</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((c) => (
              <Table.Tr key={c.campaignId}>
                <Table.Td>
                  <Anchor component={Link} to="/access/recertifications/$id" params={{ id: c.campaignId } as never}>
                    {c.campaignId}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge color={c.status === 'open' ? 'blue.8' : 'gray.8'} variant="filled">
                    {c.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatInstant(c.dueAt, tz)}</Table.Td>
                <Table.Td>{c.grants}</Table.Td>
                <Table.Td>{c.kept}</Table.Td>
                <Table.Td>{c.revoked}</Table.Td>
                <Table.Td>
                  {c.undecided}
                  {c.escalated > 0 && (
                    <Badge ml="xs" color="red.9" variant="filled">
                      {c.escalated} escalated
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

function StartCampaign({ timeZone }: { timeZone: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [campaignId, setCampaignId] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [revokeUnreviewed, setRevokeUnreviewed] = useState(false);
  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/access/recertifications', {
          // Due at the end of that day in the organization's zone; the API names dueAt when it is not a valid instant.
          body: { campaignId, dueAt: dueOn ? endOfDayIn(dueOn, timeZone) : '', revokeUnreviewed },
        }),
      ),
    onSuccess: async (c) => {
      await queryClient.invalidateQueries({ queryKey: ['recertifications'] });
      await navigate({ to: '/access/recertifications/$id', params: { id: c.campaignId } as never });
    },
  });
  return (
    <Paper withBorder p="lg" radius="md" mb="xl" component="form" onSubmit={(e) => (e.preventDefault(), start.mutate())}>
      <Title order={2} size="h4" mb="sm">
        Start a campaign
      </Title>
      <ProblemAlert error={start.error} fields={['campaignId', 'dueAt']} />
      <Group align="flex-start">
        <TextInput
          label="Campaign id"
          description="Lower-case letters, digits and dashes, e.g. 2025-q1"
          value={campaignId}
          onChange={(e) => setCampaignId(e.currentTarget.value)}
          error={fieldError(start.error, 'campaignId')}
          w={240}
        />
        <TextInput
          label="Reviews due on"
          type="date"
          description="Due at the end of that day, organization time"
          value={dueOn}
          onChange={(e) => setDueOn(e.currentTarget.value)}
          error={fieldError(start.error, 'dueAt')}
          w={200}
        />
        <Checkbox
          mt={32}
          label="Revoke grants still unreviewed at the due date"
          checked={revokeUnreviewed}
          onChange={(e) => setRevokeUnreviewed(e.currentTarget.checked)}
        />
      </Group>
      <Button type="submit" mt="md" loading={start.isPending}>
        Start campaign
      </Button>
    </Paper>
  );
}

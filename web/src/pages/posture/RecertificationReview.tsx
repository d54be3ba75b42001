import { Alert, Badge, Button, Group, SegmentedControl, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { formatDay, formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';

interface Grant {
  grantId: string;
  principal: string;
  datasetId: string;
  permission: string;
  status: string;
  expiresAt: string | null;
}
type Item = {
  grantId: string;
  principal: string;
  datasetId: string;
  reviewer: string;
  decision: 'keep' | 'revoke' | null;
  decidedAt: string | null;
};

/**
 * The reviewer screen of one campaign: each frozen grant with its decision. The officer who
 * approved a grant reviews it (the API refuses anyone else): keep it, or revoke it — the
 * revocation is the grant's own, which the agents carry out on the dataset's host.
 */
export function RecertificationReviewPage() {
  const { id } = useParams({ strict: false }) as { id: string };
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const me = session.principal?.id;
  const [filter, setFilter] = useState<'mine' | 'all'>('mine');
  const campaign = useQuery({
    queryKey: ['recertifications', id],
    queryFn: async () => unwrap(await api.GET('/v1/access/recertifications/{id}', { params: { path: { id } } })),
  });
  const grants = useQuery({
    queryKey: ['grants'],
    queryFn: async () => unwrap(await api.GET('/v1/access/grants', { params: { query: {} as never } })) as unknown as Grant[],
  });
  const c = campaign.data;
  const byId = new Map((grants.data ?? []).map((g) => [g.grantId, g]));
  const items = (c?.items ?? []).filter((i) => filter === 'all' || i.reviewer === me);
  const mineOpen = (c?.items ?? []).filter((i) => i.reviewer === me && i.decision === null).length;

  return (
    <>
      <PageTitle description="Keep each grant that is still needed; revoke the rest. A revocation is recorded on the grant and carried out on the host by its agent.">
        {`Recertification ${id}`}
      </PageTitle>
      <ProblemAlert error={campaign.error ?? grants.error} />
      {c && (
        <>
          <Group mb="md" justify="space-between">
            <Text size="sm" data-testid="campaign-summary">
              {c.status === 'open' ? 'Open' : 'Closed'} · due {formatInstant(c.dueAt, tz)} · {c.items.length} grants ·{' '}
              {mineOpen === 0 ? 'nothing left for you to review' : `${mineOpen} waiting for your review`}
              {c.revokeUnreviewed ? ' · unreviewed grants are revoked at the due date' : ''}
            </Text>
            <SegmentedControl
              aria-label="Grants shown"
              value={filter}
              onChange={(v) => setFilter(v as 'mine' | 'all')}
              data={[
                { value: 'mine', label: 'Mine to review' },
                { value: 'all', label: 'All grants' },
              ]}
            />
          </Group>
          {c.escalated.length > 0 && (
            <Alert color="red.9" variant="light" mb="md" title="Escalated">
              Not reviewed by the due date: {c.escalated.join(', ')}.
            </Alert>
          )}
          {items.length === 0 ? (
            <EmptyState title={filter === 'mine' ? 'No grant for you to review here' : 'This campaign froze no grant'}>
              {filter === 'mine'
                ? 'Each grant is reviewed by the officer who approved it. Choose "All grants" to see the whole campaign.'
                : 'No grant was active when the campaign started. Approve grants first, then start a new campaign.'}
            </EmptyState>
          ) : (
            <Table aria-label="Grants to review" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Grant</Table.Th>
                  <Table.Th scope="col">Who</Table.Th>
                  <Table.Th scope="col">Dataset</Table.Th>
                  <Table.Th scope="col">Access</Table.Th>
                  <Table.Th scope="col">Grant now</Table.Th>
                  <Table.Th scope="col">Decision</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((i) => (
                  <ReviewRow
                    key={i.grantId}
                    campaignId={id}
                    item={i}
                    grant={byId.get(i.grantId)}
                    mine={i.reviewer === me}
                    open={c.status === 'open'}
                    tz={tz}
                  />
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
    </>
  );
}

function ReviewRow(props: { campaignId: string; item: Item; grant?: Grant; mine: boolean; open: boolean; tz: string }) {
  const { item: i, grant: g } = props;
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: async (decision: 'keep' | 'revoke') =>
      unwrap(
        await api.POST('/v1/access/recertifications/{id}/reviews', {
          params: { path: { id: props.campaignId } },
          body: { grantId: i.grantId, decision, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        }),
      ),
    onSuccess: async (campaign) => {
      queryClient.setQueryData(['recertifications', props.campaignId], campaign);
      await queryClient.invalidateQueries({ queryKey: ['grants'] });
      await queryClient.invalidateQueries({ queryKey: ['recertifications'], exact: true });
    },
  });
  return (
    <Table.Tr data-testid={`review-${i.grantId}`}>
      <Table.Td>{i.grantId}</Table.Td>
      <Table.Td>{i.principal}</Table.Td>
      <Table.Td>{i.datasetId}</Table.Td>
      <Table.Td>
        {g ? g.permission : '…'}
        {g?.expiresAt && (
          <Text size="xs" c="gray.8">
            until {formatDay(g.expiresAt.slice(0, 10))}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge
          color={g?.status === 'active' ? 'teal.9' : g?.status === 'revoked' ? 'red.9' : 'gray.8'}
          variant="filled"
          data-testid="grant-status"
        >
          {g?.status ?? '…'}
        </Badge>
      </Table.Td>
      <Table.Td>
        {i.decision ? (
          <Text size="sm" data-testid="decision">
            {i.decision === 'keep' ? 'Kept' : 'Revoked'} {formatInstant(i.decidedAt, props.tz)}
          </Text>
        ) : props.mine && props.open ? (
          <>
            <Group gap="xs" align="flex-start" wrap="nowrap">
              <TextInput
                size="xs"
                aria-label={`Reason for ${i.grantId}`}
                placeholder="Reason (optional)"
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                error={fieldError(decide.error, 'reason')}
                w={200}
              />
              <Button
                size="xs"
                variant="default"
                onClick={() => decide.mutate('keep')}
                loading={decide.isPending && decide.variables === 'keep'}
              >
                Keep
              </Button>
              <Button
                size="xs"
                color="red.9"
                onClick={() => decide.mutate('revoke')}
                loading={decide.isPending && decide.variables === 'revoke'}
              >
                Revoke
              </Button>
            </Group>
            <ProblemAlert error={decide.error} fields={['reason']} />
          </>
        ) : (
          <Text size="sm">{props.open ? `awaiting ${props.mine ? 'you' : i.reviewer}` : 'not reviewed'}</Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

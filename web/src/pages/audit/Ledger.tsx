import { Alert, Button, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';

interface Checkpoint {
  size: number;
  root: string;
  cosignatures: number;
  signedAt: string;
}
interface Witness {
  name: string;
  size: number;
  updatedAt: string | null;
  lastError: string | null;
}
type Report =
  | { ok: true; eventsVerified: number; toPosition: number; root: string; checkpointsVerified: number; checkpointsMeetingQuorum: number }
  | { ok: false; kind: string; position?: number; reason: string };

/** Auditors and officers: the ledger's last signed checkpoint, its witnesses, and a full verification on demand. */
export function LedgerPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const checkpoint = useQuery({
    queryKey: ['ledger', 'checkpoint'],
    retry: false,
    queryFn: async () => {
      const r = await api.GET('/v1/ledger/checkpoint');
      if (r.response.status === 404) return null;
      return unwrap(r) as unknown as Checkpoint;
    },
  });
  const witnesses = useQuery({
    queryKey: ['ledger', 'witnesses'],
    queryFn: async () => unwrap(await api.GET('/v1/ledger/witnesses')) as unknown as Witness[],
  });
  const queryClient = useQueryClient();
  const lastVerified = useQuery({
    queryKey: ['ledger', 'verification'],
    retry: false,
    queryFn: async () =>
      unwrap(await api.GET('/v1/ledger/verification')) as unknown as { lastVerifiedAt: string | null; eventsVerified: number | null },
  });
  const verify = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/ledger/verify', { params: { query: {} as never } })) as unknown as Report,
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['ledger', 'verification'] }),
  });
  const cp = checkpoint.data;
  return (
    <>
      <PageTitle description="Every event is a leaf of a hash tree; signed checkpoints, cosigned by independent witnesses, fix its root. Verifying recomputes the tree from every event and checks each checkpoint.">
        Ledger integrity
      </PageTitle>
      <ProblemAlert error={checkpoint.error instanceof ApiProblem && checkpoint.error.status === 404 ? null : checkpoint.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg" mb="lg">
        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            Last signed checkpoint
          </Title>
          {cp ? (
            <Text size="sm" data-testid="checkpoint">
              {cp.size.toLocaleString('en-US')} events, signed {formatInstant(cp.signedAt, tz)}, {cp.cosignatures} witness cosignature
              {cp.cosignatures === 1 ? '' : 's'}.
              <br />
              Root <code>{cp.root}</code>
            </Text>
          ) : (
            <Text size="sm">No checkpoint signed yet: the first is signed on schedule once the ledger has events.</Text>
          )}
        </Paper>
        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            Verify now
          </Title>
          <Text size="sm" mb="xs">
            Recomputes the whole tree from the stored events and checks every checkpoint and witness view.
          </Text>
          <Text size="sm" mb="sm" data-testid="last-verified">
            {lastVerified.data?.lastVerifiedAt
              ? `Last verified clean ${formatInstant(lastVerified.data.lastVerifiedAt, tz)}, ${(lastVerified.data.eventsVerified ?? 0).toLocaleString('en-US')} events.`
              : 'Not verified yet on this service.'}
          </Text>
          <Button onClick={() => verify.mutate()} loading={verify.isPending}>
            Verify now
          </Button>
          <ProblemAlert error={verify.error} />
          {verify.data?.ok === true && (
            <Alert color="teal.9" variant="filled" mt="md" data-testid="verify-result">
              Verified: {verify.data.eventsVerified.toLocaleString('en-US')} events up to position {verify.data.toPosition},{' '}
              {verify.data.checkpointsVerified} checkpoints ({verify.data.checkpointsMeetingQuorum} meeting the witness quorum).
            </Alert>
          )}
          {verify.data?.ok === false && (
            <Alert color="red.9" variant="filled" mt="md" data-testid="verify-result">
              Verification failed ({verify.data.kind}
              {verify.data.position !== undefined ? ` at position ${verify.data.position}` : ''}): {verify.data.reason}
            </Alert>
          )}
        </Paper>
      </SimpleGrid>
      <Title order={2} size="h4" mb="sm">
        Witnesses
      </Title>
      {witnesses.data && witnesses.data.length === 0 && (
        <EmptyState title="No witnesses configured">
          Configure at least one independent witness (LEDGER_WITNESS_DIRS or LEDGER_WITNESS_URLS) so that a rewritten ledger cannot go
          unnoticed.
        </EmptyState>
      )}
      {witnesses.data && witnesses.data.length > 0 && (
        <Table aria-label="Witnesses">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Witness</Table.Th>
              <Table.Th scope="col">Cosigned up to</Table.Th>
              <Table.Th scope="col">Last heard</Table.Th>
              <Table.Th scope="col">Last error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {witnesses.data.map((w) => (
              <Table.Tr key={w.name}>
                <Table.Td>{w.name}</Table.Td>
                <Table.Td>{w.size.toLocaleString('en-US')}</Table.Td>
                <Table.Td>{formatInstant(w.updatedAt, tz)}</Table.Td>
                <Table.Td>{w.lastError ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}

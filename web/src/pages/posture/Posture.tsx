import { Badge, Group, List, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQueries, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { countdown, formatDay, formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';

type Cell = string | number | boolean | null;
interface Section {
  key: string;
  title: string;
  available: boolean;
  note?: string;
  rows: Array<Record<string, Cell>>;
  attention: number;
}
interface Posture {
  asOf: string;
  today: string;
  sections: Section[];
}
interface Dataset {
  datasetId: string;
  agentId: string;
  kind: string;
  keyId: string | null;
  keyVersion: number | null;
  state: string;
}
interface Secured {
  datasetId: string;
  secured: boolean;
  encryption: string | null;
  destruction: string | null;
  keyCompromised: boolean;
  reasons: string[];
}
interface Key {
  keyId: string;
  name: string;
  status: string;
  currentVersion: number;
  rotationDueAt: string | null;
  compromisedAt: string | null;
}
interface Agent {
  agentId: string;
  status: string;
  updatedAt: string;
  lastHeardAt: string | null;
  anomalies: number;
  lastAnomalyAt: string | null;
  /** Past the hourly budget: counted, not recorded one by one. */
  suppressedAnomalies: number;
}

const SILENT_HOURS = 24;
const ROTATION_HORIZON_DAYS = 30;

/**
 * Officers and auditors: is the PHI protected right now? Encryption coverage of every dataset
 * (secured or not, and why, as the safe-harbor test answers it at the service's time), keys
 * due for rotation or compromised, agents and their last report, and the posture's counts.
 */
export function PosturePage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const posture = useQuery({
    queryKey: ['posture'],
    queryFn: async () => unwrap(await api.GET('/v1/posture')) as unknown as Posture,
  });
  const datasets = useQuery({
    queryKey: ['datasets'],
    queryFn: async () => unwrap(await api.GET('/v1/datasets')) as unknown as Dataset[],
  });
  const keys = useQuery({ queryKey: ['keys'], queryFn: async () => unwrap(await api.GET('/v1/keys')) as unknown as Key[] });
  const agents = useQuery({ queryKey: ['agents'], queryFn: async () => unwrap(await api.GET('/v1/agents')) as unknown as Agent[] });
  // "Secured now" is asked at the service's time (its clock decides deadlines), not the browser's.
  const asOf = posture.data?.asOf;
  const secured = useQueries({
    queries: (datasets.data ?? []).map((d) => ({
      queryKey: ['datasets', d.datasetId, 'secured', asOf],
      enabled: !!asOf,
      queryFn: async () =>
        unwrap(
          await api.GET('/v1/datasets/{id}/secured', { params: { path: { id: d.datasetId }, query: { at: asOf } as never } }),
        ) as unknown as Secured,
    })),
  });
  const securedBy = new Map(secured.flatMap((q) => (q.data ? [[q.data.datasetId, q.data] as const] : [])));
  // Rotation due within 30 days of the service's today (calendar days, UTC as the key's cryptoperiod counts them).
  const today = posture.data?.today;
  const rotation = new Map(
    (keys.data ?? []).flatMap((k) => {
      if (!k.rotationDueAt || !today) return [];
      const day = k.rotationDueAt.slice(0, 10);
      const daysLeft = Math.round((Date.parse(day) - Date.parse(today)) / 86_400_000);
      return daysLeft <= ROTATION_HORIZON_DAYS ? [[k.keyId, { rotateBy: day, daysLeft }] as const] : [];
    }),
  );
  const notSecured = (datasets.data ?? []).filter((d) => securedBy.get(d.datasetId)?.secured === false).length;
  const keysNeedingAction = (keys.data ?? []).filter((k) => k.status === 'compromised' || rotation.has(k.keyId)).length;
  const now = asOf ? Date.parse(asOf) : null;
  const silent = (a: Agent) =>
    a.status === 'active' && now !== null && now - Date.parse(a.lastHeardAt ?? a.updatedAt) >= SILENT_HOURS * 3600_000;

  return (
    <>
      <PageTitle description="Whether protected health information is secured right now: datasets and the safe-harbor answer for each, keys due for rotation or compromised, and the host agents that report on them.">
        Posture
      </PageTitle>
      <ProblemAlert error={posture.error ?? datasets.error ?? keys.error ?? agents.error} />
      {posture.data && (
        <Text size="sm" c="gray.8" mb="md" data-testid="posture-as-of">
          As of {formatInstant(posture.data.asOf, tz)}.
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="xl" aria-label="Summary">
        <Stat label="Datasets not secured" value={datasets.data ? notSecured : null} of={datasets.data?.length} testId="stat-unsecured" />
        <Stat label="Keys needing action" value={keys.data ? keysNeedingAction : null} of={keys.data?.length} testId="stat-keys" />
        <Stat
          label="Agents silent or reporting anomalies"
          value={agents.data ? agents.data.filter((a) => silent(a) || a.anomalies > 0).length : null}
          of={agents.data?.length}
          testId="stat-agents"
        />
      </SimpleGrid>

      <Title order={2} size="h3" mb="sm">
        Encryption coverage
      </Title>
      {datasets.data?.length === 0 && (
        <EmptyState title="No datasets registered">
          Register each place that holds PHI as a dataset (POST /v1/datasets, or `safeharbor datasets register`) under an enrolled host
          agent; the agent then reports whether it is encrypted.
        </EmptyState>
      )}
      {!!datasets.data?.length && (
        <Table aria-label="Encryption coverage" mb="xl" verticalSpacing="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Dataset</Table.Th>
              <Table.Th scope="col">Agent</Table.Th>
              <Table.Th scope="col">State</Table.Th>
              <Table.Th scope="col">Key</Table.Th>
              <Table.Th scope="col">Secured now</Table.Th>
              <Table.Th scope="col">Why</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {datasets.data.map((d) => {
              const s = securedBy.get(d.datasetId);
              return (
                <Table.Tr key={d.datasetId} data-testid={`dataset-${d.datasetId}`}>
                  <Table.Td>{d.datasetId}</Table.Td>
                  <Table.Td>{d.agentId}</Table.Td>
                  <Table.Td>{d.state}</Table.Td>
                  <Table.Td>{d.keyId ? `${d.keyId} v${d.keyVersion ?? '?'}` : '—'}</Table.Td>
                  <Table.Td>
                    {s ? (
                      <Badge color={s.secured ? 'teal.9' : 'red.9'} variant="filled">
                        {s.secured ? 'Secured' : 'Not secured'}
                      </Badge>
                    ) : (
                      '…'
                    )}
                  </Table.Td>
                  <Table.Td>
                    {s && s.reasons.length > 0 && (
                      <List size="sm" spacing={2}>
                        {s.reasons.map((r) => (
                          <List.Item key={r}>{r}</List.Item>
                        ))}
                      </List>
                    )}
                    {s && s.reasons.length === 0 && (
                      <Text size="sm">
                        {s.destruction ? 'destroyed (NIST SP 800-88)' : 'encrypted (NIST SP 800-111), key held apart, no compromise'}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}

      <Title order={2} size="h3" mb="sm">
        Keys
      </Title>
      {keys.data?.length === 0 && (
        <EmptyState title="No keys yet">
          Create a data-encryption key (POST /v1/keys) and activate it before encrypting datasets.
        </EmptyState>
      )}
      {!!keys.data?.length && (
        <Table aria-label="Keys" mb="xl">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Key</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Version</Table.Th>
              <Table.Th scope="col">Rotate by</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.map((k) => {
              const due = rotation.get(k.keyId);
              return (
                <Table.Tr key={k.keyId} data-testid={`key-${k.keyId}`}>
                  <Table.Td>{k.keyId}</Table.Td>
                  <Table.Td>{k.name}</Table.Td>
                  <Table.Td>
                    <Badge color={k.status === 'compromised' ? 'red.9' : k.status === 'active' ? 'teal.9' : 'gray.8'} variant="filled">
                      {k.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{k.currentVersion}</Table.Td>
                  <Table.Td>
                    {k.status === 'compromised' ? (
                      <Text size="sm">compromised {formatInstant(k.compromisedAt, tz)}: re-encrypt under a new key</Text>
                    ) : due ? (
                      <Group gap="xs">
                        <span>{formatDay(String(due.rotateBy))}</span>
                        <Badge color={due.daysLeft < 0 ? 'red.9' : 'yellow.4'} c={due.daysLeft < 0 ? undefined : 'dark'} variant="filled">
                          {countdown(Number(due.daysLeft))}
                        </Badge>
                      </Group>
                    ) : (
                      <Text size="sm">{k.rotationDueAt ? `${formatDay(k.rotationDueAt.slice(0, 10))} (not within 30 days)` : '—'}</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}

      <Title order={2} size="h3" mb="sm">
        Host agents
      </Title>
      {agents.data?.length === 0 && (
        <EmptyState title="No agents enrolled">
          Install the host agent on each server that holds PHI and enroll it with a one-time token (POST /v1/agents/tokens); a second
          security officer approves it.
        </EmptyState>
      )}
      {!!agents.data?.length && (
        <Table aria-label="Host agents">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Agent</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Last report</Table.Th>
              <Table.Th scope="col">Anomalies</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {agents.data.map((a) => (
              <Table.Tr key={a.agentId} data-testid={`agent-${a.agentId}`}>
                <Table.Td>{a.agentId}</Table.Td>
                <Table.Td>
                  <Badge color={a.status === 'active' ? 'teal.9' : a.status === 'revoked' ? 'red.9' : 'gray.8'} variant="filled">
                    {a.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {a.lastHeardAt ? formatInstant(a.lastHeardAt, tz) : 'no heartbeat yet'}
                  {silent(a) && (
                    <Badge ml="xs" color="red.9" variant="filled">
                      Silent over {SILENT_HOURS} h
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  {a.anomalies === 0 ? 'none' : `${a.anomalies}, last ${formatInstant(a.lastAnomalyAt, tz)}`}
                  {a.suppressedAnomalies > 0 && (
                    <Text size="sm" c="gray.8">
                      {a.suppressedAnomalies} more over the hourly limit (counted, not recorded one by one)
                    </Text>
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

function Stat({ label, value, of, testId }: { label: string; value: number | null; of?: number; testId: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="sm" c="gray.8">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value ?? '…'}
      </Text>
      {of !== undefined && (
        <Text size="xs" c="gray.8">
          of {of}
        </Text>
      )}
    </Paper>
  );
}

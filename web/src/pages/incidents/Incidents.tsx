import { Anchor, Badge, Button, Group, Select, Switch, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDay } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { STATUS_LABEL, type IncidentRow } from './model';

const PAGE = 25;
type Status = 'reported' | 'triage' | 'not-a-breach' | 'breach' | 'notifying' | 'closed';

/** Every incident, newest first, filtered and paged on the server. */
export function IncidentsPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const [status, setStatus] = useState<string | null>(null);
  const [overdue, setOverdue] = useState(false);
  const [offset, setOffset] = useState(0);
  const list = useQuery({
    queryKey: ['incidents', status, overdue, offset],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/incidents', {
          params: {
            // The list's filters are validated by the route (ZodPipe), not described in the OpenAPI document.
            query: {
              limit: PAGE + 1,
              offset,
              ...(status ? { status: status as Status } : {}),
              ...(overdue ? { overdue: 'true' } : {}),
            } as never,
          },
        }),
      ) as unknown as { items: IncidentRow[] },
  });
  const rows = list.data?.items.slice(0, PAGE) ?? [];
  const more = (list.data?.items.length ?? 0) > PAGE;
  const canReport = ['incident-responder', 'compliance-officer', 'security-officer'].includes(session.principal?.role ?? '');
  const filtered = status !== null || overdue;
  return (
    <>
      <PageTitle description="Every reported incident, newest first. Open one to walk its steps: facts, affected individuals, exception, safeguards, risk assessment, triage and timeline.">
        Incidents
      </PageTitle>
      <Group justify="space-between" align="flex-end" mb="md">
        <Group align="flex-end">
          <Select
            label="Status"
            placeholder="Any status"
            clearable
            value={status}
            onChange={(v) => (setStatus(v), setOffset(0))}
            data={Object.entries(STATUS_LABEL).map(([value, s]) => ({ value, label: s.label }))}
            w={200}
          />
          <Switch
            label="Only with overdue obligations"
            checked={overdue}
            onChange={(e) => (setOverdue(e.currentTarget.checked), setOffset(0))}
            mb={8}
          />
        </Group>
        {canReport && (
          <Button component={Link} to="/incidents/new">
            Report an incident
          </Button>
        )}
      </Group>
      <ProblemAlert error={list.error} />
      {list.data && rows.length === 0 && (
        <EmptyState title={filtered ? 'No incident matches these filters' : 'No incidents reported yet'}>
          {filtered
            ? 'Clear the filters to see every incident.'
            : 'When something may have exposed protected health information, report it first: "Report an incident" asks for what is known today; the rest can follow.'}
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table striped highlightOnHover aria-label="Incidents">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Incident</Table.Th>
              <Table.Th scope="col">Discovered</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">Affected</Table.Th>
              <Table.Th scope="col">Next due</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Anchor component={Link} to="/incidents/$id" params={{ id: r.id } as never}>
                    {r.title}
                  </Anchor>
                </Table.Td>
                <Table.Td>{formatDay(r.discoveredOn)}</Table.Td>
                <Table.Td>
                  <Badge
                    color={STATUS_LABEL[r.status]?.color ?? 'gray.8'}
                    variant="filled"
                    c={r.status === 'notifying' ? 'dark' : undefined}
                  >
                    {STATUS_LABEL[r.status]?.label ?? r.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{r.totalAffected === null ? '—' : r.totalAffected.toLocaleString('en-US')}</Table.Td>
                <Table.Td>
                  {r.nextDueOn ? formatDay(r.nextDueOn) : '—'}
                  {r.overdue && (
                    <Badge ml="xs" color="red.9" variant="filled">
                      Overdue
                    </Badge>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {(offset > 0 || more) && (
        <Group mt="md" aria-label="Pages">
          <Button variant="default" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </Button>
          <Text size="sm">
            {offset + 1}–{offset + rows.length}
          </Text>
          <Button variant="default" disabled={!more} onClick={() => setOffset(offset + PAGE)}>
            Next
          </Button>
        </Group>
      )}
    </>
  );
}

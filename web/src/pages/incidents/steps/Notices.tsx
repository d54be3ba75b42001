import { Anchor, Badge, Button, Group, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, unwrap } from '../../../api/client';
import { STATUS } from '../../notices/model';
import type { Incident } from '../model';

const KIND_LABEL: Record<string, string> = {
  individual: 'Notice to individuals',
  'substitute-posting': 'Substitute notice (web posting)',
  media: 'Media notice',
  'hhs-report': 'Report to HHS',
  'state-regulator': 'Notice to the state regulator',
};

interface BatchRow {
  batch_id: string;
  kind: string;
  jurisdiction: string | null;
  status: string;
  released_at: string | null;
}

/** The incident's notices: draft the letter to individuals; open a batch to preview, approve, release. */
export function IncidentNotices({ incident, role }: { incident: Incident; role: string }) {
  const batches = useQuery({
    queryKey: ['incident', incident.id, 'notices'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/notices/batches', { params: { query: { incidentId: incident.id, limit: 50 } as never } })) as unknown as {
        items: BatchRow[];
      },
  });
  const canDraft = ['compliance-officer', 'incident-responder', 'security-officer'].includes(role);
  const items = batches.data?.items ?? [];
  return (
    <>
      <Title order={3} size="h5" mt="xl" mb="xs">
        Notices
      </Title>
      {items.length === 0 && (
        <Text size="sm">
          No notice drafted yet. Draft the letter to individuals: it is previewed, approved by a second officer, then released.
        </Text>
      )}
      {items.length > 0 && (
        <Table aria-label="Notices" mb="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Notice</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((b) => (
              <Table.Tr key={b.batch_id}>
                <Table.Td>
                  <Anchor component={Link} to="/notices/$id" params={{ id: b.batch_id } as never}>
                    {KIND_LABEL[b.kind] ?? b.kind}
                    {b.jurisdiction ? ` (${b.jurisdiction})` : ''}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS[b.status]?.color ?? 'gray.8'} c={b.status === 'previewed' ? 'dark' : undefined} variant="filled">
                    {STATUS[b.status]?.label ?? b.status}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {canDraft && incident.breach && (
        <Group mt="sm">
          <Button component={Link} to="/notices/new" search={{ incident: incident.id } as never}>
            Draft the notice to individuals
          </Button>
          <Button
            component={Link}
            variant="default"
            to="/notices/new"
            search={{ incident: incident.id, kind: 'substitute-posting' } as never}
          >
            Substitute notice
          </Button>
          <Button component={Link} variant="default" to="/notices/new" search={{ incident: incident.id, kind: 'media' } as never}>
            Media notice
          </Button>
          <Button component={Link} variant="default" to="/notices/new" search={{ incident: incident.id, kind: 'hhs-report' } as never}>
            Report to HHS
          </Button>
        </Group>
      )}
    </>
  );
}

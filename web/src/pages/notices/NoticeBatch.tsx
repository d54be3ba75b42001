import { Alert, Anchor, Badge, Button, Group, List, Paper, Progress, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { batchKey, duration, fetchBatch, STATUS, type NoticeBatch } from './model';
import { HhsReportFields, SubstitutePosting } from './OtherNotices';

const KIND_LABEL: Record<string, string> = {
  individual: 'Notice to individuals',
  'substitute-posting': 'Substitute notice (web posting)',
  media: 'Media notice',
  'hhs-report': 'Report to HHS',
  'state-regulator': 'Notice to the state regulator',
  'covered-entity': 'Notice to the covered entity',
};

/**
 * One notice batch: preview the real letter, approval by a second compliance officer (the rule is
 * shown before the button), release, live progress while it delivers, the print files.
 */
const LANGUAGE_NAMES: Record<string, string> = { en: 'English', es: 'Spanish', vi: 'Vietnamese', zh: 'Chinese' };

export function NoticeBatchPage() {
  const { id } = useParams({ from: '/app/notices/$id' });
  const { data: session } = useSuspenseQuery(sessionQuery);
  const me = session.principal!;
  const tz = session.organization.timeZone;
  const queryClient = useQueryClient();
  const batch = useQuery({
    queryKey: batchKey(id),
    queryFn: () => fetchBatch(id, true),
    // Live progress while it delivers: polling, passive so an unattended page still logs off.
    refetchInterval: (q) => (q.state.data?.status === 'released' ? 1000 : false),
  });
  const [previewed, setPreviewed] = useState(0);
  const act = (path: 'preview' | 'approve' | 'release') =>
    useMutation({
      mutationFn: async (b: NoticeBatch) => {
        const r = await api.POST(
          `/v1/notices/batches/{id}/${path}` as '/v1/notices/batches/{id}/release',
          {
            params: { path: { id } },
            headers: { 'If-Match': `"${b.version}"` },
            ...(path === 'approve' ? { body: { contentDigest: b.preview?.contentDigest ?? b.contentDigest } } : {}),
          } as never,
        );
        return unwrap(r as { data?: unknown; error?: unknown; response: Response });
      },
      onSuccess: async () => {
        if (path === 'preview') setPreviewed((n) => n + 1);
        await queryClient.invalidateQueries({ queryKey: batchKey(id) });
      },
    });
  const preview = act('preview');
  const approve = act('approve');
  const release = act('release');
  if (batch.error) return <ProblemAlert error={batch.error} />;
  if (!batch.data) return <Text>Loading the notice…</Text>;
  const b = batch.data;
  const st = STATUS[b.status];
  const isAuthor = b.authors.includes(me.id) || b.drafter === me.id;
  const canApprove = me.role === 'compliance-officer' && !isAuthor && b.status === 'previewed';
  const p = b.progress;
  const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
  return (
    <>
      <Text size="sm" mb={4}>
        <Anchor component={Link} to="/incidents/$id" params={{ id: b.incidentId } as never}>
          Back to the incident
        </Anchor>
      </Text>
      <PageTitle description={`Revision ${b.revision} · content ${b.contentDigest.slice(0, 12)}…`}>
        {KIND_LABEL[b.kind] ?? b.kind}
      </PageTitle>
      <Badge
        color={st?.color ?? 'gray.8'}
        c={b.status === 'previewed' ? 'dark' : undefined}
        variant="filled"
        mb="lg"
        data-testid="batch-status"
      >
        {st?.label ?? b.status}
      </Badge>
      <ProblemAlert error={preview.error ?? approve.error ?? release.error} />

      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            1. Preview
          </Title>
          {b.preview ? (
            <>
              <Text size="sm" mb="xs" data-testid="preview-counts">
                {b.preview.counts.total.toLocaleString('en-US')} recipients:{' '}
                {Object.entries(b.preview.counts.byChannel)
                  .filter(([, n]) => n > 0)
                  .map(([c, n]) => `${n} by ${c}`)
                  .join(', ')}
              </Text>
              {b.preview.counts.byLanguage && Object.keys(b.preview.counts.byLanguage).length > 0 && (
                <Text size="sm" mb="xs" data-testid="preview-languages">
                  By language:{' '}
                  {Object.entries(b.preview.counts.byLanguage)
                    .map(([l, n]) => `${n} in ${LANGUAGE_NAMES[l] ?? l}`)
                    .join(', ')}
                  {Object.entries(b.preview.counts.languageFallbacks ?? {}).map(
                    ([l, n]) => ` · ${n} asked for ${LANGUAGE_NAMES[l] ?? l}, written in English (no templates)`,
                  )}
                  {Object.entries(b.preview.untranslated ?? {})
                    .filter(([, f]) => f.length > 0)
                    .map(([l, f]) => ` · not yet translated into ${LANGUAGE_NAMES[l] ?? l}: ${f.join(', ')}`)}
                </Text>
              )}
              {b.preview.samples.length > 0 && (
                <iframe
                  key={previewed}
                  title="Letter preview (PDF)"
                  src={`/v1/notices/batches/${id}/samples/0`}
                  style={{ width: '100%', height: 520, border: '1px solid var(--mantine-color-gray-4)' }}
                />
              )}
            </>
          ) : (
            <Text size="sm">Render sample letters from the real template and recipients before anyone approves.</Text>
          )}
          {(b.status === 'drafted' || b.status === 'previewed') && me.role !== 'auditor' && (
            <Button mt="md" variant={b.preview ? 'default' : 'filled'} onClick={() => preview.mutate(b)} loading={preview.isPending}>
              {b.preview ? 'Preview again' : 'Preview the letters'}
            </Button>
          )}
        </Paper>

        <Paper withBorder p="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            2. Approval (two-person rule)
          </Title>
          <Text size="sm" mb="sm">
            A compliance officer who neither drafted nor edited this revision approves the previewed content. Any change afterwards voids
            the approval.
          </Text>
          {b.approval ? (
            <Alert color="teal.9" variant="filled" data-testid="approved">
              Approved {formatInstant(b.approval.at, tz)}.
            </Alert>
          ) : isAuthor ? (
            <Alert color="yellow.4" variant="filled" c="dark" data-testid="two-person-rule">
              You drafted or edited this notice: another compliance officer must approve it.
            </Alert>
          ) : me.role !== 'compliance-officer' ? (
            <Text size="sm">Only a compliance officer may approve.</Text>
          ) : b.status === 'drafted' ? (
            <Text size="sm">Preview first: approval binds to the previewed content.</Text>
          ) : null}
          {!b.approval && me.role === 'compliance-officer' && (
            <Button mt="md" disabled={!canApprove} onClick={() => approve.mutate(b)} loading={approve.isPending}>
              Approve this notice
            </Button>
          )}
          <Title order={2} size="h4" mt="xl" mb="sm">
            3. Release and delivery
          </Title>
          {b.status === 'approved' && me.role !== 'auditor' && (
            <Button onClick={() => release.mutate(b)} loading={release.isPending} color="red.9">
              Release {b.preview?.counts.total.toLocaleString('en-US')} notices
            </Button>
          )}
          {(b.status === 'released' || b.status === 'completed') && (
            <>
              <Progress value={b.status === 'completed' ? 100 : pct} aria-label="Delivery progress" mb={4} />
              <Text size="sm" role="status" data-testid="delivery-progress">
                {p.done.toLocaleString('en-US')} of {p.total?.toLocaleString('en-US') ?? '…'} delivered
                {p.rate !== null ? ` · ${p.rate}/s` : ''}
                {p.etaSeconds !== null && b.status !== 'completed' ? ` · about ${duration(p.etaSeconds)} left` : ''}
                {b.status === 'completed' ? ' · finished' : ''}
              </Text>
              {Object.keys(p.byChannel).length > 0 && (
                <List size="sm" mt="xs">
                  {Object.entries(p.byChannel).map(([c, n]) => (
                    <List.Item key={c}>
                      {c}: {n.toLocaleString('en-US')}
                    </List.Item>
                  ))}
                </List>
              )}
            </>
          )}
          {b.status === 'completed' && b.kind === 'individual' && <PrintFiles id={id} />}
        </Paper>
      </SimpleGrid>
      {b.kind === 'substitute-posting' && <SubstitutePosting id={id} status={b.status} tz={tz} />}
      {b.kind === 'hhs-report' && <HhsReportFields id={id} />}
    </>
  );
}

function PrintFiles({ id }: { id: string }) {
  const files = useQuery({
    queryKey: [...batchKey(id), 'print-files'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/notices/batches/{id}/print-files', { params: { path: { id } } })) as unknown as {
        items: Array<{ chunk: number; pages: number; letters?: number; manifestLines: number; sha256?: string }>;
      },
  });
  if (!files.data || files.data.items.length === 0) return null;
  return (
    <>
      <Title order={3} size="h5" mt="lg" mb="xs">
        Mail-house print files
      </Title>
      <Table aria-label="Print files">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">File</Table.Th>
            <Table.Th scope="col">Letters</Table.Th>
            <Table.Th scope="col">Downloads</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {files.data.items.map((f) => (
            <Table.Tr key={f.chunk}>
              <Table.Td>Chunk {f.chunk}</Table.Td>
              <Table.Td>{f.letters ?? f.manifestLines}</Table.Td>
              <Table.Td>
                <Group gap="md">
                  <Anchor href={`/v1/notices/batches/${id}/print-files/${f.chunk}/print.pdf`} download>
                    print file (PDF)
                  </Anchor>
                  <Anchor href={`/v1/notices/batches/${id}/print-files/${f.chunk}/manifest.csv`} download>
                    manifest (CSV)
                  </Anchor>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

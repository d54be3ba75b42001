import { Anchor, Button, CopyButton, Paper, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';

/** The substitute notice's public page once its batch is released: the link to give out, and its posting period. */
export function SubstitutePosting({ id, status, tz }: { id: string; status: string; tz: string }) {
  const released = status === 'released' || status === 'completed';
  const posting = useQuery({
    queryKey: ['notices', id, 'posting'],
    enabled: released,
    retry: false,
    // Posted by the worker just after release: look again until it is there.
    refetchInterval: (q) => (q.state.data ? false : 1000),
    queryFn: async () => {
      const r = await api.GET('/v1/notices/batches/{id}/posting', { params: { path: { id } }, headers: { 'X-Safeharbor-Passive': '1' } });
      if (r.response.status === 404) return null;
      return unwrap(r);
    },
  });
  const p = posting.data;
  return (
    <Paper withBorder p="lg" radius="md" mt="lg" data-testid="posting">
      <Title order={2} size="h4" mb="sm">
        Substitute notice on the web
      </Title>
      {!released && (
        <Text size="sm">Posted on the public site for at least 90 days once this notice is approved and released (164.404(d)(2)).</Text>
      )}
      {released && !p && <Text size="sm">Posting…</Text>}
      {p && (
        <>
          <Text size="sm">
            Public link:{' '}
            <Anchor href={p.url} target="_blank" rel="noreferrer" data-testid="posting-url">
              {p.url}
            </Anchor>{' '}
            <CopyButton value={p.url}>
              {({ copied, copy }) => (
                <Button size="compact-xs" variant="default" onClick={copy}>
                  {copied ? 'Copied' : 'Copy link'}
                </Button>
              )}
            </CopyButton>
          </Text>
          <Text size="sm" mt="xs">
            Posted {formatInstant(p.postedAt, tz)};{' '}
            {p.takenDownAt ? `taken down ${formatInstant(p.takenDownAt, tz)}` : `stays up until ${formatInstant(p.takeDownAt, tz)}`}.{' '}
            <Anchor href={`/p/notices/${p.slug}`} target="_blank" rel="noreferrer">
              Open it from this service
            </Anchor>
          </Text>
        </>
      )}
      <ProblemAlert error={posting.error instanceof ApiProblem && posting.error.status === 404 ? null : posting.error} />
    </Paper>
  );
}

type Row = [string, string];

/** The HHS breach portal's fields, in the portal's order, each with a copy button. */
export function HhsReportFields({ id }: { id: string }) {
  const report = useQuery({
    queryKey: ['notices', id, 'hhs-report'],
    queryFn: async () => unwrap(await api.GET('/v1/notices/batches/{id}/hhs-report', { params: { path: { id } } })),
  });
  const r = report.data;
  const yesNo = (b: boolean) => (b ? 'Yes' : 'No');
  const rows: Row[] = r
    ? [
        ['Report type', r.reportType],
        ...(r.originalTransactionNumber ? ([['Original transaction number', r.originalTransactionNumber]] as Row[]) : []),
        ['Breach affecting', r.breachAffecting],
        ['Covered entity name', r.coveredEntity.name],
        ['Type of covered entity', r.coveredEntity.type],
        ['Covered entity address', r.coveredEntity.address],
        ['Contact name', r.coveredEntity.contact.name],
        ['Contact title', r.coveredEntity.contact.title],
        ['Contact phone', r.coveredEntity.contact.phone],
        ['Contact email', r.coveredEntity.contact.email],
        ...(r.businessAssociate
          ? ([
              ['Business associate', r.businessAssociate.name],
              ['Business associate address', r.businessAssociate.address],
              [
                'Business associate contact',
                `${r.businessAssociate.contactName}, ${r.businessAssociate.phone}, ${r.businessAssociate.email}`,
              ],
            ] as Row[])
          : []),
        ['Breach start date', r.breach.startDate],
        ['Breach end date', r.breach.endDate],
        ['Discovery start date', r.breach.discoveryStartDate],
        ['Discovery end date', r.breach.discoveryEndDate],
        ['Approximate number of individuals affected', r.breach.approximateIndividualsAffected.toLocaleString('en-US')],
        ['Type of breach', r.breach.typeOfBreach.join('; ')],
        ['Location of breached information', r.breach.locationOfBreachedInformation.join('; ')],
        ['Type of protected health information involved', r.breach.typeOfPhi.join('; ')],
        ['Brief description of the breach', r.breach.description],
        ['Safeguards in place prior to breach', r.safeguardsInPlacePriorToBreach.join('; ')],
        ['Individual notice provided start date', r.notice.individualNoticeStartDate],
        ['Individual notice projected/expected end date', r.notice.individualNoticeProjectedEndDate],
        ['Was substitute notice required?', yesNo(r.notice.substituteNoticeProvided)],
        ['Was media notice required?', yesNo(r.notice.mediaNoticeProvided)],
        ['Actions taken in response to breach', r.actionsTaken.join('; ')],
      ]
    : [];
  return (
    <Paper withBorder p="lg" radius="md" mt="lg">
      <Title order={2} size="h4" mb="xs">
        HHS breach portal: fields to copy
      </Title>
      <Text size="sm" mb="sm">
        Enter these in the HHS breach portal (ocrportal.hhs.gov) in this order, then record the portal&apos;s transaction number on this
        notice.
      </Text>
      <ProblemAlert error={report.error} />
      {rows.length > 0 && (
        <Table aria-label="HHS breach portal fields" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Portal field</Table.Th>
              <Table.Th scope="col">Value</Table.Th>
              <Table.Th scope="col">Copy</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th scope="row" fw={500}>
                  {label}
                </Table.Th>
                <Table.Td>{value}</Table.Td>
                <Table.Td>
                  <CopyButton value={value}>
                    {({ copied, copy }) => (
                      <Button size="compact-xs" variant="default" onClick={copy} aria-label={`Copy ${label}`}>
                        {copied ? 'Copied' : 'Copy'}
                      </Button>
                    )}
                  </CopyButton>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

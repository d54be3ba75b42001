import { Alert, Badge, Button, Group, Progress, Select, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, csrfHeaders, unwrap } from '../../../api/client';
import { ApiProblem } from '../../../api/problem';
import { EmptyState } from '../../../components/EmptyState';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { CSV_FIELDS, incidentKey, latest, RESPONDERS, type StepProps } from '../model';
import { StepFrame } from './Facts';

/** The header row of a CSV (RFC 4180 quoting), read from the file's first bytes only. */
export function csvHeader(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') ((cur += '"'), i++);
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') (out.push(cur.trim()), (cur = ''));
    else if (c === '\n' || c === '\r') break;
    else cur += c;
  }
  out.push(cur.trim());
  return out.filter((h, i) => h !== '' || i < out.length - 1);
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
/** A column whose name equals the field's (ignoring case and punctuation) is chosen for it. */
function guess(header: string[]): Record<string, string | null> {
  return Object.fromEntries(CSV_FIELDS.map(({ field }) => [field, header.find((h) => norm(h) === norm(field)) ?? null]));
}

interface ImportResult {
  listVersion: number;
  summary: {
    rows: number;
    accepted: number;
    rejected: number;
    duplicates: number;
    insufficientContact: number;
    byState: Record<string, number>;
  };
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'mapping'; file: File; header: string[] }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'processing' };

function upload(url: string, file: File, onProgress: (sent: number, total: number) => void): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    for (const [k, v] of Object.entries(csrfHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportResult);
      else reject(new ApiProblem(xhr.status, body));
    };
    xhr.onerror = () => reject(new Error('the upload failed (network)'));
    xhr.send(file);
  });
}

/**
 * Affected individuals: choose the CSV, map its columns to the fields the import expects (the
 * file's header beside them), upload with progress, then the rejected rows with line and reason.
 * A corrected file is imported again as the next list version.
 */
export function AffectedStep({ incident, timeline, role }: StepProps) {
  const queryClient = useQueryClient();
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [error, setError] = useState<unknown>(null);
  const [issuesOffset, setIssuesOffset] = useState(0);
  const list = latest<{ listVersion: number; counts: ImportResult['summary'] & { rejected: number } }>(timeline, 'AffectedListImported');
  const issues = useQuery({
    queryKey: [...incidentKey(incident.id), 'issues', list?.listVersion, issuesOffset],
    enabled: !!list && list.counts.rejected > 0,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/incidents/{id}/affected/issues', {
          params: {
            path: { id: incident.id },
            query: { listVersion: list!.listVersion, kind: 'rejected', limit: 20, offset: issuesOffset } as never,
          },
        }),
      ),
  });
  const canWrite = RESPONDERS.includes(role);

  const choose = async (file: File | undefined) => {
    setError(null);
    if (!file) return;
    const header = csvHeader(await file.slice(0, 64 * 1024).text());
    setMapping(guess(header));
    setPhase({ kind: 'mapping', file, header });
  };
  const missing = CSV_FIELDS.filter((f) => f.required && !mapping[f.field]);
  const start = async () => {
    if (phase.kind !== 'mapping') return;
    const chosen = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v)) as Record<string, string>;
    const url = `/v1/incidents/${incident.id}/affected?mapping=${encodeURIComponent(JSON.stringify(chosen))}`;
    setPhase({ kind: 'uploading', sent: 0, total: phase.file.size });
    try {
      await upload(url, phase.file, (sent, total) => setPhase(sent >= total ? { kind: 'processing' } : { kind: 'uploading', sent, total }));
      setIssuesOffset(0);
      setPhase({ kind: 'idle' });
      await queryClient.invalidateQueries({ queryKey: incidentKey(incident.id) });
    } catch (e) {
      setError(e);
      setPhase({ kind: 'mapping', file: phase.file, header: phase.header });
    }
  };

  return (
    <StepFrame
      title="Affected individuals"
      intro="Upload the list of people whose information was involved, as CSV with a header row. Names and addresses are encrypted on arrival; only counts enter the ledger. Rows that cannot be read are listed by line and reason; fix them in your file and import it again."
    >
      {list ? (
        <SimpleGrid cols={5} mb="md" aria-label="Current list" data-testid="list-summary">
          <Stat label="List version" value={list.listVersion} />
          <Stat label="Rows read" value={list.counts.rows} />
          <Stat label="Accepted" value={list.counts.accepted} />
          <Stat label="Rejected" value={list.counts.rejected} danger={list.counts.rejected > 0} />
          <Stat label="Insufficient contact" value={list.counts.insufficientContact} />
        </SimpleGrid>
      ) : (
        <EmptyState title="No list imported yet">
          Choose the CSV of affected individuals below; you will map its columns before anything is uploaded.
        </EmptyState>
      )}
      {list && list.counts.rejected > 0 && (
        <>
          <Title order={3} size="h5" mt="md" mb="xs">
            Rejected rows (list version {list.listVersion})
          </Title>
          <ProblemAlert error={issues.error} />
          <Table striped aria-label="Rejected rows" mb="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" w={90}>
                  Line
                </Table.Th>
                <Table.Th scope="col" w={180}>
                  Field
                </Table.Th>
                <Table.Th scope="col">Reason</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {issues.data?.items.map((i) => (
                <Table.Tr key={i.line}>
                  <Table.Td>{i.line}</Table.Td>
                  <Table.Td>{i.column ?? '—'}</Table.Td>
                  <Table.Td>{i.reason}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {(issuesOffset > 0 || issues.data?.more) && (
            <Group mb="md">
              <Button
                size="xs"
                variant="default"
                disabled={issuesOffset === 0}
                onClick={() => setIssuesOffset(Math.max(0, issuesOffset - 20))}
              >
                Previous rows
              </Button>
              <Button size="xs" variant="default" disabled={!issues.data?.more} onClick={() => setIssuesOffset(issuesOffset + 20)}>
                Next rows
              </Button>
            </Group>
          )}
        </>
      )}
      {canWrite && (
        <>
          <Title order={3} size="h5" mt="lg" mb="xs">
            {list ? 'Import a corrected list' : 'Import the list'}
          </Title>
          <label htmlFor="affected-file" className="sh-file-label">
            CSV file of affected individuals
          </label>
          <input
            id="affected-file"
            type="file"
            accept=".csv,text/csv"
            disabled={phase.kind === 'uploading' || phase.kind === 'processing'}
            onChange={(e) => void choose(e.currentTarget.files?.[0])}
          />
          <ProblemAlert error={error} />
          {phase.kind === 'mapping' && (
            <>
              <Text size="sm" mt="md" mb="xs">
                Your file&apos;s header has {phase.header.length} columns: <strong>{phase.header.join(', ')}</strong>. Choose the column
                that holds each field.
              </Text>
              <Table aria-label="Column mapping" withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Expected field</Table.Th>
                    <Table.Th scope="col">Column in your file</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {CSV_FIELDS.map((f) => (
                    <Table.Tr key={f.field} data-field={f.field}>
                      <Table.Td>
                        {f.label}{' '}
                        {f.required ? (
                          <Badge size="xs" color="gray.8" variant="outline">
                            required
                          </Badge>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={`Column for ${f.label}`}
                          placeholder="(not in file)"
                          clearable={!f.required}
                          value={mapping[f.field] ?? null}
                          onChange={(v) => setMapping({ ...mapping, [f.field]: v })}
                          data={phase.header}
                          error={f.required && !mapping[f.field] ? 'choose a column' : undefined}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Button mt="md" disabled={missing.length > 0} onClick={() => void start()}>
                Import {phase.file.name}
              </Button>
              {missing.length > 0 && (
                <Text size="sm" c="red.9" mt={4} role="status">
                  Choose a column for {missing.map((m) => m.label).join(', ')}.
                </Text>
              )}
            </>
          )}
          {phase.kind === 'uploading' && (
            <>
              <Progress value={(100 * phase.sent) / Math.max(1, phase.total)} mt="md" aria-label="Upload progress" />
              <Text size="sm" role="status">
                Uploading {Math.round((100 * phase.sent) / Math.max(1, phase.total))}%
              </Text>
            </>
          )}
          {phase.kind === 'processing' && (
            <>
              <Progress value={100} animated mt="md" aria-label="Import progress" />
              <Text size="sm" role="status">
                Uploaded; checking and encrypting the rows…
              </Text>
            </>
          )}
        </>
      )}
      {!canWrite && !list && (
        <Alert color="gray.8" mt="md">
          A responder or compliance officer imports the list.
        </Alert>
      )}
    </StepFrame>
  );
}

function Stat({ label, value, danger }: { label: string; value: number; danger?: boolean }) {
  return (
    <div>
      <Text size="xs" c="gray.8">
        {label}
      </Text>
      <Text fw={700} size="lg" c={danger ? 'red.9' : undefined} data-testid={`stat-${label.toLowerCase().replace(/ /g, '-')}`}>
        {value.toLocaleString('en-US')}
      </Text>
    </div>
  );
}

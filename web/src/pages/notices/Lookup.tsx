import { Badge, Button, Group, Paper, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import type { Proof } from './model';

const CHANNEL: Record<string, string> = {
  mail: 'First-class mail',
  email: 'Email',
  substitute: 'Substitute notice',
  'next-of-kin': 'Mail to next of kin',
};

/**
 * The call centre's page: a caller reads the reference printed on their letter; this shows what
 * was sent to them, when, by which channel, and whether it came back. The look-up is a PHI read,
 * recorded in the ledger with who looked.
 */
export function LookupPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const [ref, setRef] = useState('');
  const find = useMutation({
    mutationFn: async (letterId: string) =>
      unwrap(await api.GET('/v1/notices/letters/{letterId}', { params: { path: { letterId } } })) as unknown as {
        letterId: string;
        items: Proof[];
      },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    find.mutate(ref.trim().toUpperCase());
  };
  return (
    <>
      <PageTitle description="Find what was sent to one person by the reference printed on their letter (it starts with L). Every look-up is recorded with your name.">
        Look up a notice
      </PageTitle>
      <Paper withBorder p="md" radius="md" component="form" onSubmit={submit} aria-label="Look up a notice" maw={640} mb="lg">
        <Group align="flex-end">
          <TextInput
            label="Letter reference"
            placeholder="L0123456789ABCDE"
            required
            value={ref}
            onChange={(e) => setRef(e.currentTarget.value)}
            error={fieldError(find.error, 'letterId')}
            w={300}
          />
          <Button type="submit" loading={find.isPending}>
            Look up
          </Button>
        </Group>
      </Paper>
      <ProblemAlert error={find.error} fields={['letterId']} />
      {find.data && find.data.items.length === 0 && (
        <EmptyState title="Nothing sent yet">No notice has been delivered to this person.</EmptyState>
      )}
      {find.data && find.data.items.length > 0 && (
        <Table striped aria-label="Notices sent to this person">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Letter</Table.Th>
              <Table.Th scope="col">Channel</Table.Th>
              <Table.Th scope="col">Sent</Table.Th>
              <Table.Th scope="col">Proof</Table.Th>
              <Table.Th scope="col">Returned</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {find.data.items.map((p) => (
              <Table.Tr key={`${p.batchId}-${p.letterId}`}>
                <Table.Td>{p.letterId}</Table.Td>
                <Table.Td>{CHANNEL[p.channel] ?? p.channel}</Table.Td>
                <Table.Td>{formatInstant(p.time, session.organization.timeZone)}</Table.Td>
                <Table.Td>
                  <Text size="xs">
                    {p.smtpMessageId
                      ? `SMTP message ${p.smtpMessageId}`
                      : p.mailHouseFile
                        ? `print file ${p.mailHouseFile.slice(0, 12)}…${p.pages ? `, pages ${p.pages[0]}–${p.pages[1]}` : ''}`
                        : p.state}
                  </Text>
                  {p.pdfSha256 && <Text size="xs">letter SHA-256 {p.pdfSha256.slice(0, 16)}…</Text>}
                </Table.Td>
                <Table.Td>
                  {p.returnedAt ? (
                    <Badge color="red.9" variant="filled">
                      Returned {formatInstant(p.returnedAt, session.organization.timeZone)}
                    </Badge>
                  ) : (
                    'No'
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

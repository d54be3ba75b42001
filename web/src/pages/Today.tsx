import { Anchor, Badge, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, PASSIVE_HEADER, unwrap } from '../api/client';
import type { components } from '../../generated/api';
import { EmptyState } from '../components/EmptyState';
import { ProblemAlert } from '../components/ProblemAlert';
import { countdown, formatDay, formatInstant } from '../lib/dates';
import { sessionQuery } from '../session/session';
import { PageTitle } from '../shell/Shell';

type Today = NonNullable<Awaited<ReturnType<typeof fetchToday>>>;
type Section = Today['sections'][number];
type Item = Section['items'][number];

// Passive: reading or refreshing this page does not count as activity for the idle log-off (the
// keyboard and pointer do, see IdleTimer), so a console left open still signs out.
async function fetchToday() {
  return unwrap(await api.GET('/v1/today', { headers: { [PASSIVE_HEADER]: '1' } }));
}

const STATUS: Record<string, { label: string; color: string }> = {
  overdue: { label: 'Overdue', color: 'red.9' },
  'due-soon': { label: 'Due ≤ 7 days', color: 'yellow.4' },
  'on-track': { label: 'On track', color: 'teal.9' },
};

function ItemTitle({ item }: { item: Item }) {
  // Links only to pages the console has; others name the thing.
  return item.href === '/admin/invitations' ? (
    <Anchor component={Link} to="/admin/invitations">
      {item.title}
    </Anchor>
  ) : (
    <Text span>{item.title}</Text>
  );
}

function DueTable({ section }: { section: Section }) {
  return (
    <Table striped highlightOnHover aria-label={section.title}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">What</Table.Th>
          <Table.Th scope="col" w={150}>
            Due
          </Table.Th>
          <Table.Th scope="col" w={260}>
            Countdown
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {section.items.map((item) =>
          'dueOn' in item ? (
            <Table.Tr key={item.id} data-status={item.status}>
              <Table.Td>
                <ItemTitle item={item} />
              </Table.Td>
              <Table.Td>{formatDay(item.dueOn)}</Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Badge color={STATUS[item.status]!.color} variant="filled" style={{ flexShrink: 0 }}>
                    {STATUS[item.status]!.label}
                  </Badge>
                  <Text size="sm" className="sh-countdown">
                    {countdown(item.daysLeft)}
                  </Text>
                </Group>
              </Table.Td>
            </Table.Tr>
          ) : null,
        )}
      </Table.Tbody>
    </Table>
  );
}

function ActionList({ section, timeZone }: { section: Section; timeZone: string }) {
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {section.items.map((item) =>
        'since' in item ? (
          <Paper key={item.id} withBorder p="sm" component="li">
            <ItemTitle item={item} />
            <Text size="sm" c="gray.8">
              {item.detail ? `${item.detail} · ` : ''}since {formatInstant(item.since, timeZone)}
            </Text>
          </Paper>
        ) : null,
      )}
    </Stack>
  );
}

/** The landing page: what needs this person now, by role, with countdowns in the organization's time zone. */
export function TodayPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const today = useQuery({ queryKey: ['today'], queryFn: fetchToday, refetchInterval: 60_000 });
  const tz = session.organization.timeZone;
  return (
    <>
      <PageTitle
        description={
          today.data ? `As of ${formatInstant(today.data.asOf, tz)} — today is ${formatDay(today.data.today)} in ${tz}.` : undefined
        }
      >
        Today
      </PageTitle>
      <ProblemAlert error={today.error} />
      {today.data && today.data.sections.length === 0 && (
        <EmptyState title="Nothing for your role here yet">
          Today lists obligations, approvals, reviews and alerts for officers and auditors.
        </EmptyState>
      )}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        {today.data?.sections.map((section) => (
          <Paper
            key={section.key}
            // Deadlines get the whole width: they are what the page is for.
            style={section.key === 'obligations' || section.key === 'reviews' ? { gridColumn: '1 / -1' } : undefined}
            withBorder
            p="md"
            radius="md"
            component="section"
            aria-labelledby={`today-${section.key}`}
            data-section={section.key}
          >
            <Group justify="space-between" mb="sm">
              <Title order={2} size="h4" id={`today-${section.key}`}>
                {section.title}
              </Title>
              <Badge variant="outline" color="gray.8">
                {section.items.length}
              </Badge>
            </Group>
            {!section.available ? (
              <Text size="sm" c="gray.8">
                {section.note}
              </Text>
            ) : section.items.length === 0 ? (
              <EmptyState title="Nothing here">{section.emptyHint}</EmptyState>
            ) : section.key === 'obligations' || section.key === 'reviews' ? (
              <DueTable section={section} />
            ) : (
              <ActionList section={section} timeZone={tz} />
            )}
          </Paper>
        ))}
      </SimpleGrid>
    </>
  );
}

export type { components };

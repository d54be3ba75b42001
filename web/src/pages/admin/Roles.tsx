import { Badge, Group, List, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { PageTitle } from '../../shell/Shell';

/** What each role may do, as the API enforces it (GET /v1/roles). */
export function RolesPage() {
  const roles = useQuery({ queryKey: ['roles'], queryFn: async () => unwrap(await api.GET('/v1/roles')) });
  return (
    <>
      <PageTitle description="The API checks every request against these roles, whether it comes from the console or an API key. Destructive and privileged actions need a second person.">
        Roles
      </PageTitle>
      <ProblemAlert error={roles.error} />
      {roles.data?.items.length === 0 && (
        <EmptyState title="No roles">The service defines its roles; this list is never empty when the API answers.</EmptyState>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        {roles.data?.items.map((r) => (
          <Paper key={r.role} withBorder p="md" radius="md" component="section" aria-labelledby={`role-${r.role}`}>
            <Group justify="space-between" mb={4}>
              <Title order={2} size="h4" id={`role-${r.role}`}>
                {r.title}
              </Title>
              <Group gap={4}>
                <Badge variant="filled" color={r.readsPhi ? 'red.9' : 'gray.8'}>
                  {r.readsPhi ? 'Reads PHI (recorded)' : 'No PHI'}
                </Badge>
                {!r.person && (
                  <Badge variant="outline" color="gray.8">
                    Machine
                  </Badge>
                )}
              </Group>
            </Group>
            <Text size="sm">{r.summary}</Text>
            {r.mayApprove.length > 0 && (
              <>
                <Text size="sm" fw={600} mt="sm">
                  Approves (as the second person)
                </Text>
                <List size="sm">
                  {r.mayApprove.map((a) => (
                    <List.Item key={a}>{a}</List.Item>
                  ))}
                </List>
              </>
            )}
          </Paper>
        ))}
      </SimpleGrid>
    </>
  );
}

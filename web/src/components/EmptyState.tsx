import { Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Every list's empty state says what to do first. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="lg" radius="md" data-testid="empty-state">
      <Text fw={600}>{title}</Text>
      <Text size="sm" c="gray.8" mt={4}>
        {children}
      </Text>
    </Paper>
  );
}

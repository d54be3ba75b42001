import { Alert, Anchor, Container, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';

export function NotFound() {
  return (
    <Container size="sm" py="xl" component="main">
      <Title order={1}>Page not found</Title>
      <Text mt="sm">
        There is no page at this address.{' '}
        <Anchor component={Link} to="/">
          Go to Today
        </Anchor>
        .
      </Text>
    </Container>
  );
}

export function NotAllowed({ role }: { role: string }) {
  return (
    <Container size="sm" py="xl">
      <Title order={1}>Not available to your role</Title>
      <Text mt="sm">
        As {role} you cannot open this page.{' '}
        <Anchor component={Link} to="/">
          Go to Today
        </Anchor>
        .
      </Text>
    </Container>
  );
}

/** A page that failed to render: say so, keep the way home. */
export function RouteError({ error }: { error: unknown }) {
  return (
    <Container size="sm" py="xl" component="main">
      <Title order={1}>This page failed</Title>
      <Alert color="red.9" variant="light" mt="md" role="alert">
        {error instanceof Error ? error.message : String(error)}
      </Alert>
      <Text mt="sm">
        <Anchor href="/">Reload Today</Anchor>
      </Text>
    </Container>
  );
}

import { Alert, List } from '@mantine/core';
import { ApiProblem } from '../api/problem';

/**
 * An API error shown above a form: only what no field of the form displays itself (fields show
 * their own reason beside them, via `problem.field(name)`).
 */
export function ProblemAlert({ error, fields = [] }: { error: unknown; fields?: readonly string[] }) {
  if (!error) return null;
  const problem = error instanceof ApiProblem ? error : null;
  const lines = problem ? problem.unmatched(fields) : [String((error as Error).message ?? error)];
  if (!lines.length) return null;
  return (
    <Alert color="red.9" variant="light" title={problem?.title ?? 'Something went wrong'} role="alert" mb="md">
      {lines.length === 1 ? (
        lines[0]
      ) : (
        <List size="sm">
          {lines.map((l) => (
            <List.Item key={l}>{l}</List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}

export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiProblem ? error.field(field) : undefined;
}

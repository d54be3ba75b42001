import type { ProjectionRunner } from './projection-runner';

/**
 * Read-your-writes over a projection: read the row, and when it is missing or not fresh enough
 * (older than the version the caller just wrote, say), catch the projections up and read again.
 */
export async function readFresh<T>(
  projections: ProjectionRunner,
  read: () => T | undefined,
  fresh: (row: T) => boolean = () => true,
): Promise<T | undefined> {
  let row = read();
  if (!row || !fresh(row)) {
    await projections.catchUp();
    row = read();
  }
  return row;
}

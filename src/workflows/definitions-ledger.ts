/**
 * Publishes the current workflow definitions to the ledger (`WorkflowDefinitionPublished`, one
 * stream per workflow) and loads every version published before into the registry, so timelines
 * scheduled under an older version keep it. A version number reused with different content is
 * refused: the file must raise its version.
 */
import type { Actor, EventStore } from '../ledger/port';
import type { Clock } from '../platform/clock';
import { uuidv7 } from '../platform/ids';
import type { ValidationIssue, WorkflowDefinition } from './domain/definition';
import { TimelineEventTypes } from './domain/timeline';
import { WorkflowValidationError } from './loader';
import { definitionDigest, WorkflowRegistry } from './registry';

export function definitionStream(workflow: string): string {
  return `workflow-definition-${workflow}`;
}

export interface PublishedDefinitionData {
  workflow: string;
  version: number;
  digest: string;
  definition: WorkflowDefinition;
}

export async function publishDefinitions(
  store: EventStore,
  registry: WorkflowRegistry,
  clock: Clock,
  actor: Actor,
  files: Record<string, string> = {},
): Promise<{ published: string[] }> {
  const issues: ValidationIssue[] = [];
  const toAppend: Array<{ def: WorkflowDefinition; expected: bigint | 'no-stream'; digest: string }> = [];
  for (const def of registry.currentDefinitions()) {
    const stream = definitionStream(def.workflow);
    const events = await store.readStream(stream);
    const digest = definitionDigest(def);
    let maxVersion = 0;
    let sameVersion: PublishedDefinitionData | undefined;
    for (const e of events) {
      if (e.type !== TimelineEventTypes.WorkflowDefinitionPublished) continue;
      const d = e.data as unknown as PublishedDefinitionData;
      maxVersion = Math.max(maxVersion, d.version);
      if (d.version === def.version) sameVersion = d;
      else registry.add(d.definition, { current: false });
    }
    const file = files[def.workflow] ?? `workflows/${def.workflow}.yaml`;
    if (sameVersion) {
      if (sameVersion.digest !== digest) {
        issues.push({
          file,
          path: 'version',
          reason: `version ${def.version} was already published with different content; raise the version (next: ${maxVersion + 1})`,
        });
      }
      continue;
    }
    if (def.version < maxVersion) {
      issues.push({ file, path: 'version', reason: `version ${def.version} is older than the published version ${maxVersion}` });
      continue;
    }
    toAppend.push({ def, digest, expected: events.length === 0 ? 'no-stream' : events[events.length - 1].version });
  }
  if (issues.length > 0) throw new WorkflowValidationError(issues);
  const published: string[] = [];
  for (const { def, digest, expected } of toAppend) {
    const now = clock.now();
    await store.append(
      definitionStream(def.workflow),
      [
        {
          id: uuidv7(),
          type: TimelineEventTypes.WorkflowDefinitionPublished,
          schemaVersion: 1,
          data: { workflow: def.workflow, version: def.version, digest, definition: def } as unknown as Record<string, unknown>,
          metadata: { actor, correlationId: uuidv7(), occurredAt: now.toISOString() },
        },
      ],
      expected,
    );
    published.push(`${def.workflow}@${def.version}`);
  }
  return { published };
}

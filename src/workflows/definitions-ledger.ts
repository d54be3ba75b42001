/**
 * Publishes the current workflow definitions to the ledger (`WorkflowDefinitionPublished`, one
 * stream per workflow, through the definition decider) and loads every version published before
 * into the registry, so timelines scheduled under an older version keep it. Every definition is
 * checked before any is written: a bad version in one file publishes nothing.
 */
import { handleCommand, loadState } from '../ledger/decider';
import type { Ledger } from '../ledger/ledger';
import type { Actor } from '../ledger/port';
import { uuidv7 } from '../platform/ids';
import { definitionDecider, type PublishDefinition, type PublishedDefinitionsState } from './domain/definition-decider';
import type { ValidationIssue, WorkflowDefinition } from './domain/definition';
import { WorkflowRuleError } from './domain/workflow-rule-error';
import { WorkflowValidationError } from './loader';
import { definitionDigest, type WorkflowRegistry } from './registry';

export type { PublishedDefinitionData } from './domain/definition-decider';

export function definitionStream(workflow: string): string {
  return `workflow-definition-${workflow}`;
}

/** Registers every published version other than `current` as an older one. */
function addOlderVersions(registry: WorkflowRegistry, state: PublishedDefinitionsState, current: number): void {
  for (const [version, d] of state.versions) if (version !== current) registry.add(d.definition, { current: false });
}

function issueOf(e: unknown, def: WorkflowDefinition, files: Record<string, string>): ValidationIssue {
  if (!(e instanceof WorkflowRuleError)) throw e;
  return { file: files[def.workflow] ?? `workflows/${def.workflow}.yaml`, path: e.field, reason: e.reason };
}

export async function publishDefinitions(
  ledger: Ledger,
  registry: WorkflowRegistry,
  actor: Actor,
  files: Record<string, string> = {},
): Promise<{ published: string[] }> {
  const issues: ValidationIssue[] = [];
  const commands: PublishDefinition[] = [];
  for (const def of registry.currentDefinitions()) {
    const { state } = await loadState(ledger, definitionStream(def.workflow), definitionDecider);
    addOlderVersions(registry, state, def.version);
    const command: PublishDefinition = { kind: 'publish-definition', actor, at: ledger.now().toISOString(), definition: def, digest: definitionDigest(def) };
    try {
      if (definitionDecider.decide(command, state).length > 0) commands.push(command);
    } catch (e) {
      issues.push(issueOf(e, def, files));
    }
  }
  if (issues.length > 0) throw new WorkflowValidationError(issues);
  const ctx = { actor, correlationId: uuidv7() };
  const published: string[] = [];
  for (const command of commands) {
    const def = command.definition;
    try {
      // Another scheduler publishing at the same moment is a conflict: handleCommand re-reads and
      // re-decides, which makes the same content a no-op.
      const r = await handleCommand(ledger, definitionStream(def.workflow), definitionDecider, command, ctx, { retries: 3 });
      if (r.newEvents.length > 0) published.push(`${def.workflow}@${def.version}`);
    } catch (e) {
      throw new WorkflowValidationError([issueOf(e, def, files)]);
    }
  }
  return { published };
}

/** Older definition versions from the ledger, for a process that does not publish (workers, CLI). */
export async function loadPublishedVersions(ledger: Ledger, registry: WorkflowRegistry): Promise<void> {
  for (const def of registry.currentDefinitions()) {
    const { state } = await loadState(ledger, definitionStream(def.workflow), definitionDecider);
    addOlderVersions(registry, state, def.version);
  }
}

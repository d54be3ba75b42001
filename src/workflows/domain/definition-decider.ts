/**
 * The decider of a workflow's definition stream (`workflow-definition-<workflow>`): every
 * version ever published, with its exact content. A version number is published once; reusing
 * it with different content is refused (the file must raise its version), and publishing the
 * same content again is a no-op, so every scheduler may publish at start.
 */
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { isSystemActor } from '../../shared/system-actor';
import type { WorkflowDefinition } from './definition';
import { TimelineEventTypes } from './timeline';
import { WorkflowRuleError } from './workflow-rule-error';

export interface PublishedDefinitionData {
  workflow: string;
  version: number;
  /** SHA-256 of the canonical JSON of the definition (registry.definitionDigest). */
  digest: string;
  definition: WorkflowDefinition;
}

export type DefinitionPublishedEvent = DomainEvent<typeof TimelineEventTypes.WorkflowDefinitionPublished, PublishedDefinitionData>;

export interface PublishedDefinitionsState {
  workflow: string | null;
  versions: ReadonlyMap<number, PublishedDefinitionData>;
  /** Highest version published (0 when none). */
  latest: number;
}

export interface PublishDefinition {
  kind: 'publish-definition';
  actor: { id: string; role: string };
  at: string;
  definition: WorkflowDefinition;
  digest: string;
}

export type DefinitionCommand = PublishDefinition;

function decide(c: DefinitionCommand, s: PublishedDefinitionsState): DefinitionPublishedEvent[] {
  if (!isSystemActor(c.actor)) throw new WorkflowRuleError('actor', 'definitions are published by the workflows engine, a system actor');
  const def = c.definition;
  if (s.workflow !== null && s.workflow !== def.workflow) throw new WorkflowRuleError('workflow', `this stream holds ${s.workflow}, not ${def.workflow}`);
  const same = s.versions.get(def.version);
  if (same) {
    if (same.digest === c.digest) return [];
    throw new WorkflowRuleError('version', `version ${def.version} was already published with different content; raise the version (next: ${s.latest + 1})`);
  }
  if (def.version < s.latest) throw new WorkflowRuleError('version', `version ${def.version} is older than the published version ${s.latest}`);
  return [
    {
      type: TimelineEventTypes.WorkflowDefinitionPublished,
      data: { workflow: def.workflow, version: def.version, digest: c.digest, definition: def },
    },
  ];
}

function evolve(s: PublishedDefinitionsState, e: DefinitionPublishedEvent): PublishedDefinitionsState {
  if (e.type !== TimelineEventTypes.WorkflowDefinitionPublished) return s;
  const versions = new Map(s.versions);
  versions.set(e.data.version, e.data);
  return { workflow: s.workflow ?? e.data.workflow, versions, latest: Math.max(s.latest, e.data.version) };
}

export const definitionDecider: Decider<PublishedDefinitionsState, DefinitionCommand, DefinitionPublishedEvent> = {
  initialState: () => ({ workflow: null, versions: new Map(), latest: 0 }),
  evolve,
  decide,
};

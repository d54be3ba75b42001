import { systemActor } from '../../../src/shared/system-actor';
import { validateDefinition, type WorkflowDefinition } from '../../../src/workflows/domain/definition';
import { definitionDecider, type PublishDefinition } from '../../../src/workflows/domain/definition-decider';
import { definitionDigest } from '../../../src/workflows/registry';
import { deciderSpec } from '../../support/decider-spec';

const spec = deciderSpec(definitionDecider);
const actor = systemActor('workflows');

function def(version: number, reminders = [{ before: '30d', to: ['security-officer'] }]): WorkflowDefinition {
  const r = validateDefinition({ workflow: 'key-rotation', version, title: 'Key rotation', subjectKinds: ['key'], reminders, escalation: [{ after: '0d', to: ['security-officer'] }] });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.definition;
}
const publish = (d: WorkflowDefinition, over: Partial<PublishDefinition> = {}): PublishDefinition => ({
  kind: 'publish-definition',
  actor,
  at: '2025-01-02T15:00:00.000Z',
  definition: d,
  digest: definitionDigest(d),
  ...over,
});
const published = (d: WorkflowDefinition) => ({ type: 'WorkflowDefinitionPublished' as const, data: { workflow: d.workflow, version: d.version, digest: definitionDigest(d), definition: d } });

describe('definition decider (workflow-definition-<workflow>)', () => {
  it('publishes a first version with its exact content and digest', () => {
    spec.when(publish(def(1))).then([published(def(1))]);
  });

  it('publishing the same content again is a no-op (every scheduler publishes at start)', () => {
    spec.given([published(def(1))]).when(publish(def(1))).thenNothing();
  });

  it('refuses a version number reused with different content, naming the next version', () => {
    const changed = def(1, [{ before: '60d', to: ['security-officer'] }]);
    spec
      .given([published(def(1)), published(def(2))])
      .when(publish(changed))
      .thenThrows({ code: 'WORKFLOW_RULE', message: 'version: version 1 was already published with different content; raise the version (next: 3)' });
  });

  it('refuses a version older than the latest published one', () => {
    spec.given([published(def(1)), published(def(3))]).when(publish(def(2))).thenThrows('version: version 2 is older than the published version 3');
  });

  it('publishes a newer version and keeps every version it has seen', () => {
    const { state } = spec.given([published(def(1))]).when(publish(def(2))).then([{ type: 'WorkflowDefinitionPublished', data: { version: 2 } }]);
    expect([...state.versions.keys()]).toEqual([1, 2]);
    expect(state.latest).toBe(2);
  });

  it('is published by a system actor only, into its own workflow stream', () => {
    spec.when(publish(def(1), { actor: { id: 'p-1', role: 'admin' } })).thenThrows(/^actor: /);
    const other = { ...def(1), workflow: 'breach-notification' };
    spec.given([published(def(1))]).when(publish(other, { digest: definitionDigest(other) })).thenThrows('workflow: this stream holds key-rotation, not breach-notification');
  });
});

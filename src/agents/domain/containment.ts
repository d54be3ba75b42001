/**
 * Containment playbook: when an incident names a compromised principal or key, Safe Harbor
 * proposes the commands (revoke the principal's grants, rotate the affected keys, mark the
 * key compromised) and issues them after one approval by a different officer. Recorded.
 */
import type { Actor } from '../../ledger/port';

export type ContainmentAction =
  | { kind: 'revoke-grant'; grantId: string; principal: string; datasetId: string }
  | { kind: 'rotate-key'; keyId: string }
  | { kind: 'mark-key-compromised'; keyId: string; compromisedAt: string };

export interface ContainmentState {
  exists: boolean;
  containmentId: string | null;
  incidentId: string | null;
  proposedBy: string | null;
  actions: ContainmentAction[];
  status: 'proposed' | 'approved' | 'executed' | 'rejected' | null;
}

type E<T extends string, D> = { type: T; data: D };
export type ContainmentEvent =
  | E<
      'ContainmentProposed',
      { containmentId: string; incidentId: string; reason: string; actions: ContainmentAction[]; by: string; at: string }
    >
  | E<'ContainmentApproved', { containmentId: string; by: string; at: string }>
  | E<'ContainmentRejected', { containmentId: string; by: string; reason: string; at: string }>
  | E<'ContainmentExecuted', { containmentId: string; outcomes: ContainmentOutcome[]; at: string }>;

export const CONTAINMENT_EVENT_TYPES = [
  'ContainmentProposed',
  'ContainmentApproved',
  'ContainmentRejected',
  'ContainmentExecuted',
] as const satisfies readonly ContainmentEvent['type'][];

/** Every command: who acts (id and role) and when. */
interface Base {
  actor: Actor;
  at: string;
}
export type ContainmentOutcome = { action: ContainmentAction; ok: boolean; detail: string };
export type ContainmentCommand =
  | (Base & { kind: 'propose'; containmentId: string; incidentId: string; reason: string; actions: ContainmentAction[] })
  | (Base & { kind: 'approve' })
  | (Base & { kind: 'reject'; reason: string })
  | (Base & { kind: 'record-execution'; outcomes: ContainmentOutcome[] });

export class ContainmentRuleError extends Error {
  readonly code = 'CONTAINMENT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'ContainmentRuleError';
  }
}

export const containmentStream = (id: string) => `containment-${id}`;

export function initialContainmentState(): ContainmentState {
  return { exists: false, containmentId: null, incidentId: null, proposedBy: null, actions: [], status: null };
}

function need(c: unknown, m: string): asserts c {
  if (!c) throw new ContainmentRuleError(m);
}

/** The actions for what the incident names: grants held by the principals; each key rotated, then marked compromised. */
export function planContainment(
  input: { principals: string[]; keyIds: string[]; compromisedAt: string },
  activeGrants: { grantId: string; principal: string; datasetId: string }[],
): ContainmentAction[] {
  const out: ContainmentAction[] = [];
  for (const g of activeGrants)
    if (input.principals.includes(g.principal))
      out.push({ kind: 'revoke-grant', grantId: g.grantId, principal: g.principal, datasetId: g.datasetId });
  for (const k of input.keyIds)
    out.push({ kind: 'rotate-key', keyId: k }, { kind: 'mark-key-compromised', keyId: k, compromisedAt: input.compromisedAt });
  return out;
}

export function decideContainment(c: ContainmentCommand, s: ContainmentState): ContainmentEvent[] {
  if (c.kind === 'propose') {
    need(!s.exists, 'containment already proposed');
    need(c.actions.length > 0, 'nothing to contain: no active grant of those principals and no key named');
    return [
      {
        type: 'ContainmentProposed',
        data: { containmentId: c.containmentId, incidentId: c.incidentId, reason: c.reason, actions: c.actions, by: c.actor.id, at: c.at },
      },
    ];
  }
  need(s.exists && s.containmentId, 'containment does not exist');
  switch (c.kind) {
    case 'approve':
      need(s.status === 'proposed', `cannot approve a containment that is ${s.status}`);
      need(c.actor.id !== s.proposedBy, 'two-person rule: the approver must not be the proposer');
      need(c.actor.role === 'security-officer' || c.actor.role === 'compliance-officer', 'only an officer may approve containment');
      return [{ type: 'ContainmentApproved', data: { containmentId: s.containmentId, by: c.actor.id, at: c.at } }];
    case 'reject':
      need(s.status === 'proposed', `cannot reject a containment that is ${s.status}`);
      return [{ type: 'ContainmentRejected', data: { containmentId: s.containmentId, by: c.actor.id, reason: c.reason, at: c.at } }];
    case 'record-execution':
      need(s.status === 'approved', 'containment must be approved first');
      return [{ type: 'ContainmentExecuted', data: { containmentId: s.containmentId, outcomes: c.outcomes, at: c.at } }];
  }
}

export function evolveContainment(s: ContainmentState, e: ContainmentEvent): ContainmentState {
  switch (e.type) {
    case 'ContainmentProposed':
      return {
        exists: true,
        containmentId: e.data.containmentId,
        incidentId: e.data.incidentId,
        proposedBy: e.data.by,
        actions: e.data.actions,
        status: 'proposed',
      };
    case 'ContainmentApproved':
      return { ...s, status: 'approved' };
    case 'ContainmentRejected':
      return { ...s, status: 'rejected' };
    case 'ContainmentExecuted':
      return { ...s, status: 'executed' };
    default:
      return s;
  }
}

export const containmentDecider = { initialState: initialContainmentState, evolve: evolveContainment, decide: decideContainment };

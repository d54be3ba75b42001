/**
 * Triage decisions: the incident's facts become the triage contract's input, the engine decides,
 * and the obligations diff is recorded with the decision. A decision is asked for explicitly
 * (decide-triage), or follows any change of facts once the incident was decided (re-triage).
 */
import { createHash } from 'node:crypto';
import type { StateOverlaySet } from '../triage/state-overlays';
import { noticesGivenFrom, recordFormsFrom } from '../triage/incident-facts';
import { evaluateTriage } from '../triage/triage';
import type { TriageInput } from '../triage/triage-input';
import type { IncidentCommandBase, IncidentTriageCommand, SafeguardFacts } from './commands';
import type { IncidentEvent, LawEnforcementPolicy, SafeguardsRecordedData, TriageDecidedData } from './events';
import { diffObligations, obligationSpecs } from './obligations';
import { IncidentRuleError, requireOpen, retainUntil } from './rules';
import { evolveIncident, type IncidentState } from './state';

/** The active law-enforcement hold for triage: the latest recorded, with an early end applied. */
function activeHold(state: IncidentState): TriageInput['lawEnforcementDelay'] {
  const h = state.holds[state.holds.length - 1];
  if (!h) return null;
  let until = h.until;
  if (h.endedOn !== undefined && (until === undefined || h.endedOn < until)) until = h.endedOn;
  if (until !== undefined && until < h.madeOn) until = h.madeOn;
  return until === undefined ? { statement: h.statement, madeOn: h.madeOn } : { statement: h.statement, madeOn: h.madeOn, until };
}

/** Builds the contract input from the incident's facts: the workflow calls the same engine. */
export function triageInputFromState(state: IncidentState, policy: LawEnforcementPolicy, safeguards?: SafeguardFacts): TriageInput {
  if (!state.exists || !state.discoveredOn || !state.reporter) throw new IncidentRuleError('incident does not exist');
  if (!state.affected) {
    throw new IncidentRuleError('import the affected-individuals list or record (estimated) counts before triage');
  }
  const sg: SafeguardFacts = safeguards ?? {
    encryption: state.safeguards?.encryption ?? null,
    keyCompromised: (state.safeguards?.keyCompromised ?? false) || state.safeguards?.keyLocation === 'with-data',
    destruction: state.safeguards?.destruction ?? null,
  };
  const total = Object.values(state.affected.byState).reduce((a, b) => a + b, 0);
  const input: TriageInput = {
    reporter: state.reporter.kind,
    discoveredOn: state.discoveredOn,
    affectedByState: { ...state.affected.byState },
    exception: state.exception?.exception ?? null,
    safeguards: { encryption: sg.encryption, keyCompromised: sg.keyCompromised, destruction: sg.destruction },
    riskAssessment: state.assessment
      ? { complete: state.assessment.complete, lowProbabilityOfCompromise: state.assessment.lowProbabilityOfCompromise }
      : null,
    insufficientContact: Math.min(state.affected.insufficientContact, total),
    imminentMisuse: state.imminentMisuse,
    lawEnforcementDelay: activeHold(state),
    lawEnforcementPolicy: policy,
    businessAssociateIsAgent: state.reporter.actsAsAgent ?? false,
  };
  if (state.occurred && state.occurred.from <= state.discoveredOn) input.occurredOn = state.occurred.from;
  if (state.dataElements) input.dataElements = state.dataElements;
  const forms = recordFormsFrom(state.locations);
  if (forms) input.recordForms = forms;
  const given = noticesGivenFrom(Object.values(state.obligations), state.discoveredOn);
  if (given) input.noticesGiven = given;
  return input;
}

function sameSafeguards(recorded: SafeguardsRecordedData | null, sg: SafeguardFacts): boolean {
  if (!recorded) return sg.encryption === null && !sg.keyCompromised && sg.destruction === null;
  const recordedCompromised = recorded.keyCompromised || recorded.keyLocation === 'with-data';
  return recorded.encryption === sg.encryption && recordedCompromised === sg.keyCompromised && recorded.destruction === sg.destruction;
}

function safeguardsFromLedger(incidentId: string, sg: SafeguardFacts): IncidentEvent {
  return {
    type: 'SafeguardsRecorded',
    data: {
      incidentId,
      encryption: sg.encryption,
      keyCompromised: sg.keyCompromised,
      destruction: sg.destruction,
      source: 'datasets-ledger',
    },
  };
}

/** Triage against the state-law overlays (loaded once at start and passed in: the domain does no I/O). */
export class Triage {
  constructor(private readonly overlays: StateOverlaySet) {}

  /** `events` (already decided) followed by the decision taken on the state they leave. */
  decision(
    state: IncidentState,
    events: IncidentEvent[],
    cmd: IncidentCommandBase,
    trigger: 'decision' | 'facts-changed',
    decisionId: string,
    policy?: LawEnforcementPolicy,
    safeguards?: SafeguardFacts,
  ): IncidentEvent[] {
    let next = state;
    for (const e of events) next = evolveIncident(next, e);
    const pol = policy ?? next.lawEnforcementPolicy;
    const input = triageInputFromState(next, pol, safeguards);
    const { explain, ...result } = evaluateTriage(input, this.overlays, { explain: true });
    const changes = diffObligations(next.obligations, result.breach ? obligationSpecs(result) : []);
    const sequence = next.decisions + 1;
    const data: TriageDecidedData = {
      incidentId: next.incidentId!,
      decisionId,
      sequence,
      trigger,
      decidedOn: cmd.today,
      decidedBy: cmd.actor.id,
      input,
      result,
      explain,
      ruleSet: result.ruleSet,
      ruleVersion: result.ruleVersion,
      changes,
    };
    if (!result.breach) data.evidenceRetainUntil = retainUntil(cmd.today);
    return [...events, { type: 'TriageDecided', data }];
  }

  /** Facts changed after a decision: a new decision is appended with them (the discovery date never moves). */
  afterFacts(state: IncidentState, events: IncidentEvent[], cmd: IncidentCommandBase): IncidentEvent[] {
    if (state.decisions === 0) return events;
    const id = createHash('sha256')
      .update(`${state.incidentId}|retriage|${state.decisions + 1}`)
      .digest('hex')
      .slice(0, 32);
    return this.decision(state, events, cmd, 'facts-changed', id);
  }

  decide(command: IncidentTriageCommand, state: IncidentState): IncidentEvent[] {
    requireOpen(state);
    const incidentId = state.incidentId!;
    switch (command.kind) {
      case 'decide-triage': {
        // An answer from the datasets/keys ledger that differs from what is recorded is recorded
        // first, so later re-triages start from it too.
        const sg = command.safeguards;
        const pre: IncidentEvent[] = sg && !sameSafeguards(state.safeguards, sg) ? [safeguardsFromLedger(incidentId, sg)] : [];
        return this.decision(state, pre, command, 'decision', command.decisionId, command.policy);
      }
      case 'refresh-safeguards':
        if (sameSafeguards(state.safeguards, command.safeguards)) return [];
        return this.afterFacts(state, [safeguardsFromLedger(incidentId, command.safeguards)], command);
    }
  }
}

/**
 * The incident aggregate as one decider (Emmett style: pure evolve/decide). Commands go to their
 * group — facts, triage, obligations — and every event decided is followed by the timeline
 * events it implies when the breach-notification workflow is given.
 */
import type { Decider } from '../../../ledger/decider';
import type { WorkflowDefinition } from '../../../workflows';
import { emptyOverlaySet, type StateOverlaySet } from '../triage/state-overlays';
import {
  OBLIGATION_COMMAND_KINDS,
  TRIAGE_COMMAND_KINDS,
  type IncidentCommand,
  type IncidentFactCommand,
  type IncidentObligationCommand,
  type IncidentTriageCommand,
} from './commands';
import { decideFacts } from './decide-facts';
import { decideObligations } from './decide-obligations';
import { Triage } from './decide-triage';
import type { IncidentEvent } from './events';
import { evolveIncident, initialIncidentState, type IncidentState } from './state';
import { withTimelines } from './timelines';

export interface IncidentDeciderDeps {
  overlays: StateOverlaySet;
  /**
   * The breach-notification workflow definition (workflows/breach-notification.yaml). When given,
   * every dated obligation — and the 30-day cap of an oral law-enforcement hold — gets a timeline
   * whose reminders and escalations the workflows engine drives.
   */
  breachWorkflow?: WorkflowDefinition;
}

const isTriage = (c: IncidentCommand): c is IncidentTriageCommand => (TRIAGE_COMMAND_KINDS as readonly string[]).includes(c.kind);
const isObligation = (c: IncidentCommand): c is IncidentObligationCommand =>
  (OBLIGATION_COMMAND_KINDS as readonly string[]).includes(c.kind);

/** Builds the decider with the state-overlay data (loaded once at start, passed in: the domain does no I/O). */
export function createIncidentDecider(deps: IncidentDeciderDeps): Decider<IncidentState, IncidentCommand, IncidentEvent> {
  const triage = new Triage(deps.overlays);
  const decideRaw = (command: IncidentCommand, state: IncidentState): IncidentEvent[] => {
    if (isTriage(command)) return triage.decide(command, state);
    if (isObligation(command)) return decideObligations(command, state, triage);
    return decideFacts(command as IncidentFactCommand, state, triage);
  };
  return {
    initialState: initialIncidentState,
    evolve: evolveIncident,
    decide: (command, state) => withTimelines(deps.breachWorkflow, state, decideRaw(command, state)),
  };
}

/** Without state-law overlays or timelines: enough where no triage runs (tests, tools). */
export const incidentDecider = createIncidentDecider({ overlays: emptyOverlaySet() });

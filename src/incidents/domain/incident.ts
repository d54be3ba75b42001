import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';

/**
 * The incident aggregate. Facts here are PHI-free by contract (title and summary describe what
 * happened, never who); the affected people live in an encrypted artifact.
 */
export type ReporterKind = 'covered-entity' | 'business-associate';

export interface IncidentReportedData {
  incidentId: string;
  title: string;
  /** YYYY-MM-DD: day 0 of every HITECH clock. Never moves once reported. */
  discoveredOn: string;
  summary: string;
  reporter: { kind: ReporterKind; actsAsAgent?: boolean };
}

export type IncidentEvent =
  | DomainEvent<'IncidentReported', IncidentReportedData>
  | DomainEvent<'IncidentDetailsAmended', { incidentId: string; title?: string; summary?: string }>;

export const INCIDENT_EVENT_TYPES = ['IncidentReported', 'IncidentDetailsAmended'] as const;

export interface IncidentState {
  exists: boolean;
  incidentId: string | null;
  discoveredOn: string | null;
  title: string | null;
  summary: string | null;
}

export type IncidentCommand =
  | { kind: 'report'; data: IncidentReportedData }
  | { kind: 'amend'; incidentId: string; title?: string; summary?: string };

export class IncidentRuleError extends Error {
  readonly code = 'INCIDENT_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'IncidentRuleError';
  }
}

export const incidentDecider: Decider<IncidentState, IncidentCommand, IncidentEvent> = {
  initialState: () => ({ exists: false, incidentId: null, discoveredOn: null, title: null, summary: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'IncidentReported':
        return { exists: true, incidentId: event.data.incidentId, discoveredOn: event.data.discoveredOn, title: event.data.title, summary: event.data.summary };
      case 'IncidentDetailsAmended':
        return { ...state, title: event.data.title ?? state.title, summary: event.data.summary ?? state.summary };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'report':
        if (state.exists) throw new IncidentRuleError('incident already reported');
        return [{ type: 'IncidentReported', data: command.data }];
      case 'amend': {
        if (!state.exists) throw new IncidentRuleError('incident does not exist');
        const changed: { title?: string; summary?: string } = {};
        if (command.title !== undefined && command.title !== state.title) changed.title = command.title;
        if (command.summary !== undefined && command.summary !== state.summary) changed.summary = command.summary;
        if (Object.keys(changed).length === 0) return [];
        return [{ type: 'IncidentDetailsAmended', data: { incidentId: command.incidentId, ...changed } }];
      }
    }
  },
};

export const incidentStream = (incidentId: string) => `incident-${incidentId}`;

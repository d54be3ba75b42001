/** What can be asked of an incident, in three groups: facts, triage, obligations. */
import type { CommandOn } from '../../../ledger/command';
import type { Actor } from '../../../ledger/port';
import type {
  AffectedCounts,
  AffectedCountsRevisedData,
  AffectedListImportedData,
  ExceptionKind,
  Factor,
  FactorAnswer,
  FactsRevisedData,
  HoldRecordedData,
  IncidentReportedData,
  LawEnforcementPolicy,
  ObligationEvidence,
  SafeguardsRecordedData,
} from './events';

/** What the datasets/keys context answers about safe harbor (the SafeguardsSource port). */
export interface SafeguardFacts {
  encryption: SafeguardsRecordedData['encryption'];
  keyCompromised: boolean;
  destruction: SafeguardsRecordedData['destruction'];
}

export type { Actor };

/** Who asks, and today in the organization's calendar (from the injected clock), YYYY-MM-DD. */
export type IncidentCommandBase = CommandOn;
type Base = IncidentCommandBase;

/** Facts about what happened: recorded, and re-triaged when the incident was already decided. */
export type IncidentFactCommand =
  | (Base & { kind: 'report'; data: IncidentReportedData })
  | (Base & { kind: 'amend'; title?: string; summary?: string })
  | (Base & { kind: 'revise-facts'; facts: Omit<FactsRevisedData, 'incidentId'> })
  | (Base & { kind: 'assess-exception'; exception: ExceptionKind | null; rationale: string })
  | (Base & { kind: 'record-risk-assessment'; factors: Partial<Record<Factor, FactorAnswer>>; lowProbabilityOfCompromise: boolean })
  | (Base & { kind: 'record-safeguards'; safeguards: Omit<SafeguardsRecordedData, 'incidentId'> })
  | (Base & { kind: 'record-affected-list'; list: Omit<AffectedListImportedData, 'incidentId' | 'listVersion'> })
  | (Base & { kind: 'exclude-unresolved'; listVersion: number; reason: string })
  | (Base & { kind: 'revise-affected-counts'; counts: AffectedCounts; reason: AffectedCountsRevisedData['reason']; note?: string })
  | (Base & {
      kind: 'record-hold';
      holdId: string;
      statement: 'oral' | 'written';
      madeOn: string;
      until?: string;
      official: HoldRecordedData['official'];
    })
  | (Base & { kind: 'end-hold'; holdId: string; endedOn: string; reason: string });

export type IncidentTriageCommand =
  | (Base & {
      kind: 'decide-triage';
      decisionId: string;
      policy?: LawEnforcementPolicy;
      /** From the SafeguardsSource port; when absent, the facts recorded on the incident are used. */
      safeguards?: SafeguardFacts;
    })
  /** A new answer from the datasets/keys ledger (SafeguardsSource): recorded, and re-triaged if decided. */
  | (Base & { kind: 'refresh-safeguards'; safeguards: SafeguardFacts });

export type IncidentObligationCommand =
  | (Base & { kind: 'start-obligation'; obligationId: string })
  | (Base & { kind: 'complete-obligation'; obligationId: string; evidence: ObligationEvidence })
  | (Base & { kind: 'request-waiver'; obligationId: string; reason: string })
  | (Base & { kind: 'approve-waiver'; obligationId: string })
  | (Base & { kind: 'close'; note?: string });

export type IncidentCommand = IncidentFactCommand | IncidentTriageCommand | IncidentObligationCommand;

export const TRIAGE_COMMAND_KINDS: ReadonlyArray<IncidentTriageCommand['kind']> = ['decide-triage', 'refresh-safeguards'];
export const OBLIGATION_COMMAND_KINDS: ReadonlyArray<IncidentObligationCommand['kind']> = [
  'start-obligation',
  'complete-obligation',
  'request-waiver',
  'approve-waiver',
  'close',
];

/**
 * The risk assessment's events and the register's vocabulary: assets, risks (threat ×
 * vulnerability on assets), ratings on the matrix frozen at start, treatments, acceptances.
 * Names of systems and datasets only — never PHI.
 */
import type { DomainEvent } from '../../../ledger/ledger';
import type { Catalogs } from '../catalogs';
import type { Rating, RiskMatrix } from '../matrix';

export type AssetKind = 'system' | 'dataset' | 'application' | 'device' | 'facility' | 'vendor' | 'process';
export const ASSET_KINDS: readonly AssetKind[] = ['system', 'dataset', 'application', 'device', 'facility', 'vendor', 'process'];
export type TreatmentOption = 'mitigate' | 'accept' | 'transfer' | 'avoid';
export const TREATMENT_OPTIONS: readonly TreatmentOption[] = ['mitigate', 'accept', 'transfer', 'avoid'];
export type AssessmentStatus = 'in-progress' | 'submitted' | 'approved' | 'completed';

export interface Asset {
  assetId: string;
  kind: AssetKind;
  /** A system or dataset name — never PHI. */
  name: string;
  holdsEphi: boolean;
  ownerId?: string;
  /** The datasets context's id when the asset is a registered PHI dataset. */
  datasetId?: string;
}

export type RiskSource =
  | { kind: 'assessment' }
  | { kind: 'carried-over'; fromAssessmentId: string; fromRiskId: string }
  | { kind: 'candidate'; candidateId: string; origin: 'hardening-finding' | 'incident' | 'significant-change' };

export interface Treatment {
  option: TreatmentOption;
  ownerId: string;
  dueOn: string;
  plan: string;
  plannedBy: string;
}

export interface Acceptance {
  acceptanceId: string;
  approverId: string;
  approverRole: string;
  rationale: string;
  acceptedOn: string;
  expiresOn?: string;
}

export interface Risk {
  riskId: string;
  title: string;
  assetIds: string[];
  threat: string;
  vulnerability: string;
  /** Control library ids (src/risk/catalogs/controls.v1.json) that address the risk. */
  controls: string[];
  source: RiskSource;
  inherent?: Rating & { rationale: string };
  residual?: Rating & { rationale: string };
  treatment?: Treatment;
  /** Append-only: a newer acceptance supersedes, none is ever edited or removed. */
  acceptances: Acceptance[];
}

export interface AssessmentStartedData {
  assessmentId: string;
  programId: string;
  title: string;
  periodStart: string;
  periodEnd: string;
  matrix: RiskMatrix;
  catalogVersions: Catalogs['versions'];
  startedBy: string;
  previousAssessmentId?: string;
}

export type AssessmentEvent =
  | DomainEvent<'RiskAssessmentStarted', AssessmentStartedData>
  | DomainEvent<'RiskAssetRegistered', Asset>
  | DomainEvent<'RiskIdentified', Omit<Risk, 'acceptances' | 'inherent' | 'residual' | 'treatment'>>
  | DomainEvent<'RiskRated', { riskId: string; kind: 'inherent' | 'residual'; rationale: string; carried?: boolean } & Rating>
  | DomainEvent<'RiskTreatmentPlanned', { riskId: string } & Treatment>
  | DomainEvent<'RiskAccepted', { riskId: string } & Acceptance>
  | DomainEvent<'RiskAssessmentSubmitted', { submittedBy: string; summary: AssessmentSummary }>
  | DomainEvent<'RiskAssessmentApproved', { approvedBy: string; approverRole: string }>
  | DomainEvent<'RiskAssessmentCompleted', { completedOn: string; completedBy: string; nextReviewDueOn: string | null }>;

export const ASSESSMENT_EVENT_TYPES = [
  'RiskAssessmentStarted',
  'RiskAssetRegistered',
  'RiskIdentified',
  'RiskRated',
  'RiskTreatmentPlanned',
  'RiskAccepted',
  'RiskAssessmentSubmitted',
  'RiskAssessmentApproved',
  'RiskAssessmentCompleted',
] as const;

export interface AssessmentSummary {
  assets: number;
  risks: number;
  byResidualLevel: Record<string, number>;
  accepted: number;
}

export function assessmentStream(id: string): string {
  return `risk-assessment-${id}`;
}

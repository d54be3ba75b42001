/** What can be asked of an assessment: each command says who (`actor`) and on which day (`today`). */
import type { CommandOn } from '../../../ledger/command';
import type { Catalogs } from '../catalogs';
import type { RiskMatrix } from '../matrix';
import type { AssessmentStartedData, Asset, Risk, TreatmentOption } from './events';
import type { AssessmentState } from './state';

type Base = CommandOn;

export type AssessmentCommand =
  | (Base & {
      kind: 'start';
      data: Omit<AssessmentStartedData, 'startedBy' | 'catalogVersions' | 'matrix'> & { matrix: RiskMatrix };
      catalogs: Catalogs;
      /** Last assessment's state when starting from it: open assets and risks are carried over. */
      previous?: AssessmentState;
      /** New ids for the carried items (previous id → new id), chosen by the handler. */
      carryIds?: Record<string, string>;
    })
  | (Base & { kind: 'register-asset'; asset: Asset })
  | (Base & { kind: 'identify-risk'; risk: Omit<Risk, 'acceptances' | 'inherent' | 'residual' | 'treatment'>; catalogs: Catalogs })
  | (Base & { kind: 'rate-risk'; riskId: string; rating: 'inherent' | 'residual'; likelihood: number; impact: number; rationale: string })
  | (Base & { kind: 'plan-treatment'; riskId: string; option: TreatmentOption; ownerId: string; dueOn: string; plan: string })
  /** Accepted on `today` by the actor (an approver other than who proposed accepting). */
  | (Base & { kind: 'accept-risk'; riskId: string; acceptanceId: string; rationale: string; expiresOn?: string })
  | (Base & { kind: 'submit' })
  | (Base & { kind: 'approve' })
  /** Completed on `today`; the program schedules the next review. */
  | (Base & { kind: 'complete'; nextReviewDueOn: string | null });

export const APPROVER_ROLES = ['compliance-officer', 'security-officer'] as const;

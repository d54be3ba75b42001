/** The assessment's state (a fold of its events) and what is read from it: summary and readiness. */
import type { Catalogs } from '../catalogs';
import type { RiskMatrix } from '../matrix';
import type { AssessmentEvent, AssessmentStatus, AssessmentSummary, Asset, Risk } from './events';

export interface AssessmentState {
  exists: boolean;
  assessmentId: string;
  programId: string;
  title: string;
  periodStart: string;
  periodEnd: string;
  status: AssessmentStatus;
  matrix: RiskMatrix;
  catalogVersions: Catalogs['versions'] | null;
  startedBy: string;
  previousAssessmentId?: string;
  assets: Record<string, Asset>;
  risks: Record<string, Risk>;
  submittedBy?: string;
  approvedBy?: string;
  completedOn?: string;
  nextReviewDueOn?: string | null;
}

export function summarize(s: AssessmentState): AssessmentSummary {
  const by: Record<string, number> = {};
  let accepted = 0;
  for (const r of Object.values(s.risks)) {
    const lvl = (r.residual ?? r.inherent)?.level ?? 'unrated';
    by[lvl] = (by[lvl] ?? 0) + 1;
    if (r.acceptances.length > 0) accepted++;
  }
  return { assets: Object.keys(s.assets).length, risks: Object.keys(s.risks).length, byResidualLevel: by, accepted };
}

/** What still keeps an assessment from being submitted, one line per gap (empty when ready). */
export function readinessGaps(s: AssessmentState): string[] {
  const gaps: string[] = [];
  if (Object.keys(s.assets).length === 0) gaps.push('assets: no asset registered');
  if (Object.keys(s.risks).length === 0) gaps.push('risks: no risk identified');
  for (const r of Object.values(s.risks)) {
    if (!r.inherent) gaps.push(`risks.${r.riskId}: inherent rating missing`);
    if (!r.residual) gaps.push(`risks.${r.riskId}: residual rating missing`);
    if (!r.treatment) gaps.push(`risks.${r.riskId}: treatment missing`);
    else if (r.treatment.option === 'accept' && r.acceptances.length === 0)
      gaps.push(`risks.${r.riskId}: acceptance by an approver missing`);
  }
  return gaps;
}

export function initialAssessmentState(): AssessmentState {
  return {
    exists: false,
    assessmentId: '',
    programId: '',
    title: '',
    periodStart: '',
    periodEnd: '',
    status: 'in-progress',
    matrix: { id: '', likelihood: [], impact: [], bands: [] },
    catalogVersions: null,
    startedBy: '',
    assets: {},
    risks: {},
  };
}

export function evolveAssessment(s: AssessmentState, e: AssessmentEvent): AssessmentState {
  switch (e.type) {
    case 'RiskAssessmentStarted':
      return { ...initialAssessmentState(), ...e.data, exists: true, status: 'in-progress', assets: {}, risks: {} };
    case 'RiskAssetRegistered':
      return { ...s, assets: { ...s.assets, [e.data.assetId]: { ...e.data } } };
    case 'RiskIdentified':
      return { ...s, risks: { ...s.risks, [e.data.riskId]: { ...e.data, acceptances: [] } } };
    case 'RiskRated': {
      const r = s.risks[e.data.riskId];
      const { riskId: _r, kind, carried: _c, ...rating } = e.data;
      return { ...s, risks: { ...s.risks, [r.riskId]: { ...r, [kind]: rating } } };
    }
    case 'RiskTreatmentPlanned': {
      const { riskId, ...t } = e.data;
      return { ...s, risks: { ...s.risks, [riskId]: { ...s.risks[riskId], treatment: t } } };
    }
    case 'RiskAccepted': {
      const { riskId, ...a } = e.data;
      const r = s.risks[riskId];
      return { ...s, risks: { ...s.risks, [riskId]: { ...r, acceptances: [...r.acceptances, a] } } };
    }
    case 'RiskAssessmentSubmitted':
      return { ...s, status: 'submitted', submittedBy: e.data.submittedBy };
    case 'RiskAssessmentApproved':
      return { ...s, status: 'approved', approvedBy: e.data.approvedBy };
    case 'RiskAssessmentCompleted':
      return { ...s, status: 'completed', completedOn: e.data.completedOn, nextReviewDueOn: e.data.nextReviewDueOn };
    default:
      return s;
  }
}

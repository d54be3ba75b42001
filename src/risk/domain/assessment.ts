/**
 * The risk assessment aggregate (stream `risk-assessment-<id>`): the register of one assessment
 * period — assets, risks (threat × vulnerability on assets), inherent and residual ratings on the
 * matrix frozen at start, treatments with owner and due date, append-only acceptances with an
 * approver — and its lifecycle: in-progress → submitted → approved (by a different person) →
 * completed. Pure: ids and dates come in with the command.
 */
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { isIsoDate } from '../../shared/calendar';
import type { Catalogs } from './catalogs';
import { matrixProblems, rate, sameMatrix, type Rating, type RiskMatrix } from './matrix';

export type AssetKind = 'system' | 'dataset' | 'application' | 'device' | 'facility' | 'vendor' | 'process';
export const ASSET_KINDS: readonly AssetKind[] = ['system', 'dataset', 'application', 'device', 'facility', 'vendor', 'process'];
export type TreatmentOption = 'mitigate' | 'accept' | 'transfer' | 'avoid';
export const TREATMENT_OPTIONS: readonly TreatmentOption[] = ['mitigate', 'accept', 'transfer', 'avoid'];
export type AssessmentStatus = 'in-progress' | 'submitted' | 'approved' | 'completed';

export interface Person {
  id: string;
  role: string;
}

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

export interface AssessmentSummary {
  assets: number;
  risks: number;
  byResidualLevel: Record<string, number>;
  accepted: number;
}

export class RiskRuleError extends Error {
  readonly code = 'RISK_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'RiskRuleError';
  }
}

export type AssessmentCommand =
  | {
      kind: 'start';
      data: Omit<AssessmentStartedData, 'startedBy' | 'catalogVersions' | 'matrix'> & { matrix: RiskMatrix };
      by: Person;
      catalogs: Catalogs;
      /** Last assessment's state when starting from it: open assets and risks are carried over. */
      previous?: AssessmentState;
      /** New ids for the carried items (previous id → new id), chosen by the handler. */
      carryIds?: Record<string, string>;
    }
  | { kind: 'register-asset'; asset: Asset; by: Person }
  | { kind: 'identify-risk'; risk: Omit<Risk, 'acceptances' | 'inherent' | 'residual' | 'treatment'>; by: Person; catalogs: Catalogs }
  | { kind: 'rate-risk'; riskId: string; rating: 'inherent' | 'residual'; likelihood: number; impact: number; rationale: string; by: Person }
  | { kind: 'plan-treatment'; riskId: string; option: TreatmentOption; ownerId: string; dueOn: string; plan: string; by: Person }
  | { kind: 'accept-risk'; riskId: string; acceptanceId: string; rationale: string; acceptedOn: string; expiresOn?: string; by: Person }
  | { kind: 'submit'; by: Person }
  | { kind: 'approve'; by: Person }
  | { kind: 'complete'; completedOn: string; nextReviewDueOn: string | null; by: Person };

export const APPROVER_ROLES = ['compliance-officer', 'security-officer'] as const;

export function assessmentStream(id: string): string {
  return `risk-assessment-${id}`;
}

const text = (v: unknown, field: string, max = 500): string => {
  if (typeof v !== 'string' || v.trim().length === 0) throw new RiskRuleError(`${field}: required`);
  if (v.length > max) throw new RiskRuleError(`${field}: at most ${max} characters`);
  return v;
};
const date = (v: unknown, field: string): string => {
  if (!isIsoDate(v)) throw new RiskRuleError(`${field}: expected a calendar date YYYY-MM-DD`);
  return v;
};

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
    else if (r.treatment.option === 'accept' && r.acceptances.length === 0) gaps.push(`risks.${r.riskId}: acceptance by an approver missing`);
  }
  return gaps;
}

function requireOpen(s: AssessmentState): void {
  if (!s.exists) throw new RiskRuleError('assessment not started');
  if (s.status !== 'in-progress') throw new RiskRuleError(`the assessment is ${s.status}; the register can only change while it is in progress`);
}

function requireRisk(s: AssessmentState, riskId: string): Risk {
  const r = s.risks[riskId];
  if (!r) throw new RiskRuleError(`riskId: unknown risk ${riskId}`);
  return r;
}

function emptyState(): AssessmentState {
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

export const assessmentDecider: Decider<AssessmentState, AssessmentCommand, AssessmentEvent> = {
  initialState: emptyState,

  evolve(s, e) {
    switch (e.type) {
      case 'RiskAssessmentStarted':
        return { ...emptyState(), ...e.data, exists: true, status: 'in-progress', assets: {}, risks: {} };
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
  },

  decide(c, s) {
    switch (c.kind) {
      case 'start': {
        if (s.exists) throw new RiskRuleError('assessment already started');
        const d = c.data;
        text(d.title, 'title', 200);
        date(d.periodStart, 'periodStart');
        date(d.periodEnd, 'periodEnd');
        if (d.periodEnd < d.periodStart) throw new RiskRuleError('periodEnd: must not be before periodStart');
        const problems = matrixProblems(d.matrix);
        if (problems.length) throw new RiskRuleError(problems.join('; '));
        const events: AssessmentEvent[] = [
          {
            type: 'RiskAssessmentStarted',
            data: {
              assessmentId: d.assessmentId,
              programId: d.programId,
              title: d.title,
              periodStart: d.periodStart,
              periodEnd: d.periodEnd,
              matrix: d.matrix,
              catalogVersions: c.catalogs.versions,
              startedBy: c.by.id,
              ...(c.previous ? { previousAssessmentId: c.previous.assessmentId } : {}),
            },
          },
        ];
        if (c.previous) {
          const p = c.previous;
          if (!p.exists || p.status !== 'completed') throw new RiskRuleError('previousAssessmentId: the previous assessment is not completed');
          if (p.programId !== d.programId) throw new RiskRuleError('previousAssessmentId: belongs to another risk program');
          const newId = (old: string) => {
            const id = c.carryIds?.[old];
            if (!id) throw new RiskRuleError(`carryIds: no new id for ${old}`);
            return id;
          };
          const keepRatings = sameMatrix(p.matrix, d.matrix);
          for (const a of Object.values(p.assets)) events.push({ type: 'RiskAssetRegistered', data: { ...a, assetId: newId(a.assetId) } });
          for (const r of Object.values(p.risks)) {
            // Risks avoided last year are not carried; everything else is re-examined this year.
            if (r.treatment?.option === 'avoid') continue;
            const riskId = newId(r.riskId);
            events.push({
              type: 'RiskIdentified',
              data: {
                riskId,
                title: r.title,
                assetIds: r.assetIds.map(newId),
                threat: r.threat,
                vulnerability: r.vulnerability,
                controls: r.controls.filter((id) => c.catalogs.controls.has(id)),
                source: { kind: 'carried-over', fromAssessmentId: p.assessmentId, fromRiskId: r.riskId },
              },
            });
            if (keepRatings && r.inherent) {
              events.push({ type: 'RiskRated', data: { riskId, kind: 'inherent', ...r.inherent, rationale: `carried over: ${r.inherent.rationale}`, carried: true } });
            }
          }
        }
        return events;
      }
      case 'register-asset': {
        requireOpen(s);
        const a = c.asset;
        if (s.assets[a.assetId]) throw new RiskRuleError(`assetId: asset ${a.assetId} already registered`);
        if (!ASSET_KINDS.includes(a.kind)) throw new RiskRuleError(`kind: expected one of ${ASSET_KINDS.join(', ')}`);
        text(a.name, 'name', 200);
        if (typeof a.holdsEphi !== 'boolean') throw new RiskRuleError('holdsEphi: expected true or false');
        return [{ type: 'RiskAssetRegistered', data: { ...a } }];
      }
      case 'identify-risk': {
        requireOpen(s);
        const r = c.risk;
        if (s.risks[r.riskId]) throw new RiskRuleError(`riskId: risk ${r.riskId} already identified`);
        text(r.title, 'title', 200);
        text(r.threat, 'threat');
        text(r.vulnerability, 'vulnerability');
        if (!Array.isArray(r.assetIds) || r.assetIds.length === 0) throw new RiskRuleError('assetIds: at least one asset');
        for (const [i, id] of r.assetIds.entries()) if (!s.assets[id]) throw new RiskRuleError(`assetIds[${i}]: unknown asset ${id}`);
        for (const [i, id] of r.controls.entries()) if (!c.catalogs.controls.has(id)) throw new RiskRuleError(`controls[${i}]: unknown control ${id}`);
        if (r.source.kind === 'candidate' && Object.values(s.risks).some((x) => x.source.kind === 'candidate' && x.source.candidateId === (r.source as { candidateId: string }).candidateId)) {
          throw new RiskRuleError('source.candidateId: this candidate is already in the register');
        }
        return [{ type: 'RiskIdentified', data: { ...r, assetIds: [...r.assetIds], controls: [...r.controls] } }];
      }
      case 'rate-risk': {
        requireOpen(s);
        const risk = requireRisk(s, c.riskId);
        text(c.rationale, 'rationale', 2000);
        const rating = rate(s.matrix, c.likelihood, c.impact);
        if (c.rating === 'residual' && risk.inherent && rating.score > risk.inherent.score) {
          throw new RiskRuleError(`residual: score ${rating.score} is above the inherent score ${risk.inherent.score}; controls cannot raise a risk`);
        }
        return [{ type: 'RiskRated', data: { riskId: c.riskId, kind: c.rating, ...rating, rationale: c.rationale } }];
      }
      case 'plan-treatment': {
        requireOpen(s);
        requireRisk(s, c.riskId);
        if (!TREATMENT_OPTIONS.includes(c.option)) throw new RiskRuleError(`option: expected one of ${TREATMENT_OPTIONS.join(', ')}`);
        text(c.ownerId, 'ownerId', 128);
        date(c.dueOn, 'dueOn');
        text(c.plan, 'plan', 2000);
        return [{ type: 'RiskTreatmentPlanned', data: { riskId: c.riskId, option: c.option, ownerId: c.ownerId, dueOn: c.dueOn, plan: c.plan, plannedBy: c.by.id } }];
      }
      case 'accept-risk': {
        requireOpen(s);
        const r = requireRisk(s, c.riskId);
        if (r.treatment?.option !== 'accept') throw new RiskRuleError('treatment: only a risk whose treatment is "accept" can be accepted');
        if (!r.residual) throw new RiskRuleError('residual: rate the residual risk before accepting it');
        if (!(APPROVER_ROLES as readonly string[]).includes(c.by.role)) throw new RiskRuleError(`approver: acceptance needs the role ${APPROVER_ROLES.join(' or ')}`);
        if (c.by.id === r.treatment.plannedBy) throw new RiskRuleError('approver: the approver must be a different person from who proposed accepting the risk');
        text(c.rationale, 'rationale', 2000);
        date(c.acceptedOn, 'acceptedOn');
        if (c.expiresOn !== undefined && (date(c.expiresOn, 'expiresOn') <= c.acceptedOn)) throw new RiskRuleError('expiresOn: must be after acceptedOn');
        if (r.acceptances.some((a) => a.acceptanceId === c.acceptanceId)) return [];
        return [
          {
            type: 'RiskAccepted',
            data: { riskId: c.riskId, acceptanceId: c.acceptanceId, approverId: c.by.id, approverRole: c.by.role, rationale: c.rationale, acceptedOn: c.acceptedOn, ...(c.expiresOn ? { expiresOn: c.expiresOn } : {}) },
          },
        ];
      }
      case 'submit': {
        requireOpen(s);
        const gaps = readinessGaps(s);
        if (gaps.length) throw new RiskRuleError(`not ready to submit: ${gaps.join('; ')}`);
        return [{ type: 'RiskAssessmentSubmitted', data: { submittedBy: c.by.id, summary: summarize(s) } }];
      }
      case 'approve': {
        if (s.status !== 'submitted') throw new RiskRuleError(`the assessment is ${s.exists ? s.status : 'not started'}; only a submitted assessment can be approved`);
        if (c.by.id === s.submittedBy) throw new RiskRuleError('approver: the approver must be a different person from who submitted the assessment');
        if (!(APPROVER_ROLES as readonly string[]).includes(c.by.role)) throw new RiskRuleError(`approver: approval needs the role ${APPROVER_ROLES.join(' or ')}`);
        return [{ type: 'RiskAssessmentApproved', data: { approvedBy: c.by.id, approverRole: c.by.role } }];
      }
      case 'complete': {
        if (s.status === 'completed') return [];
        if (s.status !== 'approved') throw new RiskRuleError(`the assessment is ${s.exists ? s.status : 'not started'}; it must be approved before it is completed`);
        date(c.completedOn, 'completedOn');
        return [{ type: 'RiskAssessmentCompleted', data: { completedOn: c.completedOn, completedBy: c.by.id, nextReviewDueOn: c.nextReviewDueOn } }];
      }
    }
  },
};

/**
 * The assessment decider (stream `risk-assessment-<id>`). Lifecycle: in-progress → submitted →
 * approved (by a different person) → completed. Pure: ids and dates come in with the command.
 */
import type { Decider } from '../../../ledger/decider';
import { isSealedValue } from '../../../ledger/sealing';
import { isIsoDate } from '../../../shared/calendar';
import { matrixProblems, rate, sameMatrix } from '../matrix';
import { RiskRuleError } from '../risk-rule-error';
import { APPROVER_ROLES, type AssessmentCommand } from './commands';
import { ASSET_KINDS, TREATMENT_OPTIONS, type AssessmentEvent, type Risk } from './events';
import { evolveAssessment, initialAssessmentState, readinessGaps, summarize, type AssessmentState } from './state';

const text = (v: unknown, field: string, max = 500): string => {
  // Free text already stored (a candidate's title, a carried-over rationale) arrives sealed: it was checked when written.
  if (isSealedValue(v)) return v as unknown as string;
  if (typeof v !== 'string' || v.trim().length === 0) throw new RiskRuleError(`${field}: required`);
  if (v.length > max) throw new RiskRuleError(`${field}: at most ${max} characters`);
  return v;
};
/** A rating carried into the next assessment keeps its rationale; sealed text is carried as it is (`carried: true` says so). */
const carriedOver = (rationale: string): string => (isSealedValue(rationale) ? rationale : `carried over: ${rationale}`);
const date = (v: unknown, field: string): string => {
  if (!isIsoDate(v)) throw new RiskRuleError(`${field}: expected a calendar date YYYY-MM-DD`);
  return v;
};

function requireOpen(s: AssessmentState): void {
  if (!s.exists) throw new RiskRuleError('assessment not started');
  if (s.status !== 'in-progress')
    throw new RiskRuleError(`the assessment is ${s.status}; the register can only change while it is in progress`);
}

function requireRisk(s: AssessmentState, riskId: string): Risk {
  const r = s.risks[riskId];
  if (!r) throw new RiskRuleError(`riskId: unknown risk ${riskId}`);
  return r;
}

export const assessmentDecider: Decider<AssessmentState, AssessmentCommand, AssessmentEvent> = {
  initialState: initialAssessmentState,
  evolve: evolveAssessment,

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
              startedBy: c.actor.id,
              ...(c.previous ? { previousAssessmentId: c.previous.assessmentId } : {}),
            },
          },
        ];
        if (c.previous) {
          const p = c.previous;
          if (!p.exists || p.status !== 'completed')
            throw new RiskRuleError('previousAssessmentId: the previous assessment is not completed');
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
              events.push({
                type: 'RiskRated',
                data: { riskId, kind: 'inherent', ...r.inherent, rationale: carriedOver(r.inherent.rationale), carried: true },
              });
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
        for (const [i, id] of r.controls.entries())
          if (!c.catalogs.controls.has(id)) throw new RiskRuleError(`controls[${i}]: unknown control ${id}`);
        if (
          r.source.kind === 'candidate' &&
          Object.values(s.risks).some(
            (x) => x.source.kind === 'candidate' && x.source.candidateId === (r.source as { candidateId: string }).candidateId,
          )
        ) {
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
          throw new RiskRuleError(
            `residual: score ${rating.score} is above the inherent score ${risk.inherent.score}; controls cannot raise a risk`,
          );
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
        return [
          {
            type: 'RiskTreatmentPlanned',
            data: { riskId: c.riskId, option: c.option, ownerId: c.ownerId, dueOn: c.dueOn, plan: c.plan, plannedBy: c.actor.id },
          },
        ];
      }
      case 'accept-risk': {
        requireOpen(s);
        const r = requireRisk(s, c.riskId);
        if (r.treatment?.option !== 'accept') throw new RiskRuleError('treatment: only a risk whose treatment is "accept" can be accepted');
        if (!r.residual) throw new RiskRuleError('residual: rate the residual risk before accepting it');
        if (!(APPROVER_ROLES as readonly string[]).includes(c.actor.role))
          throw new RiskRuleError(`approver: acceptance needs the role ${APPROVER_ROLES.join(' or ')}`);
        if (c.actor.id === r.treatment.plannedBy)
          throw new RiskRuleError('approver: the approver must be a different person from who proposed accepting the risk');
        text(c.rationale, 'rationale', 2000);
        const acceptedOn = date(c.today, 'today');
        if (c.expiresOn !== undefined && date(c.expiresOn, 'expiresOn') <= acceptedOn)
          throw new RiskRuleError('expiresOn: must be after acceptedOn');
        if (r.acceptances.some((a) => a.acceptanceId === c.acceptanceId)) return [];
        return [
          {
            type: 'RiskAccepted',
            data: {
              riskId: c.riskId,
              acceptanceId: c.acceptanceId,
              approverId: c.actor.id,
              approverRole: c.actor.role,
              rationale: c.rationale,
              acceptedOn,
              ...(c.expiresOn ? { expiresOn: c.expiresOn } : {}),
            },
          },
        ];
      }
      case 'submit': {
        requireOpen(s);
        const gaps = readinessGaps(s);
        if (gaps.length) throw new RiskRuleError(`not ready to submit: ${gaps.join('; ')}`);
        return [{ type: 'RiskAssessmentSubmitted', data: { submittedBy: c.actor.id, summary: summarize(s) } }];
      }
      case 'approve': {
        if (s.status !== 'submitted')
          throw new RiskRuleError(`the assessment is ${s.exists ? s.status : 'not started'}; only a submitted assessment can be approved`);
        if (c.actor.id === s.submittedBy)
          throw new RiskRuleError('approver: the approver must be a different person from who submitted the assessment');
        if (!(APPROVER_ROLES as readonly string[]).includes(c.actor.role))
          throw new RiskRuleError(`approver: approval needs the role ${APPROVER_ROLES.join(' or ')}`);
        return [{ type: 'RiskAssessmentApproved', data: { approvedBy: c.actor.id, approverRole: c.actor.role } }];
      }
      case 'complete': {
        if (s.status === 'completed') return [];
        if (s.status !== 'approved')
          throw new RiskRuleError(`the assessment is ${s.exists ? s.status : 'not started'}; it must be approved before it is completed`);
        const completedOn = date(c.today, 'today');
        return [{ type: 'RiskAssessmentCompleted', data: { completedOn, completedBy: c.actor.id, nextReviewDueOn: c.nextReviewDueOn } }];
      }
    }
  },
};

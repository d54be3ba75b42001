/**
 * Candidate risks proposed by other contexts — agents' hardening findings (host.scan), incidents,
 * significant changes — waiting to be adopted into an assessment's register or dismissed with a
 * reason. Stream `risk-candidate-<id>`; the id derives from the source, so the same finding
 * reported by every scan is one candidate. Incidents and significant changes also open a
 * `risk-review-after-change` timeline, closed when the candidate is adopted or dismissed.
 */
import { createHash } from 'node:crypto';
import type { CommandOn } from '../../ledger/command';
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { addDays, isIsoDate } from '../../shared/calendar';
import type { WorkflowDefinition } from '../../workflows';
import { completeTimeline, scheduleTimeline } from '../../workflows';
import { RiskRuleError } from './risk-rule-error';
import type { RiskLevel } from './matrix';

export const AFTER_CHANGE_WORKFLOW = 'risk-review-after-change';
export type CandidateOrigin = 'hardening-finding' | 'incident' | 'significant-change';
export const CANDIDATE_ORIGINS: readonly CandidateOrigin[] = ['hardening-finding', 'incident', 'significant-change'];

export interface CandidateInput {
  origin: CandidateOrigin;
  /** Where it came from, as ids: { kind: 'host', id: agentId } / { kind: 'incident', id } / { kind: 'change', id }. */
  sourceRef: { kind: string; id: string };
  /** A stable code for the finding (e.g. 'ssh-root-login'), so repeated reports are one candidate. */
  code: string;
  /** PHI-free. */
  title: string;
  detail?: string;
  severity: RiskLevel;
  datasetId?: string;
}

export type CandidateEvent =
  | DomainEvent<'RiskCandidateProposed', CandidateInput & { candidateId: string; proposedOn: string; reviewDueOn: string | null }>
  | DomainEvent<'RiskCandidateAdopted', { candidateId: string; assessmentId: string; riskId: string; adoptedOn: string; by: string }>
  | DomainEvent<'RiskCandidateDismissed', { candidateId: string; reason: string; dismissedOn: string; by: string }>
  | DomainEvent<'TimelineScheduled', Record<string, unknown>>
  | DomainEvent<'TimelineCompleted', Record<string, unknown>>;

export const CANDIDATE_EVENT_TYPES = ['RiskCandidateProposed', 'RiskCandidateAdopted', 'RiskCandidateDismissed'] as const;

export interface CandidateState {
  exists: boolean;
  candidate: (CandidateInput & { candidateId: string; proposedOn: string; reviewDueOn: string | null }) | null;
  status: 'open' | 'adopted' | 'dismissed';
  timesReported: number;
}

/** Proposed, adopted or dismissed `today` by the actor. */
export type CandidateCommand =
  | (CommandOn & { kind: 'propose'; input: CandidateInput; review: WorkflowDefinition; reviewWithinDays?: number })
  | (CommandOn & { kind: 'adopt'; assessmentId: string; riskId: string; review: WorkflowDefinition })
  | (CommandOn & { kind: 'dismiss'; reason: string; review: WorkflowDefinition });

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A deterministic UUID-shaped id from the source of the candidate. */
export function candidateIdFor(input: Pick<CandidateInput, 'origin' | 'sourceRef' | 'code'>): string {
  const h = createHash('sha256').update(`${input.origin}\n${input.sourceRef.kind}\n${input.sourceRef.id}\n${input.code}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function candidateStream(id: string): string {
  return `risk-candidate-${id}`;
}

export function validateCandidate(i: CandidateInput): void {
  if (!CANDIDATE_ORIGINS.includes(i.origin)) throw new RiskRuleError(`origin: expected one of ${CANDIDATE_ORIGINS.join(', ')}`);
  if (!i.sourceRef || !ID_RE.test(i.sourceRef.kind ?? '') || !ID_RE.test(i.sourceRef.id ?? ''))
    throw new RiskRuleError('sourceRef: expected { kind, id } ids');
  if (!ID_RE.test(i.code ?? '')) throw new RiskRuleError('code: expected a finding code like "ssh-root-login"');
  if (typeof i.title !== 'string' || !i.title.trim() || i.title.length > 200)
    throw new RiskRuleError('title: required (at most 200 characters)');
  if (!['low', 'moderate', 'high', 'critical'].includes(i.severity))
    throw new RiskRuleError('severity: expected low, moderate, high or critical');
}

export const candidateDecider: Decider<CandidateState, CandidateCommand, CandidateEvent> = {
  initialState: () => ({ exists: false, candidate: null, status: 'open', timesReported: 0 }),
  evolve(s, e) {
    switch (e.type) {
      case 'RiskCandidateProposed':
        return { exists: true, candidate: e.data, status: 'open', timesReported: s.timesReported + 1 };
      case 'RiskCandidateAdopted':
        return { ...s, status: 'adopted' };
      case 'RiskCandidateDismissed':
        return { ...s, status: 'dismissed' };
      default:
        return s;
    }
  },
  decide(c, s) {
    switch (c.kind) {
      case 'propose': {
        validateCandidate(c.input);
        if (!isIsoDate(c.today)) throw new RiskRuleError('today: expected a calendar date');
        if (s.exists) return []; // the same finding again: already a candidate
        const candidateId = candidateIdFor(c.input);
        const reviewed = c.input.origin !== 'hardening-finding';
        const reviewDueOn = reviewed ? addDays(c.today, c.reviewWithinDays ?? 30) : null;
        const events: CandidateEvent[] = [
          { type: 'RiskCandidateProposed', data: { ...c.input, candidateId, proposedOn: c.today, reviewDueOn } },
        ];
        if (reviewDueOn)
          events.push(
            scheduleTimeline(c.review, { subject: { kind: 'risk-review', id: candidateId }, dueOn: reviewDueOn }) as CandidateEvent,
          );
        return events;
      }
      case 'adopt':
      case 'dismiss': {
        if (!s.exists || !s.candidate) throw new RiskRuleError('candidate not found');
        if (s.status !== 'open') {
          if (c.kind === 'adopt' && s.status === 'adopted') return [];
          throw new RiskRuleError(`the candidate is already ${s.status}`);
        }
        const events: CandidateEvent[] =
          c.kind === 'adopt'
            ? [
                {
                  type: 'RiskCandidateAdopted',
                  data: {
                    candidateId: s.candidate.candidateId,
                    assessmentId: c.assessmentId,
                    riskId: c.riskId,
                    adoptedOn: c.today,
                    by: c.actor.id,
                  },
                },
              ]
            : [
                {
                  type: 'RiskCandidateDismissed',
                  data: { candidateId: s.candidate.candidateId, reason: requireReason(c.reason), dismissedOn: c.today, by: c.actor.id },
                },
              ];
        if (s.candidate.reviewDueOn) {
          events.push(
            ...(completeTimeline(
              c.review,
              { subject: { kind: 'risk-review', id: s.candidate.candidateId }, dueOn: s.candidate.reviewDueOn },
              c.today,
            ) as CandidateEvent[]),
          );
        }
        return events;
      }
    }
  },
};

function requireReason(r: string): string {
  if (typeof r !== 'string' || !r.trim()) throw new RiskRuleError('reason: required');
  return r;
}

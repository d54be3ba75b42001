/**
 * The risk program (stream `risk-program-<id>`): the organization's recurring risk analysis.
 * It owns the annual review timeline (workflow risk-review-annual, subject `risk-program`), so
 * all of that timeline's events live in this one stream. Completing an assessment records the
 * review here and schedules the next one from the workflow's recurrence.
 */
import type { CommandOn } from '../../ledger/command';
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { isIsoDate } from '../../shared/calendar';
import type { WorkflowDefinition } from '../../workflows';
import { completeTimeline, scheduleTimeline, type TimelineScheduledData } from '../../workflows';
import { RiskRuleError } from './risk-rule-error';

export const ANNUAL_REVIEW_WORKFLOW = 'risk-review-annual';

export type ProgramEvent =
  | DomainEvent<'RiskProgramEstablished', { programId: string; name: string; ownerId: string; firstReviewDueOn: string }>
  | DomainEvent<
      'RiskProgramReviewCompleted',
      { programId: string; assessmentId: string; completedOn: string; nextReviewDueOn: string | null }
    >
  | DomainEvent<'TimelineScheduled', Record<string, unknown>>
  | DomainEvent<'TimelineCompleted', Record<string, unknown>>;

export const PROGRAM_EVENT_TYPES = ['RiskProgramEstablished', 'RiskProgramReviewCompleted'] as const;

export interface ProgramState {
  exists: boolean;
  programId: string;
  name: string;
  ownerId: string;
  reviewDueOn: string | null;
  reviewWorkflowVersion: number | null;
  completedAssessments: string[];
  lastCompletedOn: string | null;
}

export type ProgramCommand =
  | (CommandOn & {
      kind: 'establish';
      programId: string;
      name: string;
      ownerId: string;
      firstReviewDueOn: string;
      review: WorkflowDefinition;
    })
  /** The assessment was completed `today`: the next review is scheduled from the workflow's recurrence. */
  | (CommandOn & { kind: 'record-review'; assessmentId: string; review: WorkflowDefinition });

export function programStream(id: string): string {
  return `risk-program-${id}`;
}

export const programDecider: Decider<ProgramState, ProgramCommand, ProgramEvent> = {
  initialState: () => ({
    exists: false,
    programId: '',
    name: '',
    ownerId: '',
    reviewDueOn: null,
    reviewWorkflowVersion: null,
    completedAssessments: [],
    lastCompletedOn: null,
  }),
  evolve(s, e) {
    switch (e.type) {
      case 'RiskProgramEstablished':
        return { ...s, exists: true, programId: e.data.programId, name: e.data.name, ownerId: e.data.ownerId };
      case 'TimelineScheduled': {
        const d = e.data as unknown as TimelineScheduledData;
        return d.workflow === ANNUAL_REVIEW_WORKFLOW ? { ...s, reviewDueOn: d.dueOn, reviewWorkflowVersion: d.workflowVersion } : s;
      }
      case 'TimelineCompleted':
        return (e.data as { workflow: string }).workflow === ANNUAL_REVIEW_WORKFLOW ? { ...s, reviewDueOn: null } : s;
      case 'RiskProgramReviewCompleted':
        return { ...s, completedAssessments: [...s.completedAssessments, e.data.assessmentId], lastCompletedOn: e.data.completedOn };
      default:
        return s;
    }
  },
  decide(c, s) {
    const subject = { kind: 'risk-program', id: c.kind === 'establish' ? c.programId : s.programId };
    switch (c.kind) {
      case 'establish': {
        if (s.exists) throw new RiskRuleError(`risk program ${c.programId} already exists`);
        if (!c.name?.trim()) throw new RiskRuleError('name: required');
        if (!c.ownerId?.trim()) throw new RiskRuleError('ownerId: required');
        if (!isIsoDate(c.firstReviewDueOn)) throw new RiskRuleError('firstReviewDueOn: expected a calendar date YYYY-MM-DD');
        return [
          {
            type: 'RiskProgramEstablished',
            data: { programId: c.programId, name: c.name, ownerId: c.ownerId, firstReviewDueOn: c.firstReviewDueOn },
          },
          scheduleTimeline(c.review, { subject, dueOn: c.firstReviewDueOn, assignees: { owner: [c.ownerId] } }) as ProgramEvent,
        ];
      }
      case 'record-review': {
        if (!s.exists) throw new RiskRuleError('risk program not established');
        if (s.completedAssessments.includes(c.assessmentId)) return []; // a retried completion
        const timeline = { subject, dueOn: s.reviewDueOn ?? c.today, assignees: { owner: [s.ownerId] } };
        const tl = completeTimeline(c.review, timeline, c.today) as ProgramEvent[];
        const next = tl.find((e) => e.type === 'TimelineScheduled');
        return [
          {
            type: 'RiskProgramReviewCompleted',
            data: {
              programId: s.programId,
              assessmentId: c.assessmentId,
              completedOn: c.today,
              nextReviewDueOn: next ? String((next.data as { dueOn: string }).dueOn) : null,
            },
          },
          ...tl,
        ];
      }
    }
  },
};

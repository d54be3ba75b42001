/**
 * The after-action report of an exercise: the timeline, the decisions, each obligation's time
 * used against its legal clock (in exercise days from discovery), and the gaps found. Pure.
 */
import type { IncidentEvent } from '../../incidents';
import { daysBetween } from '../../shared/calendar';
import type { ExerciseState } from './exercise';

export interface AfterAction {
  exerciseId: string;
  title: string;
  scenario: string | null;
  openedOn: string;
  asOf: string;
  closedOn: string | null;
  discoveredOn: string | null;
  timeline: Array<{ on: string; at: string; what: string; by: string; wallMinutes: number | null }>;
  decisions: Array<{ on: string; by: string; trigger: string; breach: boolean; basis: string; totalAffected: number; obligations: number }>;
  obligations: Array<{
    obligationId: string;
    kind: string;
    jurisdiction: string | null;
    dueOn: string | null;
    daysAllowed: number | null;
    status: string;
    completedOn: string | null;
    daysUsed: number | null;
    verdict: 'on time' | 'late' | 'overdue' | 'open' | 'waived' | 'withdrawn';
  }>;
  notices: Array<{ noticeId: string; obligationId: string; letters: number; draftedOn: string; approvedOn: string | null }>;
  gaps: string[];
}

const WORDS: Record<string, string> = {
  report: 'incident reported',
  'revise-affected-counts': 'affected counts recorded',
  'decide-triage': 'triage decided',
  'record-risk-assessment': 'risk assessment recorded',
  'record-safeguards': 'safeguards recorded',
  'start-obligation': 'obligation started',
  'complete-obligation': 'obligation completed',
  'assess-exception': 'exception assessed',
  close: 'incident closed',
};

export function afterAction(
  s: ExerciseState,
  stepEvents: ReadonlyArray<{ on: string; at: string; by: string; action: string; incidentEvents: IncidentEvent[] }>,
): AfterAction {
  if (!s.exerciseId || !s.openedOn || !s.asOf || !s.openedAt) throw new Error('exercise not opened');
  const inc = s.incident;
  const entries: Array<{ on: string; at: string; what: string; by: string }> = [
    { on: s.openedOn, at: s.openedAt, what: `exercise opened${s.scenario ? ` (scenario ${s.scenario})` : ''}`, by: '' },
  ];
  for (const st of stepEvents) {
    const done = st.incidentEvents.find((e) => e.type === 'ObligationCompleted');
    const extra = done ? ` ${(done.data as { obligationId: string }).obligationId}` : '';
    entries.push({ on: st.on, at: st.at, what: (WORDS[st.action] ?? st.action) + extra, by: st.by });
  }
  for (const m of s.clockMoves)
    entries.push({ on: m.to, at: m.at, what: `clock fast-forwarded ${daysBetween(m.from, m.to)} days (${m.from} to ${m.to})`, by: '' });
  for (const n of Object.values(s.notices)) {
    entries.push({ on: n.draftedOn, at: n.draftedAt, what: `notice ${n.noticeId} drafted (${n.letters} letters)`, by: n.draftedBy });
    if (n.approvedOn)
      entries.push({ on: n.approvedOn, at: n.approvedAt ?? '', what: `notice ${n.noticeId} approved`, by: n.approvedBy ?? '' });
  }
  if (s.closedOn && s.closedAt) entries.push({ on: s.closedOn, at: s.closedAt, what: 'exercise closed', by: '' });
  entries.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : a.at && b.at ? (a.at < b.at ? -1 : a.at > b.at ? 1 : 0) : 0));
  let prev: string | null = null;
  const timeline = entries.map((e) => {
    const wall = e.at && prev ? Math.round((Date.parse(e.at) - Date.parse(prev)) / 60_000) : null;
    if (e.at) prev = e.at;
    return { ...e, wallMinutes: wall };
  });

  const decisions = stepEvents.flatMap((st) =>
    st.incidentEvents
      .filter((e) => e.type === 'TriageDecided')
      .map((e) => {
        const d = e.data as {
          decidedOn: string;
          decidedBy: string;
          trigger: string;
          result: { breach: boolean; basis: string; totalAffected: number; obligations: unknown[]; stateObligations: unknown[] };
        };
        return {
          on: d.decidedOn,
          by: d.decidedBy,
          trigger: d.trigger,
          breach: d.result.breach,
          basis: d.result.basis,
          totalAffected: d.result.totalAffected,
          obligations: d.result.obligations.length + d.result.stateObligations.length,
        };
      }),
  );

  const end = s.closedOn ?? s.asOf;
  const disc = inc.discoveredOn;
  const obligations = Object.values(inc.obligations)
    .map((o) => {
      const completedOn = o.evidence?.completedOn ?? null;
      const verdict: AfterAction['obligations'][number]['verdict'] =
        o.status === 'waived' || o.status === 'withdrawn'
          ? o.status
          : completedOn
            ? o.dueOn && completedOn > o.dueOn
              ? 'late'
              : 'on time'
            : o.dueOn && end > o.dueOn
              ? 'overdue'
              : 'open';
      return {
        obligationId: o.obligationId,
        kind: o.kind,
        jurisdiction: o.jurisdiction ?? null,
        dueOn: o.dueOn ?? null,
        daysAllowed: o.dueOn && disc ? daysBetween(disc, o.dueOn) : null,
        status: o.status,
        completedOn,
        daysUsed: completedOn && disc ? daysBetween(disc, completedOn) : null,
        verdict,
      };
    })
    .sort((a, b) =>
      (a.dueOn ?? '9') < (b.dueOn ?? '9') ? -1 : (a.dueOn ?? '9') > (b.dueOn ?? '9') ? 1 : a.obligationId < b.obligationId ? -1 : 1,
    );

  const notices = Object.values(s.notices).map((n) => ({
    noticeId: n.noticeId,
    obligationId: n.obligationId,
    letters: n.letters,
    draftedOn: n.draftedOn,
    approvedOn: n.approvedOn,
  }));

  const gaps: string[] = [];
  if (disc && disc < s.openedOn)
    gaps.push(
      `discovery was ${daysBetween(disc, s.openedOn)} days before the exercise started: those days were already gone from every clock`,
    );
  if (decisions.length === 0) gaps.push('triage was never decided');
  for (const o of obligations) {
    if (o.verdict === 'late') gaps.push(`${o.obligationId}: completed ${o.completedOn}, after its due date ${o.dueOn}`);
    if (o.verdict === 'overdue') gaps.push(`${o.obligationId}: not done, due ${o.dueOn}, overdue on ${end}`);
    if (o.verdict === 'open') gaps.push(`${o.obligationId}: still open at the end of the exercise (due ${o.dueOn ?? 'no date'})`);
  }
  for (const n of notices) if (!n.approvedOn) gaps.push(`notice ${n.noticeId} drafted but never approved`);
  const noticed = new Set(notices.map((n) => n.obligationId));
  for (const o of obligations)
    if (
      (o.kind === 'individual-notice' || o.kind === 'state-individual-notice') &&
      o.verdict !== 'waived' &&
      o.verdict !== 'withdrawn' &&
      !noticed.has(o.obligationId)
    )
      gaps.push(`${o.obligationId}: no notice was drafted`);

  return {
    exerciseId: s.exerciseId,
    title: s.title ?? '',
    scenario: s.scenario,
    openedOn: s.openedOn,
    asOf: s.asOf,
    closedOn: s.closedOn,
    discoveredOn: disc,
    timeline,
    decisions,
    obligations,
    notices,
    gaps,
  };
}

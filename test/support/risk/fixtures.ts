import { assessmentDecider, type AssessmentCommand, type AssessmentState } from '../../../src/risk/domain/assessment';
import { shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { DEFAULT_MATRIX } from '../../../src/risk/domain/matrix';

export const alice = { id: 'p-alice', role: 'compliance-officer' };
export const bob = { id: 'p-bob', role: 'security-officer' };

export function apply(state: AssessmentState, ...cmds: AssessmentCommand[]): AssessmentState {
  for (const c of cmds) for (const e of assessmentDecider.decide(c, state)) state = assessmentDecider.evolve(state, e);
  return state;
}

/** A completed assessment with a few generated risks. */
export function completedAssessment(id = 'a-2025', nRisks = 3): AssessmentState {
  const catalogs = shippedCatalogs();
  let s = apply(assessmentDecider.initialState(), {
    kind: 'start',
    data: { assessmentId: id, programId: 'default', title: `Annual risk analysis ${id}`, periodStart: '2025-01-01', periodEnd: '2025-12-31', matrix: DEFAULT_MATRIX },
    by: alice,
    catalogs,
  }, { kind: 'register-asset', asset: { assetId: 'srv', kind: 'system', name: 'EHR server', holdsEphi: true }, by: alice });
  const controls = [...catalogs.controls.keys()];
  for (let i = 0; i < nRisks; i++) {
    const l = 1 + (i % 5);
    const imp = 5 - (i % 3);
    const cmds = [
      { kind: 'identify-risk', risk: { riskId: `r${i}`, title: `Generated risk number ${i}`, assetIds: ['srv'], threat: `threat ${i}`, vulnerability: `weakness ${i}`, controls: [controls[i % controls.length]], source: { kind: 'assessment' } }, by: alice, catalogs },
      { kind: 'rate-risk', riskId: `r${i}`, rating: 'inherent', likelihood: l, impact: imp, rationale: 'generated' },
      { kind: 'rate-risk', riskId: `r${i}`, rating: 'residual', likelihood: Math.max(1, l - 1), impact: imp, rationale: 'generated' },
      { kind: 'plan-treatment', riskId: `r${i}`, option: 'mitigate', ownerId: 'p-carol', dueOn: '2025-10-01', plan: 'fix it', by: alice },
    ].map((c) => ({ ...c, by: alice }) as AssessmentCommand);
    s = apply(s, ...cmds);
  }
  return apply(s, { kind: 'submit', by: alice }, { kind: 'approve', by: bob }, { kind: 'complete', completedOn: '2025-12-15', nextReviewDueOn: '2026-12-15', by: alice });
}

/** Text drawn in an uncompressed pdfkit PDF (standard fonts write hex strings). */
export function pdfText(pdf: Buffer): string {
  const s = pdf.toString('latin1');
  const parts: string[] = [];
  for (const m of s.matchAll(/<([0-9a-fA-F]+)>\s*-?\d*\s*\]?\s*TJ|\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
    const hexes = (m[2] ?? `<${m[1]}>`).match(/<([0-9a-fA-F]*)>/g) ?? [];
    parts.push(hexes.map((h) => Buffer.from(h.slice(1, -1), 'hex').toString('latin1')).join(''));
  }
  return parts.join('\n');
}

import { assessmentDecider, type AssessmentCommand, type AssessmentState } from '../../../src/risk/domain/assessment';
import { shippedCatalogs } from '../../../src/risk/domain/catalogs';
import { DEFAULT_MATRIX } from '../../../src/risk/domain/matrix';
import { deciderSpec } from '../decider-spec';

export const alice = { id: 'p-alice', role: 'compliance-officer' };
export const bob = { id: 'p-bob', role: 'security-officer' };

/** A completed assessment with a few generated risks. */
export function completedAssessment(id = 'a-2025', nRisks = 3): AssessmentState {
  const catalogs = shippedCatalogs();
  const by = (actor = alice, today = '2025-06-01') => ({ actor, today });
  const controls = [...catalogs.controls.keys()];
  const commands: AssessmentCommand[] = [
    {
      kind: 'start',
      data: {
        assessmentId: id,
        programId: 'default',
        title: `Annual risk analysis ${id}`,
        periodStart: '2025-01-01',
        periodEnd: '2025-12-31',
        matrix: DEFAULT_MATRIX,
      },
      catalogs,
      ...by(),
    },
    { kind: 'register-asset', asset: { assetId: 'srv', kind: 'system', name: 'EHR server', holdsEphi: true }, ...by() },
  ];
  for (let i = 0; i < nRisks; i++) {
    const l = 1 + (i % 5);
    const imp = 5 - (i % 3);
    commands.push(
      {
        kind: 'identify-risk',
        risk: {
          riskId: `r${i}`,
          title: `Generated risk number ${i}`,
          assetIds: ['srv'],
          threat: `threat ${i}`,
          vulnerability: `weakness ${i}`,
          controls: [controls[i % controls.length]!],
          source: { kind: 'assessment' },
        },
        catalogs,
        ...by(),
      },
      { kind: 'rate-risk', riskId: `r${i}`, rating: 'inherent', likelihood: l, impact: imp, rationale: 'generated', ...by() },
      {
        kind: 'rate-risk',
        riskId: `r${i}`,
        rating: 'residual',
        likelihood: Math.max(1, l - 1),
        impact: imp,
        rationale: 'generated',
        ...by(),
      },
      { kind: 'plan-treatment', riskId: `r${i}`, option: 'mitigate', ownerId: 'p-carol', dueOn: '2025-10-01', plan: 'fix it', ...by() },
    );
  }
  commands.push(
    { kind: 'submit', ...by() },
    { kind: 'approve', ...by(bob) },
    { kind: 'complete', nextReviewDueOn: '2026-12-15', ...by(alice, '2025-12-15') },
  );
  const spec = deciderSpec(assessmentDecider);
  return spec.given(spec.history(commands)).state();
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

/**
 * The differences between last year's assessment and this one: what an assessor (and an auditor)
 * wants to see when an assessment starts from the previous one.
 */
import type { AssessmentState, Risk } from './assessment';
import { sameMatrix, type Rating } from './matrix';

export interface RiskChange {
  riskId: string;
  fromRiskId: string;
  title: string;
  inherent?: { from: Rating | null; to: Rating | null };
  residual?: { from: Rating | null; to: Rating | null };
  treatment?: { from: string | null; to: string | null };
}

export interface AssessmentDiff {
  fromAssessmentId: string;
  toAssessmentId: string;
  matrixChanged: boolean;
  assets: { added: string[]; removed: string[] };
  risks: {
    added: Array<{ riskId: string; title: string; source: Risk['source']['kind'] }>;
    notCarried: Array<{ riskId: string; title: string; reason: string }>;
    changed: RiskChange[];
    unchanged: number;
  };
}

const rt = (r?: Rating) => (r ? { likelihood: r.likelihood, impact: r.impact, score: r.score, level: r.level } : null);
const same = (a: Rating | null, b: Rating | null) => JSON.stringify(a) === JSON.stringify(b);

export function diffAssessments(prev: AssessmentState, cur: AssessmentState): AssessmentDiff {
  const carried = new Map<string, Risk>();
  for (const r of Object.values(cur.risks))
    if (r.source.kind === 'carried-over' && r.source.fromAssessmentId === prev.assessmentId) carried.set(r.source.fromRiskId, r);
  // Names are sealed free text: a carried-over asset keeps its predecessor's sealed value, so the JSON matches.
  const assetKey = (a: { kind: string; name: unknown }) => `${a.kind}:${JSON.stringify(a.name)}`;
  const prevAssetNames = new Map(Object.values(prev.assets).map((a) => [assetKey(a), a.assetId]));
  const curAssetNames = new Set(Object.values(cur.assets).map(assetKey));
  const diff: AssessmentDiff = {
    fromAssessmentId: prev.assessmentId,
    toAssessmentId: cur.assessmentId,
    matrixChanged: !sameMatrix(prev.matrix, cur.matrix),
    assets: {
      added: Object.values(cur.assets)
        .filter((a) => !prevAssetNames.has(assetKey(a)))
        .map((a) => a.assetId),
      removed: [...prevAssetNames.entries()].filter(([k]) => !curAssetNames.has(k)).map(([, id]) => id),
    },
    risks: { added: [], notCarried: [], changed: [], unchanged: 0 },
  };
  for (const r of Object.values(cur.risks)) {
    if (!(r.source.kind === 'carried-over' && r.source.fromAssessmentId === prev.assessmentId))
      diff.risks.added.push({ riskId: r.riskId, title: r.title, source: r.source.kind });
  }
  for (const p of Object.values(prev.risks)) {
    const c = carried.get(p.riskId);
    if (!c) {
      diff.risks.notCarried.push({ riskId: p.riskId, title: p.title, reason: p.treatment?.option === 'avoid' ? 'avoided' : 'removed' });
      continue;
    }
    const change: RiskChange = { riskId: c.riskId, fromRiskId: p.riskId, title: c.title };
    let changed = false;
    if (!same(rt(p.inherent), rt(c.inherent))) {
      change.inherent = { from: rt(p.inherent), to: rt(c.inherent) };
      changed = true;
    }
    if (!same(rt(p.residual), rt(c.residual))) {
      change.residual = { from: rt(p.residual), to: rt(c.residual) };
      changed = true;
    }
    const pt = p.treatment?.option ?? null;
    const ct = c.treatment?.option ?? null;
    if (pt !== ct) {
      change.treatment = { from: pt, to: ct };
      changed = true;
    }
    if (changed) diff.risks.changed.push(change);
    else diff.risks.unchanged++;
  }
  return diff;
}

/**
 * The likelihood × impact matrix. Each assessment freezes its matrix when it starts, so ratings
 * stay comparable within it and a later change of method never re-rates old assessments.
 */
export type RiskLevel = 'low' | 'moderate' | 'high' | 'critical';
export const RISK_LEVELS: readonly RiskLevel[] = ['low', 'moderate', 'high', 'critical'];

export interface RiskMatrix {
  id: string;
  /** Labels, lowest first; a rating uses 1..length. */
  likelihood: string[];
  impact: string[];
  /** Score (likelihood × impact) at or above which each level starts, ascending; the first starts at 1. */
  bands: Array<{ level: RiskLevel; minScore: number }>;
}

export const DEFAULT_MATRIX: RiskMatrix = {
  id: 'nist-800-30-5x5',
  likelihood: ['Very low', 'Low', 'Moderate', 'High', 'Very high'],
  impact: ['Very low', 'Low', 'Moderate', 'High', 'Very high'],
  bands: [
    { level: 'low', minScore: 1 },
    { level: 'moderate', minScore: 5 },
    { level: 'high', minScore: 10 },
    { level: 'critical', minScore: 20 },
  ],
};

export function matrixProblems(m: RiskMatrix): string[] {
  const p: string[] = [];
  if (!m.id) p.push('matrix.id: required');
  if (m.likelihood.length < 2 || m.likelihood.length > 10) p.push('matrix.likelihood: expected 2 to 10 levels');
  if (m.impact.length < 2 || m.impact.length > 10) p.push('matrix.impact: expected 2 to 10 levels');
  if (m.bands.length === 0 || m.bands[0].minScore !== 1) p.push('matrix.bands: the first band must start at score 1');
  for (let i = 1; i < m.bands.length; i++) {
    if (m.bands[i].minScore <= m.bands[i - 1].minScore) p.push(`matrix.bands[${i}].minScore: must be greater than the previous band's`);
    if (RISK_LEVELS.indexOf(m.bands[i].level) <= RISK_LEVELS.indexOf(m.bands[i - 1].level))
      p.push(`matrix.bands[${i}].level: levels must rise`);
  }
  return p;
}

export interface Rating {
  likelihood: number;
  impact: number;
  score: number;
  level: RiskLevel;
}

export class RatingError extends Error {
  readonly code = 'RISK_RULE';
}

export function rate(m: RiskMatrix, likelihood: number, impact: number): Rating {
  if (!Number.isInteger(likelihood) || likelihood < 1 || likelihood > m.likelihood.length) {
    throw new RatingError(`likelihood: expected a whole number from 1 to ${m.likelihood.length}`);
  }
  if (!Number.isInteger(impact) || impact < 1 || impact > m.impact.length) {
    throw new RatingError(`impact: expected a whole number from 1 to ${m.impact.length}`);
  }
  const score = likelihood * impact;
  let level = m.bands[0].level;
  for (const b of m.bands) if (score >= b.minScore) level = b.level;
  return { likelihood, impact, score, level };
}

export function sameMatrix(a: RiskMatrix, b: RiskMatrix): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function levelRank(l: RiskLevel): number {
  return RISK_LEVELS.indexOf(l);
}

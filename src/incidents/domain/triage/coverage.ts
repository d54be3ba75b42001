import { JURISDICTIONS } from './jurisdictions';
import { versionNeedsReview, type StateOverlaySet, type StateRuleVersion, type Threshold } from './state-overlays';

/**
 * The coverage table of the state overlays (markdown), as printed by `safeharbor triage coverage`
 * and kept in src/incidents/README.md (a test fails when the README drifts from the data). Pure.
 */

function threshold(t: Threshold | undefined): string {
  if (!t) return 'any';
  const who = t.of === 'individuals' ? ' individuals' : '';
  return 'moreThan' in t ? `>${t.moreThan}${who}` : `≥${t.atLeast}${who}`;
}

function notices(v: StateRuleVersion): string {
  const list = v.notices.map(
    (n) => `${n.id} ${threshold(n.threshold)}${v.hipaa.effect === 'deemed' && n.hipaaEntities === 'excused' ? ' (excused)' : ''}`,
  );
  if (v.residents.creditMonitoring)
    list.push(
      `credit monitoring ${v.residents.creditMonitoring.months} mo${v.hipaa.effect === 'deemed' && v.residents.creditMonitoring.hipaaEntities === 'excused' ? ' (excused)' : ''}`,
    );
  return list.length ? list.join('; ') : '—';
}

function residentsClock(v: StateRuleVersion): string {
  const d = v.residents.due;
  if ('days' in d && !('after' in d)) return `${d.days} days`;
  if ('businessDays' in d && !('after' in d)) return `${d.businessDays} business days`;
  return 'no fixed day';
}

export interface CoverageSummary {
  jurisdictions: number;
  rules: number;
  versions: number;
  versionsNeedingReview: number;
  reviewReasons: number;
}

export function coverageSummary(overlays: StateOverlaySet): CoverageSummary {
  let rules = 0;
  let versions = 0;
  let flagged = 0;
  let reasons = 0;
  for (const file of overlays.byJurisdiction.values()) {
    for (const rule of file.rules) {
      rules++;
      for (const v of rule.versions) {
        versions++;
        if (versionNeedsReview(v) || file.calendar?.needsLegalReview) flagged++;
        reasons += [
          v.needsLegalReview,
          v.residents.needsLegalReview,
          v.residents.letter?.needsLegalReview,
          v.residents.creditMonitoring?.needsLegalReview,
          ...v.notices.map((n) => n.needsLegalReview),
        ].filter(Boolean).length;
      }
    }
    if (file.calendar?.needsLegalReview) reasons++;
  }
  return { jurisdictions: overlays.byJurisdiction.size, rules, versions, versionsNeedingReview: flagged, reviewReasons: reasons };
}

export function coverageTable(overlays: StateOverlaySet): string {
  const s = coverageSummary(overlays);
  const missing = JURISDICTIONS.filter((j) => !overlays.byJurisdiction.has(j));
  const lines = [
    `${s.jurisdictions} jurisdictions, ${s.rules} rules, ${s.versions} rule versions; ${s.versionsNeedingReview} versions marked needs legal review (${s.reviewReasons} reasons).` +
      (missing.length ? ` No statute on file: ${missing.join(', ')}.` : ''),
    '',
    '| Code | Jurisdiction | Rule | Versions (effective from) | HIPAA | Residents’ clock | Notices (threshold) | Legal review |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const codes = [...overlays.byJurisdiction.keys()].sort();
  for (const code of codes) {
    const file = overlays.byJurisdiction.get(code)!;
    for (const rule of file.rules) {
      const latest = rule.versions[rule.versions.length - 1];
      const review = rule.versions.some(versionNeedsReview) || file.calendar?.needsLegalReview ? 'needs legal review' : 'sourced';
      lines.push(
        `| ${code} | ${file.name} | ${latest.statute.replace(/\|/g, '/')} | ${rule.versions.map((v) => v.effectiveFrom).join(', ')} | ${latest.hipaa.effect} | ${residentsClock(latest)} | ${notices(latest)} | ${review} |`,
      );
    }
  }
  return lines.join('\n');
}

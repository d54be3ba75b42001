import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildOverlaySet, versionNeedsReview } from '../../../src/incidents/domain/triage/state-overlays';
import { loadStateOverlays, parseOverlayText } from '../../../src/incidents/infrastructure/state-overlays.loader';

/**
 * Issue 13, item 8: every jurisdiction file whose content counsel has not reviewed says so. Each
 * rule version carries a `needsLegalReview` reason (on the version, a duty or the file's
 * calendar) or names the review record (`legalReview: { reviewedBy, reviewedOn, record }`).
 * Read from the YAML itself, never from a compiled copy.
 */
const DIR = join(__dirname, '../../../workflows/state-overlays');
const set = loadStateOverlays(DIR, join(DIR, 'no-compiled-copy.json'));

describe('state overlays: legal review marks', () => {
  it('reads every overlay file of the folder', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBe(54);
    expect(set.byJurisdiction.size).toBe(files.length);
  });

  it('every rule version carries the needs-legal-review mark or names a review record', () => {
    const unmarked: string[] = [];
    let versions = 0;
    for (const [code, overlay] of set.byJurisdiction)
      for (const rule of overlay.rules)
        for (const v of rule.versions) {
          versions++;
          const marked = versionNeedsReview(v) || overlay.calendar?.needsLegalReview !== undefined;
          if (!marked && !v.legalReview) unmarked.push(`${code}.yaml ${v.version}`);
        }
    expect(unmarked).toEqual([]);
    expect(versions).toBeGreaterThanOrEqual(62);
  });

  it('a mark states its reason; a review record names who, when and where it is kept', () => {
    for (const [code, overlay] of set.byJurisdiction)
      for (const rule of overlay.rules)
        for (const v of rule.versions) {
          if (v.needsLegalReview !== undefined) expect(`${code}: ${v.needsLegalReview.trim().length > 20}`).toBe(`${code}: true`);
          if (v.legalReview)
            expect(v.legalReview).toEqual({ reviewedBy: expect.any(String), reviewedOn: expect.any(String), record: expect.any(String) });
        }
  });

  it('the loader accepts a complete review record and refuses one without its record', () => {
    const yaml = (review: string) => `jurisdiction: VT
name: Vermont
rules:
  - id: vt-test
    title: test
    versions:
      - version: VT-test@2020-01-01
        effectiveFrom: 2020-01-01
        statute: test statute
${review}
        sources: [{ title: a source, consulted: 2026-12-04 }]
        scope: { records: [electronic], personalInformation: { withName: [ssn], citation: c } }
        hipaa: { effect: none, text: none }
        residents: { due: { days: 45 }, text: t, citation: c }
`;
    const ok = buildOverlaySet([
      parseOverlayText('VT.yaml', yaml('        legalReview: { reviewedBy: A. Counsel, reviewedOn: 2026-12-01, record: memo LR-17 }')),
    ]);
    expect(ok.byJurisdiction.get('VT')!.rules[0]!.versions[0]!.legalReview).toEqual({
      reviewedBy: 'A. Counsel',
      reviewedOn: '2026-12-01',
      record: 'memo LR-17',
    });
    expect(() =>
      buildOverlaySet([parseOverlayText('VT.yaml', yaml('        legalReview: { reviewedBy: A. Counsel, reviewedOn: 2026-12-01 }'))]),
    ).toThrow(/legalReview\.record/);
  });
});

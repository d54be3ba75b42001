import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverageSummary, coverageTable } from '../../../src/incidents/domain/triage/coverage';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';

const overlays = loadStateOverlays();

describe('coverage table', () => {
  it('src/incidents/README.md carries exactly the table generated from the overlays', () => {
    const readme = readFileSync(join(__dirname, '../../../src/incidents/README.md'), 'utf8');
    const between = readme.slice(
      readme.indexOf('<!-- coverage:start -->\n') + '<!-- coverage:start -->\n'.length,
      readme.indexOf('<!-- coverage:end -->'),
    );
    // Regenerate with: safeharbor overlays coverage (then paste between the markers).
    expect(between.trimEnd()).toBe(coverageTable(overlays));
  });

  it('counts jurisdictions, rules and review flags from the data', () => {
    const s = coverageSummary(overlays);
    expect(s.jurisdictions).toBe(54);
    expect(s.rules).toBeGreaterThanOrEqual(54);
    expect(s.versionsNeedingReview).toBeGreaterThan(0);
    expect(s.versionsNeedingReview).toBeLessThanOrEqual(s.versions);
    const table = coverageTable(overlays);
    expect(table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Code')).length).toBe(s.rules);
    expect(table).toContain('No statute on file: AS, MP.');
  });
});

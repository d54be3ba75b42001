/**
 * The incident pages in Chromium: a responder reports an incident with the guided form, uploads
 * the affected-individuals CSV whose ZIP column has another name (mapped in the column-mapping
 * step) and two bad rows (listed by line and reason), imports the corrected file, records the
 * exception, safeguards and four-factor assessment; a compliance officer decides triage and sees
 * every obligation and the map. axe on every page; screenshots in test-results/console/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeInBrowser, ledgerEvents, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';

const STATES = ['CA', 'CA', 'NY', 'TX', 'OH', 'OH', 'OH', 'FL', 'MA', 'WA'];
function csv(bad: boolean): string {
  const rows = ['full_name,street,city,state,postal_code,email'];
  STATES.forEach((st, i) =>
    rows.push(`Person ${i},${i + 1} Main St,Springfield,${st},${bad && i % 4 === 1 ? 'ABCDE' : `9${String(i).padStart(4, '0')}`},`),
  );
  return rows.join('\n') + '\n';
}

describeInBrowser('console: incidents (report, affected list, assessment, triage, timeline)', () => {
  let h: ConsoleHarness;
  let responder: Person;
  let officer: Person;
  let incidentUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'sh-csv-'));

  beforeAll(async () => {
    h = await startConsole();
    const admin = await signInBootstrapAdmin(h);
    responder = await invite(h, admin, 'Rita Responder', 'rita@example.org', 'incident-responder');
    officer = await invite(h, admin, 'Olivia Officer', 'olivia@example.org', 'compliance-officer');
  }, 300_000);
  afterAll(async () => {
    await h?.close();
  });

  test('the empty list says what to do first; the guided form reports the incident', async () => {
    const page = responder.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
    await page.getByTestId('empty-state').getByText('No incidents reported yet').waitFor();
    await expectAccessible(responder, 'incidents-empty');
    await page.getByRole('link', { name: 'Report an incident' }).click();
    await page.getByLabel('Title').fill('Laptop stolen from clinic car');
    await page.getByLabel('What happened').fill('Unencrypted laptop with scheduling exports taken from a parked car.');
    await page.getByLabel('Discovered on').fill('2025-03-03');
    await expectAccessible(responder, 'report-incident');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Occurred from').fill('2025-03-01');
    // An end before the start: the API's reason appears beside the field, on its step.
    await page.getByLabel('Occurred to').fill('2025-02-01');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Report incident' }).click();
    await page.locator('.mantine-TextInput-error').filter({ hasText: 'must not be before from' }).waitFor();
    await page.getByLabel('Occurred to').fill('2025-03-02');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Report incident' }).click();
    await page.getByRole('heading', { name: 'Laptop stolen from clinic car', level: 1 }).waitFor();
    incidentUrl = page.url();
    expect(incidentUrl).toMatch(/\/incidents\/[0-9a-f-]{36}$/);
    await expectAccessible(responder, 'incident-facts');
  });

  test('affected individuals: map a renamed column, see rejected rows by line and reason, import the fix', async () => {
    const page = responder.page;
    await page.getByRole('button', { name: /Affected/ }).click();
    await page.getByTestId('empty-state').getByText('No list imported yet').waitFor();
    const broken = join(dir, 'affected-broken.csv');
    writeFileSync(broken, csv(true));
    await page.getByLabel('CSV file of affected individuals').setInputFiles(broken);
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    await mapping.waitFor();
    await page.getByText('full_name, street, city, state, postal_code, email').waitFor();
    // state and email match by name; the rest are chosen from the file's header.
    expect(await page.getByRole('button', { name: /Import affected-broken.csv/ }).isDisabled()).toBe(true);
    await page.getByText(/Choose a column for Full name, Address line 1, ZIP code/).waitFor();
    await expectAccessible(responder, 'affected-mapping');
    for (const [field, column] of [
      ['Full name', 'full_name'],
      ['Address line 1', 'street'],
      ['ZIP code', 'postal_code'],
    ]) {
      await page.getByRole('combobox', { name: `Column for ${field}`, exact: true }).click();
      await page.getByRole('option', { name: column, exact: true }).click();
    }
    await page.getByRole('button', { name: 'Import affected-broken.csv' }).click();
    await page.getByRole('table', { name: 'Rejected rows' }).getByRole('row').nth(3).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('stat-rejected').textContent()).toBe('3');
    const rows = await page.getByRole('table', { name: 'Rejected rows' }).locator('tbody tr').allTextContents();
    expect(rows).toEqual(['3zipnot a 5-digit ZIP or ZIP+4', '7zipnot a 5-digit ZIP or ZIP+4', '11zipnot a 5-digit ZIP or ZIP+4']);
    await expectAccessible(responder, 'affected-rejected');

    const fixed = join(dir, 'affected-fixed.csv');
    writeFileSync(fixed, csv(false));
    await page.getByLabel('CSV file of affected individuals').setInputFiles(fixed);
    await page.getByRole('combobox', { name: 'Column for ZIP code', exact: true }).click();
    await page.getByRole('option', { name: 'postal_code', exact: true }).click();
    await page.getByRole('combobox', { name: 'Column for Full name', exact: true }).click();
    await page.getByRole('option', { name: 'full_name', exact: true }).click();
    await page.getByRole('combobox', { name: 'Column for Address line 1', exact: true }).click();
    await page.getByRole('option', { name: 'street', exact: true }).click();
    await page.getByRole('button', { name: 'Import affected-fixed.csv' }).click();
    await page.getByTestId('list-summary').getByText('2', { exact: true }).first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('stat-rejected').textContent()).toBe('0');
    expect(await page.getByTestId('stat-accepted').textContent()).toBe('10');
    const lists = await ledgerEvents(h.t, 'AffectedListImported');
    expect(lists.map((l) => (l.data.counts as { rejected: number }).rejected)).toEqual([3, 0]);
    // No PHI in the ledger: counts and digests only.
    expect(JSON.stringify(lists)).not.toContain('Main St');
  });

  test('exception, safeguards and the four factors, each rationale required', async () => {
    const page = responder.page;
    await page.getByRole('button', { name: /Exception/ }).click();
    await page.getByLabel('Rationale').fill('A thief is not a workforce member; no exception applies.');
    await page.getByRole('button', { name: 'Record exception assessment' }).click();
    await page.getByRole('heading', { name: 'Safeguards', level: 2 }).waitFor();
    await expectAccessible(responder, 'incident-safeguards');
    await page.getByRole('button', { name: 'Record safeguards' }).click();
    await page.getByRole('heading', { name: 'Risk assessment', level: 2 }).waitFor();
    const factors = page.locator('fieldset');
    expect(await factors.count()).toBe(4);
    for (let i = 0; i < 4; i++) await factors.nth(i).getByRole('radio', { name: 'High' }).check();
    for (let i = 0; i < 3; i++)
      await factors
        .nth(i)
        .getByLabel('Rationale')
        .fill(`Factor ${i + 1}: stolen by an unknown person; readable.`);
    // The fourth rationale is left empty: the browser refuses the form before the API sees it.
    await page.getByRole('button', { name: 'Record risk assessment' }).click();
    expect(
      await factors
        .nth(3)
        .getByLabel('Rationale')
        .evaluate((e) => (e as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
    ).toBe(true);
    await factors.nth(3).getByLabel('Rationale').fill('Nothing recovered; no assurance of destruction.');
    await expectAccessible(responder, 'incident-risk');
    await page.getByRole('button', { name: 'Record risk assessment' }).click();
    await page.getByRole('heading', { name: 'Triage', level: 2 }).waitFor();
    await page.getByText('A compliance officer decides triage').waitFor();
    const risk = await ledgerEvents(h.t, 'RiskAssessmentRecorded');
    expect(risk[0]!.data).toMatchObject({ complete: true, lowProbabilityOfCompromise: false });
  });

  test('the compliance officer decides triage: obligations with citations and due dates, and the map', async () => {
    const page = officer.page;
    await page.goto('/incidents');
    await page.getByRole('table', { name: 'Incidents' }).getByRole('link', { name: 'Laptop stolen from clinic car' }).click();
    await page.getByRole('heading', { name: 'Triage', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Decide triage' }).click();
    const table = page.getByRole('table', { name: 'Obligations' });
    await table.waitFor();
    expect(await page.getByTestId('incident-status').textContent()).toMatch(/Breach|Notifying/);
    const individual = table.locator('tr[data-obligation]').filter({ hasText: 'Notice to individuals' }).first();
    expect(await individual.textContent()).toMatch(/164\.404.*Fri, May 2, 2025/);
    expect(await table.locator('tr[data-obligation]').filter({ hasText: 'State: notice to residents' }).count()).toBeGreaterThan(0);
    expect(await page.locator('path[data-state="CA"]').getAttribute('data-owed')).toBeTruthy();
    expect(await page.locator('path[data-state="NV"]').getAttribute('data-owed')).toBeNull();
    await expectAccessible(officer, 'incident-triage');
    await page.getByRole('button', { name: 'See the timeline' }).click();
    const timeline = page.getByRole('table', { name: 'Timeline' });
    await timeline.waitFor();
    const types = await timeline.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types.slice(0, 7)).toEqual([
      'IncidentReported',
      'AffectedListImported',
      'AffectedListImported',
      'ExceptionAssessed',
      'SafeguardsRecorded',
      'RiskAssessmentRecorded',
      'TriageDecided',
    ]);
    await expectAccessible(officer, 'incident-timeline');
    await page.goto('/incidents');
    await page.getByRole('table', { name: 'Incidents' }).waitFor();
    await expectAccessible(officer, 'incidents');
  });
});

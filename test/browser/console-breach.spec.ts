/**
 * A whole breach in Chromium, by a responder and two compliance officers: the responder reports
 * an incident with the guided form, uploads the affected-individuals CSV whose ZIP column has
 * another name (mapped in the column-mapping step) and three bad rows (listed by line and reason),
 * imports the corrected file, records the exception, safeguards and four-factor assessment; the
 * first officer decides triage (every obligation, the map), drafts the letter, previews the real
 * PDF and cannot approve it herself; the second officer approves; the first releases and watches
 * delivery to the end, downloads a print file, looks up one person's proof by the letter
 * reference and exports the evidence. axe on every page; screenshots in test-results/console/.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeInBrowser, ledgerEvents, screenshot, startConsole, type ConsoleHarness, type Person } from '../support/console-browser';
import { expectAccessible, invite, signInBootstrapAdmin } from '../support/console-people';

const ORG = {
  name: 'Riverside Community Health',
  entityType: 'health-care-provider',
  letterhead: { lines: ['450 Harbor Avenue, Columbus OH 43004'] },
  returnAddress: { line1: 'PO Box 1200', city: 'Columbus', state: 'OH', zip: '43004' },
  contact: {
    tollFreeNumber: '1-888-555-0142',
    email: 'privacy@riverside.example',
    website: 'https://riverside.example/notice',
    postalAddress: { line1: '450 Harbor Avenue', city: 'Columbus', state: 'OH', zip: '43004' },
    contactPerson: { name: 'Dana Whitfield', title: 'Privacy Officer', phone: '614-555-0199', email: 'dana@riverside.example' },
  },
  signatory: { name: 'Dana Whitfield', title: 'Privacy Officer' },
  mailFrom: 'notices@riverside.example',
  publicBaseUrl: 'https://notices.riverside.example',
};
const STATES = ['CA', 'CA', 'NY', 'TX', 'OH', 'OH', 'OH', 'FL', 'MA', 'WA'];
function csv(bad: boolean): string {
  const rows = ['full_name,street,city,state,postal_code,email'];
  STATES.forEach((st, i) =>
    rows.push(`Person ${i},${i + 1} Main St,Springfield,${st},${bad && i % 4 === 1 ? 'ABCDE' : `9${String(i).padStart(4, '0')}`},`),
  );
  return rows.join('\n') + '\n';
}

describeInBrowser(
  'console: a whole breach (report, affected list, assessment, triage, notice, two-person approval, delivery, look-up, evidence)',
  () => {
    let h: ConsoleHarness;
    let responder: Person;
    let officer: Person;
    let second: Person;
    let batchUrl: string;
    let incidentUrl: string;
    const dir = mkdtempSync(join(tmpdir(), 'sh-csv-'));

    beforeAll(async () => {
      const orgFile = join(dir, 'organization.json');
      writeFileSync(orgFile, JSON.stringify(ORG));
      // The notices settings read process.env (not the app's env); restored in afterAll.
      Object.assign(process.env, { NOTICES_ORGANIZATION_FILE: orgFile, NOTICES_EMAIL_RATE: '0', NOTICES_CHUNK_SIZE: '4' });
      h = await startConsole();
      const admin = await signInBootstrapAdmin(h);
      responder = await invite(h, admin, 'Rita Responder', 'rita@example.org', 'incident-responder');
      officer = await invite(h, admin, 'Olivia Officer', 'olivia@example.org', 'compliance-officer');
      second = await invite(h, admin, 'Oscar Officer', 'oscar@example.org', 'compliance-officer');
    }, 300_000);
    afterAll(async () => {
      await h?.close();
      for (const k of ['NOTICES_ORGANIZATION_FILE', 'NOTICES_EMAIL_RATE', 'NOTICES_CHUNK_SIZE']) delete process.env[k];
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

    test('the first officer drafts the letter from the incident, previews the real PDF and cannot approve it herself', async () => {
      const page = officer.page;
      await page.goto(incidentUrl);
      await page.getByRole('button', { name: /Triage/ }).click();
      await page.getByRole('link', { name: 'Draft the notice to individuals' }).click();
      const what = page.getByLabel('What happened, in plain language');
      await what.waitFor();
      // Drafted from the incident's facts, never its internal summary; the rest is the officer's to write.
      expect(await what.inputValue()).toBe("An incident affected our records holding our patients' health information.");
      expect(await page.getByLabel('Steps individuals should take').inputValue()).toMatch(/Call our toll-free number/);
      expect(await page.getByLabel('Breach started').inputValue()).toBe('2025-03-01');
      // The incident never said what kind of breach, nor where: the HHS report needs both.
      await page.getByRole('combobox', { name: 'Type of breach (HHS report)' }).click();
      await page.getByRole('option', { name: 'Theft' }).click();
      const where = 'Where the information was (HHS report)';
      await page
        .getByRole('combobox', { name: where })
        .or(page.getByRole('textbox', { name: where }))
        .first()
        .click({ force: true });
      await page.getByRole('option', { name: 'Laptop' }).click();
      await page.keyboard.press('Escape');
      await page.getByLabel('Investigation').fill('We reported the theft to the police and hired a forensic firm.');
      await page.getByLabel('Mitigation of harm').fill('We disabled the accounts on the laptop.');
      await page.getByLabel('Protection against further breaches').fill('Every laptop is now encrypted.');
      await page.getByLabel('Actions taken (one per line)').fill('Encrypted all portable devices');
      const safeguards = 'Safeguards in place before the breach (HHS report)';
      await page
        .getByRole('combobox', { name: safeguards })
        .or(page.getByRole('textbox', { name: safeguards }))
        .or(page.getByRole('searchbox', { name: safeguards }))
        .first()
        .click({ force: true }); // the pill container over the small input field takes the pointer
      await page.getByRole('option', { name: 'Firewalls' }).click();
      await page.keyboard.press('Escape');
      await page.getByLabel('Letter date').fill('2025-03-12');
      await expectAccessible(officer, 'notice-draft');
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page
        .getByRole('heading', { name: 'Notice to individuals', level: 1, exact: true })
        .waitFor()
        .catch(async (e) => {
          await screenshot(page, 'debug-draft');
          throw e;
        });
      batchUrl = page.url();
      const sample = page.waitForResponse((r) => /\/samples\/0$/.test(r.url()), { timeout: 120_000 });
      await page.getByRole('button', { name: 'Preview the letters' }).click();
      const pdf = await sample;
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      // The frame's body is Chromium's PDF viewer; the letter itself is fetched again with the session.
      expect((await (await page.request.get(pdf.url())).body()).subarray(0, 5).toString()).toBe('%PDF-');
      await page
        .getByTestId('preview-counts')
        .getByText(/^10 recipients/)
        .waitFor();
      // The two-person rule is stated before any click, and the button cannot be pressed.
      await page.getByTestId('two-person-rule').waitFor();
      expect(await page.getByRole('button', { name: 'Approve this notice' }).isDisabled()).toBe(true);
      await expectAccessible(officer, 'notice-preview');
      // The API refuses it too, should the page be bypassed.
      const refused = await page.evaluate(async (id) => {
        const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
        const b = (await (await fetch(`/v1/notices/batches/${id}`)).json()) as { preview: { contentDigest: string } };
        const r = await fetch(`/v1/notices/batches/${id}/approve`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken },
          body: JSON.stringify({ contentDigest: b.preview.contentDigest }),
        });
        return r.status;
      }, batchUrl.split('/').pop()!);
      expect(refused).toBe(422);
    });

    test('the second officer approves; the first releases and watches delivery to the end; print file, proof, evidence', async () => {
      await second.page.goto(batchUrl);
      await second.page.getByRole('button', { name: 'Approve this notice' }).click();
      await second.page.getByTestId('approved').waitFor();
      const page = officer.page;
      await page.reload();
      await page.getByRole('button', { name: /^Release 10 notices$/ }).click();
      await page.getByTestId('delivery-progress').waitFor();
      await page
        .getByTestId('delivery-progress')
        .getByText(/10 of 10 delivered.*finished/)
        .waitFor({ timeout: 180_000 });
      await page.getByRole('table', { name: 'Print files' }).waitFor();
      await expectAccessible(officer, 'notice-delivered');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'print file (PDF)' }).first().click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^print-.*\.pdf$/);
      const manifestUrl = await page.getByRole('link', { name: 'manifest (CSV)' }).first().getAttribute('href');
      const manifest = await (await page.request.get(manifestUrl!)).text();
      const letterId = /\b(L[0-9A-F]{15})\b/.exec(manifest)![1]!;

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Look up a notice' }).click();
      await page.getByLabel('Letter reference').fill(letterId.toLowerCase());
      await page.getByRole('button', { name: 'Look up' }).click();
      const proof = page.getByRole('table', { name: 'Notices sent to this person' });
      await proof.waitFor();
      expect(await proof.locator('tbody tr').first().textContent()).toMatch(new RegExp(`^${letterId}First-class mail.*print file`));
      await expectAccessible(officer, 'lookup');
      const reads = await ledgerEvents(h.t, 'PhiAccessed');
      expect(reads.some((e) => JSON.stringify(e.data).includes('/v1/notices/letters/'))).toBe(true);

      await page.goto(incidentUrl);
      const [evidence] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Export evidence (ZIP)' }).click(),
      ]);
      expect(evidence.suggestedFilename()).toMatch(/^evidence-.*\.zip$/);
    });

    test('ledger integrity: "verify now" recomputes the tree; the keyboard alone reaches and presses the button', async () => {
      const page = officer.page;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).click();
      await page.getByRole('heading', { name: 'Ledger integrity', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Verify now' }).focus();
      await page.keyboard.press('Enter');
      const result = page.getByTestId('verify-result');
      await result.waitFor({ timeout: 120_000 });
      expect(await result.textContent()).toMatch(/^Verified: \d+ events/);
      await expectAccessible(officer, 'ledger');
    });

    test('keyboard: the first Tab is the skip link, and Tab reaches the incident steps', async () => {
      const page = officer.page;
      await page.goto(incidentUrl);
      await page.getByRole('heading', { name: 'Laptop stolen from clinic car', level: 1 }).waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = /Risk assessment/.test(String(await page.evaluate('document.activeElement?.textContent ?? ""')));
      }
      expect(reached).toBe(true);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Risk assessment', level: 2 }).waitFor();
    });
  },
);

import { PassThrough, Readable } from 'node:stream';
import type { AffectedIndividual } from '../../../src/incidents/domain/affected-individual';
import { importAffectedIndividuals, type ImportIssue } from '../../../src/incidents/import/affected-import';
import { normalizeState, normalizeZip, ZERO_ZIP_STATES } from '../../../src/incidents/import/normalize';

/**
 * Nobody silently dropped (issue 13, item 1): unambiguous spreadsheet faults are repaired and
 * reported by line, column and kind of change (never the value); what is still wrong is kept as
 * an unresolved row and counted under its state (or `unknown`).
 */
const HEADER = 'name,line1,city,state,zip';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
const lines = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

async function run(csv: string) {
  const out = collect();
  const rep = collect();
  const unr = collect();
  const summary = await importAffectedIndividuals({
    input: Readable.from([Buffer.from(csv, 'utf8')]),
    output: out.stream,
    report: rep.stream,
    unresolved: unr.stream,
    idKey: Buffer.alloc(32, 3),
  });
  return {
    summary,
    records: lines<AffectedIndividual>(out.text()),
    issues: lines<ImportIssue>(rep.text()),
    reportText: rep.text(),
    unresolved: lines<{ line: number; column?: string; reason: string; state: string; cells: Record<string, string> }>(unr.text()),
  };
}

describe('normalization rules', () => {
  it('restores the leading zero of a 4-digit ZIP only in states whose ZIPs all begin with 0', () => {
    expect([...ZERO_ZIP_STATES].sort()).toEqual(['CT', 'MA', 'ME', 'NH', 'NJ', 'PR', 'RI', 'VI', 'VT']);
    expect(normalizeZip('2139', 'MA', 'zip')).toEqual({
      zip: '02139',
      change: { column: 'zip', change: 'zip-leading-zero-restored', from: 'NNNN', to: 'NNNNN' },
    });
    expect(normalizeZip('6103-1234', 'CT', 'zip')).toMatchObject({ zip: '06103-1234' });
    expect(normalizeZip('71021234', 'NJ', 'zip')).toMatchObject({ zip: '07102-1234' });
    // Ohio ZIPs begin with 4: a 4-digit one is not guessable.
    expect(normalizeZip('4300', 'OH', 'zip')).toEqual({ error: 'not a 5-digit ZIP or ZIP+4' });
    expect(normalizeZip('2139', '', 'zip')).toEqual({ error: 'a 4-digit ZIP with no state to restore its leading zero from' });
  });

  it('hyphenates a 9-digit ZIP+4 and leaves the two correct forms alone', () => {
    expect(normalizeZip('432151234', 'OH', 'zip')).toEqual({
      zip: '43215-1234',
      change: { column: 'zip', change: 'zip-plus4-hyphenated', from: 'NNNNNNNNN', to: 'NNNNN-NNNN' },
    });
    expect(normalizeZip('43215', 'OH', 'zip')).toEqual({ zip: '43215' });
    expect(normalizeZip('43215-1234', 'OH', 'zip')).toEqual({ zip: '43215-1234' });
    expect(normalizeZip('4321X', 'OH', 'zip')).toHaveProperty('error');
  });

  it('turns state names into USPS codes and upper-cases codes', () => {
    expect(normalizeState('Massachusetts', 'state')).toMatchObject({ code: 'MA', change: { change: 'state-name-to-code' } });
    expect(normalizeState('new  york', 'state')).toMatchObject({ code: 'NY' });
    expect(normalizeState('District of Columbia', 'state')).toMatchObject({ code: 'DC' });
    expect(normalizeState('ma', 'state')).toMatchObject({ code: 'MA', change: { change: 'state-code-uppercased' } });
    expect(normalizeState('MA', 'state')).toEqual({ code: 'MA' });
    expect(normalizeState('Mass.', 'state')).toHaveProperty('error');
  });
});

describe('the import with repairs and unresolved rows', () => {
  const csv = [
    HEADER,
    'Abe Adams,1 Elm St,Boston,MA,2108', // 2: stripped zero
    'Bea Brown,2 Elm St,Cambridge,Massachusetts,2139', // 3: state name + stripped zero
    '  Cal Cole ,3 Elm St,Columbus,OH,432151234', // 4: spaces + ZIP+4 without hyphen
    'Dee Dunn,4 Elm St,Columbus,OH,4321', // 5: Ohio 4-digit ZIP: unresolved (OH)
    'Eve Eng,5 Elm St,Somewhere,Atlantis,12345', // 6: unknown state: unresolved (unknown)
    'Fay Fox,,,NY,', // 7: no address: accepted, insufficient contact
  ].join('\n');

  it('repairs what is unambiguous and reports each change by line, column and kind, never the value', async () => {
    const { summary, records, issues, reportText } = await run(csv);
    expect(records.map((r) => r.address?.zip ?? null)).toEqual(['02108', '02139', '43215-1234', null]);
    expect(records[1].address?.state).toBe('MA');
    expect(records[2].name).toBe('Cal Cole');
    expect(issues.filter((i) => i.kind === 'normalized').map((i) => [i.line, i.column, i.change, i.from, i.to])).toEqual([
      [2, 'zip', 'zip-leading-zero-restored', 'NNNN', 'NNNNN'],
      [3, 'state', 'state-name-to-code', 'name', 'AA'],
      [3, 'zip', 'zip-leading-zero-restored', 'NNNN', 'NNNNN'],
      [4, 'name', 'spaces-trimmed', '11 characters', '8 characters'],
      [4, 'zip', 'zip-plus4-hyphenated', 'NNNNNNNNN', 'NNNNN-NNNN'],
    ]);
    expect(summary.normalized).toBe(5);
    for (const secret of ['2108', '2139', 'Cal', 'Massachusetts', '4321', 'Atlantis']) expect(reportText).not.toContain(secret);
  });

  it('keeps rejected rows as unresolved, counted under their state or unknown: nobody leaves the total', async () => {
    const { summary, unresolved, issues } = await run(csv);
    expect(summary).toMatchObject({ rows: 6, accepted: 4, rejected: 2, unresolved: 2, byState: { MA: 2, NY: 1, OH: 2, unknown: 1 } });
    const total = Object.values(summary.byState).reduce((a, b) => a + b, 0);
    expect(total).toBe(summary.rows);
    expect(issues.filter((i) => i.kind === 'rejected').map((i) => [i.line, i.column])).toEqual([
      [5, 'zip'],
      [6, 'state'],
    ]);
    // The unresolved rows themselves (PHI: the service stores them encrypted) so they can be fixed.
    expect(unresolved).toEqual([
      { line: 5, column: 'zip', reason: 'not a 5-digit ZIP or ZIP+4', state: 'OH', cells: expect.objectContaining({ zip: '4321' }) },
      {
        line: 6,
        column: 'state',
        reason: expect.stringMatching(/not a USPS/),
        state: 'unknown',
        cells: expect.objectContaining({ name: 'Eve Eng' }),
      },
    ]);
  });
});

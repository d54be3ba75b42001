import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { AffectedIndividual } from '../../../src/incidents/domain/affected-individual';
import { ImportFormatError, ImportIssue, ImportOptions, importAffectedIndividuals } from '../../../src/incidents/import/affected-import';

const HEADER =
  'name,line1,line2,city,state,zip,email,emailConsent,deceased,nextOfKinName,nextOfKinLine1,nextOfKinLine2,nextOfKinCity,nextOfKinState,nextOfKinZip';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function run(csv: string, extra: Partial<ImportOptions> = {}) {
  const out = collect();
  const rep = collect();
  const summary = await importAffectedIndividuals({
    input: Readable.from([Buffer.from(csv, 'utf8')]),
    output: out.stream,
    report: rep.stream,
    idKey: Buffer.alloc(32, 7),
    ...extra,
  });
  const records = out
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AffectedIndividual);
  const issues = rep
    .text()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ImportIssue);
  return { summary, records, issues, reportText: rep.text() };
}

describe('affected-individuals import', () => {
  it('produces AffectedIndividual records in the shared shape, with counts per state', async () => {
    const csv = [
      HEADER,
      'Ada Lovelace,1 Main St,,Columbus,OH,43004,,,,,,,,,',
      'Bo Li,2 Elm St,Apt 4,Austin,tx,78701-1234,bo@example.org,yes,no,,,,,,',
      'Cy Dee,,,,OH,,,,,,,,,,',
      'Di Eve,,,,,,di@example.org,true,,,,,,,',
      'Ed Fay,3 Oak St,,Dayton,OH,45402,,,y,Gil Fay,9 Pine Rd,,Dayton,OH,45403',
      'Hal Ivy,,,,PA,,,,1,,,,,,',
    ].join('\r\n');
    const { summary, records, issues } = await run(csv);
    // A lower-case state code is repaired, and said so (shapes only, never the value).
    expect(issues).toEqual([{ line: 3, kind: 'normalized', column: 'state', change: 'state-code-uppercased', from: 'AA', to: 'AA' }]);
    expect(summary).toMatchObject({
      rows: 6,
      accepted: 6,
      rejected: 0,
      duplicates: 0,
      byState: { OH: 3, PA: 1, TX: 1, unknown: 1 },
      insufficientContact: 1,
      deceased: 2,
      deceasedWithoutNextOfKinAddress: 1,
      emailConsent: 2,
    });
    const { id, ...first } = records[0];
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(first).toEqual({
      name: 'Ada Lovelace',
      address: { line1: '1 Main St', city: 'Columbus', state: 'OH', zip: '43004' },
      emailConsent: false,
      deceased: false,
      insufficientContact: false,
    });
    expect(Object.keys(records[1])).toEqual(['id', 'name', 'address', 'email', 'emailConsent', 'deceased', 'insufficientContact']);
    expect(records[1].address).toEqual({ line1: '2 Elm St', line2: 'Apt 4', city: 'Austin', state: 'TX', zip: '78701-1234' });
    expect(records[2].insufficientContact).toBe(true); // state only
    expect(records[3].insufficientContact).toBe(false); // email with consent suffices
    expect(records[4].nextOfKin).toEqual({ name: 'Gil Fay', address: { line1: '9 Pine Rd', city: 'Dayton', state: 'OH', zip: '45403' } });
    expect(records[5]).toMatchObject({ deceased: true, insufficientContact: false }); // next of kin unknown is not insufficient
  });

  it('rejects invalid rows with line, column and reason, never the value', async () => {
    const csv = [
      HEADER,
      ',1 Main St,,Columbus,OH,43004,,,,,,,,,', // line 2: no name
      'Secret Name,1 Main St,,Columbus,ZZ,43004,,,,,,,,,', // line 3
      'Secret Name,1 Main St,,Columbus,OH,4300,,,,,,,,,', // line 4
      'Secret Name,1 Main St,,Columbus,OH,43004,not-an-email,,,,,,,,', // line 5
      'Secret Name,1 Main St,,Columbus,OH,43004,,maybe,,,,,,,', // line 6
      'Secret Name,1 Main St,,Columbus,OH,43004,,yes,,,,,,,', // line 7 consent without email
      'Secret Name,1 Main St,,Columbus,OH,43004', // line 8 short row
      '"Multi\nLine Name",1 Main St,,Columbus,OH,XXXXX,,,,,,,,,', // lines 9-10
      'Secret Name,1 Main St,,Columbus,OH,43004,,,no,Zelda Kinfolk,,,,,', // line 11 NOK for a living person
      'Fine Person,1 Main St,,Columbus,OH,43004,,,,,,,,,', // line 12
    ].join('\n');
    const { summary, issues, reportText } = await run(csv);
    expect(summary.rejected).toBe(9);
    expect(summary.accepted).toBe(1);
    expect(issues.map((i) => [i.line, i.kind, i.column])).toEqual([
      [2, 'rejected', 'name'],
      [3, 'rejected', 'state'],
      [4, 'rejected', 'zip'],
      [5, 'rejected', 'email'],
      [6, 'rejected', 'emailConsent'],
      [7, 'rejected', 'emailConsent'],
      [8, 'rejected', undefined],
      [9, 'rejected', 'name'], // a newline inside a name is a control character
      [11, 'rejected', 'nextOfKinName'],
    ]);
    expect(issues[6].reason).toBe('expected 15 columns, found 6');
    for (const secret of ['Secret', 'ZZ', '4300', 'not-an-email', 'maybe', 'Multi', 'XXXXX', 'Zelda']) {
      expect(reportText).not.toContain(secret);
    }
  });

  it('merges duplicates (same name and address, case and spacing aside) and reports them', async () => {
    const csv = [
      HEADER,
      'Ada Lovelace,1 Main St,,Columbus,OH,43004,,,,,,,,,',
      'Bo Li,,,,,,bo@example.org,yes,,,,,,,',
      ' ada  LOVELACE ,1 MAIN ST,,Columbus,oh,43004-1111,,,,,,,,,',
      'Bo Li,,,,,,BO@example.org,no,,,,,,,',
      'Nameonly Person,,,,,,,,,,,,,,',
      'Nameonly Person,,,,,,,,,,,,,,',
    ].join('\n');
    const { summary, records, issues } = await run(csv);
    expect(summary).toMatchObject({ rows: 6, accepted: 4, duplicates: 2, rejected: 0, insufficientContact: 2 });
    expect(issues.filter((i) => i.kind !== 'normalized')).toEqual([
      { line: 4, kind: 'merged', reason: 'same person as an earlier row', mergedIntoLine: 2 },
      { line: 5, kind: 'merged', reason: 'same person as an earlier row', mergedIntoLine: 3 },
    ]);
    // Rows with nothing to tell two people apart are both kept (never undercount).
    expect(records.filter((r) => r.name === 'Nameonly Person')).toHaveLength(2);
    expect(new Set(records.map((r) => r.id)).size).toBe(4);
  });

  it('ids are stable for the same key and differ across incident keys', async () => {
    const csv = `${HEADER}\nAda Lovelace,1 Main St,,Columbus,OH,43004,,,,,,,,,\n`;
    const a = await run(csv);
    const b = await run(csv);
    const c = await run(csv, { idKey: randomBytes(32) });
    expect(a.records[0].id).toBe(b.records[0].id);
    expect(c.records[0].id).not.toBe(a.records[0].id);
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(a.summary.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('supports a configurable column mapping, including a name split over columns', async () => {
    const csv = 'First,Last,Street,Town,ST,Postal\nAda,Lovelace,1 Main St,Columbus,OH,43004\n';
    const { summary, records } = await run(csv, {
      mapping: { name: ['First', 'Last'], line1: 'Street', city: 'Town', state: 'ST', zip: 'Postal' },
    });
    expect(summary.accepted).toBe(1);
    expect(records[0]).toMatchObject({
      name: 'Ada Lovelace',
      address: { line1: '1 Main St', city: 'Columbus', state: 'OH', zip: '43004' },
    });
  });

  it('fails the whole import on a missing mapped column or unreadable CSV, naming the column but not data', async () => {
    await expect(run('name,line1\nA,B\n')).rejects.toThrow(/column "city" \(for city\) is not in the header/);
    const bad = `${HEADER}\n"Unclosed Secret,1 Main St,,Columbus,OH,43004,,,,,,,,,\n`;
    const err = await run(bad).catch((e) => e);
    expect(err).toBeInstanceOf(ImportFormatError);
    expect(String(err.message)).not.toContain('Secret');
    await expect(run('')).rejects.toThrow(/empty/);
  });

  it('handles a BOM and RFC 4180 quoting (embedded commas, quotes, newlines)', async () => {
    const csv = `\ufeff${HEADER}\r\n"Lovelace, Ada ""Countess""","1 Main St, Rear",,Columbus,OH,43004,,,,,,,,,\r\n`;
    const { records } = await run(csv);
    expect(records[0].name).toBe('Lovelace, Ada "Countess"');
    expect(records[0].address?.line1).toBe('1 Main St, Rear');
  });

  it('streams many rows with a bounded duplicate index and reports progress', async () => {
    const N = 50_000;
    function* gen() {
      yield `${HEADER}\n`;
      for (let i = 0; i < N; i++) yield `Person ${i % 40_000},${i % 40_000} Main St,,Columbus,OH,43004,,,,,,,,,\n`;
    }
    const progress: number[] = [];
    const { summary } = await run('', {
      input: Readable.from(gen()),
      onProgress: (_b, rows) => progress.push(rows),
    });
    expect(summary).toMatchObject({ rows: N, accepted: 40_000, duplicates: 10_000, byState: { OH: 40_000 } });
    expect(progress[progress.length - 1]).toBe(N);
    expect(progress.length).toBeGreaterThan(3);
  });
});

describe('NDJSON serialization', () => {
  it('each line equals JSON.stringify of the parsed record (key order of the shared shape)', async () => {
    const csv = [
      HEADER,
      '"Quote ""Q"" \\Back",1 Main St,"Unit ""7""",Columbus,OH,43004,q@example.org,yes,,,,,,,',
      'Dead Person,,,,TX,,,,yes,"Kin, Next",9 Pine,Apt 1,Austin,TX,78701',
    ].join('\n');
    const out = collect();
    await importAffectedIndividuals({ input: Readable.from([csv]), output: out.stream, idKey: Buffer.alloc(32, 1) });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(JSON.stringify(JSON.parse(l))).toBe(l);
    expect(JSON.parse(lines[1]).nextOfKin).toEqual({
      name: 'Kin, Next',
      address: { line1: '9 Pine', line2: 'Apt 1', city: 'Austin', state: 'TX', zip: '78701' },
    });
  });
});

describe('line numbers with multi-line quoted fields', () => {
  it('counts line breaks in unmapped columns of accepted rows and in any column of rejected rows', async () => {
    const csv = [
      'name,notes,line1,city,state,zip',
      'Ada Lovelace,"first\nsecond\nthird",1 Main St,Columbus,OH,43004', // lines 2-4
      '"Bad\r\nName",x,1 Main St,Columbus,OH,43004', // lines 5-6: rejected (line break in a mapped field)
      'Bo Li,,2 Elm St,Columbus,ZZ,43004', // line 7
      '',
      'Cy Dee,"a\r\nb",3 Elm St,Columbus,QQ,43004', // lines 9-10
      'Di Eve,,4 Elm St,Columbus,XX,43004', // line 11
    ].join('\n');
    const out = collect();
    const rep = collect();
    await importAffectedIndividuals({
      input: Readable.from([csv]),
      output: out.stream,
      report: rep.stream,
      idKey: Buffer.alloc(32, 2),
      mapping: { name: 'name', line1: 'line1', city: 'city', state: 'state', zip: 'zip' },
    });
    const issues = rep
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ImportIssue);
    expect(issues.map((i) => [i.line, i.column])).toEqual([
      [5, 'name'],
      [7, 'state'],
      [9, 'state'],
      [11, 'state'],
    ]);
  });
});

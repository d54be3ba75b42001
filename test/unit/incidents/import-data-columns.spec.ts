import { PassThrough, Readable } from 'node:stream';
import { importAffectedIndividuals, type ColumnMapping } from '../../../src/incidents/import/affected-import';
import { dataColumnsOf, dataElementOfHeader } from '../../../src/incidents/import/data-columns';

/**
 * The list's own columns say which kinds of information were involved (issue 13, item 4): an
 * "SSN" or "MRN" column with values names those kinds for the notice. Codes only: no header or
 * value leaves the import.
 */
async function run(csv: string, mapping?: ColumnMapping) {
  const sink = () => {
    const s = new PassThrough();
    s.resume();
    s.on('error', () => undefined); // the import destroys its sinks with the error it rejects with
    return s;
  };
  return importAffectedIndividuals({
    input: Readable.from([Buffer.from(csv, 'utf8')]),
    output: sink(),
    report: sink(),
    unresolved: sink(),
    idKey: Buffer.alloc(32, 5),
    ...(mapping ? { mapping } : {}),
  });
}

describe('data-element columns of an affected list', () => {
  it('recognizes common header spellings', () => {
    expect(dataElementOfHeader('SSN')).toBe('ssn');
    expect(dataElementOfHeader('Social Security Number')).toBe('ssn');
    expect(dataElementOfHeader('MRN')).toBe('medical-record-number');
    expect(dataElementOfHeader('medical_record_no')).toBe('medical-record-number');
    expect(dataElementOfHeader('Date of Birth')).toBe('date-of-birth');
    expect(dataElementOfHeader('card_number')).toBe('financial-account');
    expect(dataElementOfHeader('Password')).toBe('account-credentials');
    expect(dataElementOfHeader('Diagnosis Codes')).toBe('medical');
    expect(dataElementOfHeader('Member ID')).toBe('health-insurance');
    expect(dataElementOfHeader('notes')).toBeNull();
    expect(dataElementOfHeader('patient_name')).toBeNull();
    // Declared in the mapping wins over (or adds to) recognition by name.
    expect(dataColumnsOf(['name', 'x1', 'SSN'], [1, 2], { x1: 'genetic' })).toEqual([
      { index: 1, element: 'genetic' },
      { index: 2, element: 'ssn' },
    ]);
  });

  it('records the kinds whose column holds a value in at least one row, in vocabulary order', async () => {
    const csv = [
      'name,line1,city,state,zip,MRN,SSN,dob,card_number,notes',
      'Avery Okafor,1 Elm St,Columbus,OH,43004,M1001,,1970-01-01,,x',
      'Jordan Lindqvist,2 Elm St,Columbus,OH,43004,M1002,,,,',
      // A rejected row still shows what was involved.
      'Morgan Delgado,3 Elm St,Columbus,ZZ,43004,,123-45-6789,,,',
    ].join('\n');
    const s = await run(csv);
    expect(s.unresolved).toBe(1);
    expect(s.dataElements).toEqual(['ssn', 'date-of-birth', 'medical-record-number']);
  });

  it('takes explicitly declared columns and refuses one that is not in the header', async () => {
    const base = { name: 'name', line1: 'line1', city: 'city', state: 'state', zip: 'zip' };
    const csv = 'name,line1,city,state,zip,acct\nAvery Okafor,1 Elm St,Columbus,OH,43004,9\n';
    expect((await run(csv, { ...base, dataElements: { acct: 'financial-account' } })).dataElements).toEqual(['financial-account']);
    await expect(run(csv, { ...base, dataElements: { account: 'financial-account' } })).rejects.toThrow(
      'column "account" (for dataElements) is not in the header',
    );
  });
});

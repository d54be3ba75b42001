import { screenFields, screenFreeText, type PhiKind } from '../../../src/shared/phi-screen';

const kinds = (text: string, knownNames?: string[]): PhiKind[] => [...new Set(screenFreeText(text, { knownNames }).map((f) => f.kind))];

describe('screenFreeText: likely identifiers are found', () => {
  it.each<[string, PhiKind]>([
    ['Patient SSN 123-45-6789 was on the sheet', 'ssn'],
    ['ssn 123 45 6789', 'ssn'],
    ['SSN: 123456789', 'ssn'],
    ['social security number 987654321 exposed', 'ssn'],
    ['MRN 00482913 in the subject line', 'mrn'],
    ['medical record number: A-77812', 'mrn'],
    ['patient id #PX4471 was visible', 'mrn'],
    ['chart no. 55120 left on the printer', 'mrn'],
    ['account 12345678 listed', 'mrn'],
    ['DOB 04/12/1961', 'date-of-birth'],
    ['date of birth: 2001-07-04', 'date-of-birth'],
    ['born March 3, 1958 per the form', 'date-of-birth'],
    ['birthdate 3 March 2002', 'date-of-birth'],
    ['the form showed 1974-11-02', 'date-of-birth'],
    ['printed 11/02/1974 on the label', 'date-of-birth'],
    ['Sept 9, 1949 was written', 'date-of-birth'],
    ['call back at (555) 010-4477', 'phone'],
    ['cell 555-010-4477', 'phone'],
    ['phone 555.010.4477', 'phone'],
    ['reach her at +1 555 010 4477', 'phone'],
    ['+44 20 7946 0958 answered', 'phone'],
    ['sent to jane.roe@example.org by mistake', 'email'],
    ['forwarded to J_Roe+billing@mail.example.co.uk', 'email'],
    ['Mrs. Ortega complained', 'name'],
    ['Dr Halvorsen noticed', 'name'],
    ['patient Jane Roe called the front desk', 'name'],
    ['Patient named Tomas Vrba saw the chart', 'name'],
  ])('%s → %s', (text, kind) => {
    expect(kinds(text)).toContain(kind);
  });

  it('finds names from the incident affected list, in either order, any case, across spaces', () => {
    const names = ['Quilla Marchbanks', 'Oduya, Bertrand'];
    expect(kinds('the letter for quilla  marchbanks went astray', names)).toEqual(['name']);
    expect(kinds('Marchbanks, Quilla was listed', names)).toEqual(['name']);
    expect(kinds('Bertrand Oduya phoned', names)).toEqual(['name']);
    expect(kinds('ODUYA, BERTRAND on the envelope', names)).toEqual(['name']);
  });

  it('finds several kinds in one text, in order, without echoing the text', () => {
    const text = 'Quilla Marchbanks, SSN 123-45-6789, DOB 1961-04-12, mail q@example.com';
    const found = screenFreeText(text, { knownNames: ['Quilla Marchbanks'] });
    expect(found.map((f) => f.kind)).toEqual(['name', 'ssn', 'date-of-birth', 'date-of-birth', 'email']);
    expect(JSON.stringify(found)).not.toMatch(/Quilla|6789|example/);
    expect(found.map((f) => f.index)).toEqual([...found.map((f) => f.index)].sort((a, b) => a - b));
  });
});

describe('screenFreeText: ordinary incident text passes', () => {
  it.each([
    'Laptop stolen from a parked car on 2025-03-01; police report filed.',
    'About 2,300 records of the billing extract; 1,204,551 rows in the full export.',
    'Ransomware encrypted the imaging file server at 02:14 UTC; forensic firm engaged.',
    'Mail-merge offset at the print vendor: each statement went to the next patient on the list.',
    'Risk accepted: compensating control is full-disk encryption (AES-256, FIPS 140-3).',
    'Ticket INC-4521 and change CHG-00921 cover the fix; see runbook v2.3.1.',
    'Discovered 03/04/2025 by the privacy office; reported to the board on March 10, 2025.',
    'The vendor told us 45 days after finding it (Business Associate Agreement §4.2).',
    'Likelihood 3 of 5, impact 4 of 5; residual risk medium after MFA rollout.',
    'Our patients were not contacted yet; the front desk has a script.',
    'Dr. and staff meeting moved; Ms. availability unknown.',
    'Port 8443 open on 10.20.30.40; TLS 1.2 only.',
    '',
  ])('%j', (text) => {
    expect(screenFreeText(text)).toEqual([]);
  });

  it('does not flag words that merely contain a known name', () => {
    expect(kinds('the Roeland office', ['Jane Roe'])).toEqual([]);
    expect(kinds('Jane called', ['Jane Roe'])).toEqual([]);
  });
});

describe('screenFields', () => {
  it('names each field with findings and its kinds once', () => {
    expect(
      screenFields({
        title: 'Lost laptop',
        summary: 'SSN 123-45-6789 and 123-45-6780 seen',
        'discovery.note': 'call 555-010-4477',
      }),
    ).toEqual([
      { field: 'summary', kinds: ['ssn'] },
      { field: 'discovery.note', kinds: ['phone'] },
    ]);
  });
});

/**
 * The synthetic affected-individuals list of the Done-when breach (issue 13): generated, never
 * real. Four states plus rows nobody can place, with the faults a real export carries.
 */
export const HEADER =
  'name,line1,city,state,zip,email,emailConsent,language,deceased,nextOfKinName,nextOfKinLine1,nextOfKinCity,nextOfKinState,nextOfKinZip';

export interface BreachList {
  csv: string;
  /** Emails of the people who agreed to electronic notice, with the language they read. */
  consenting: Map<string, 'en' | 'es'>;
  /** Emails given without consent: nothing may reach them. */
  notConsenting: Set<string>;
  deceased: { name: string; nextOfKin: string };
  rows: number;
  byState: Record<string, number>;
  /** People with a postal address and no email consent (letters), the next-of-kin letter included. */
  letters: number;
  lettersEs: number;
  withoutAddress: number;
}

/**
 * MA: 600 with an address (3 ZIPs stripped of their zero, every 10th consenting to email, every
 * 7th reading Spanish, one deceased with a next of kin) + 12 with no address + 1 unreadable ZIP;
 * CT 8 and NJ 6 (one stripped ZIP each); NY 10 (2 Spanish); one row in no real state.
 */
export function breachList(): BreachList {
  const rows = [HEADER];
  const consenting = new Map<string, 'en' | 'es'>();
  const notConsenting = new Set<string>();
  let letters = 0;
  let lettersEs = 0;
  const deceased = { name: 'Person Deceased Ma', nextOfKin: 'Kin Representative Ma' };
  const row = (f: Partial<Record<string, string>>) =>
    HEADER.split(',')
      .map((h) => f[h] ?? '')
      .join(',');
  for (let i = 0; i < 600; i++) {
    const es = i % 7 === 3;
    const zip = i < 3 ? `${2108 + i}` : `0${2108 + (i % 50)}`;
    const base = {
      name: `Person Ma${i}`,
      line1: `${i + 1} Beacon St`,
      city: 'Boston',
      state: 'MA',
      zip,
      ...(es ? { language: 'es' } : {}),
    };
    if (i === 599) {
      rows.push(
        row({
          ...base,
          name: deceased.name,
          deceased: 'yes',
          nextOfKinName: deceased.nextOfKin,
          nextOfKinLine1: '5 Tremont St',
          nextOfKinCity: 'Boston',
          nextOfKinState: 'MA',
          nextOfKinZip: '02108',
        }),
      );
      letters++;
      continue;
    }
    if (i % 10 === 0) {
      const email = `ma${i}@example.org`;
      consenting.set(email, es ? 'es' : 'en');
      rows.push(row({ ...base, email, emailConsent: 'yes' }));
    } else if (i % 10 === 5) {
      const email = `ma${i}-noconsent@example.org`;
      notConsenting.add(email);
      rows.push(row({ ...base, email, emailConsent: 'no' }));
      letters++;
      if (es) lettersEs++;
    } else {
      rows.push(row(base));
      letters++;
      if (es) lettersEs++;
    }
  }
  for (let i = 0; i < 12; i++) rows.push(row({ name: `Person Noaddr${i}`, state: 'MA' }));
  for (let i = 0; i < 8; i++)
    rows.push(row({ name: `Person Ct${i}`, line1: `${i + 1} Main St`, city: 'Hartford', state: 'CT', zip: i === 0 ? '6103' : '06103' }));
  for (let i = 0; i < 6; i++)
    rows.push(
      row({ name: `Person Nj${i}`, line1: `${i + 1} Broad St`, city: 'Newark', state: 'New Jersey', zip: i === 0 ? '7102' : '07102' }),
    );
  for (let i = 0; i < 10; i++) {
    const es = i < 2;
    rows.push(
      row({
        name: `Person Ny${i}`,
        line1: `${i + 1} State St`,
        city: 'Albany',
        state: 'NY',
        zip: '12207',
        ...(es ? { language: 'Español' } : {}),
      }),
    );
    if (es) lettersEs++;
  }
  letters += 8 + 6 + 10;
  rows.push(row({ name: 'Person Badzip', line1: '9 Elm St', city: 'Worcester', state: 'MA', zip: 'ABCDE' })); // unresolved, counted in MA
  rows.push(row({ name: 'Person Nowhere', line1: '1 Road', city: 'Somewhere', state: 'Atlantis', zip: '12345' })); // unresolved, in unknown
  return {
    csv: rows.join('\n') + '\n',
    consenting,
    notConsenting,
    deceased,
    rows: rows.length - 1,
    byState: { MA: 613, CT: 8, NJ: 6, NY: 10, unknown: 1 },
    letters,
    lettersEs,
    withoutAddress: 12,
  };
}

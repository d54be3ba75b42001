/**
 * Unambiguous repairs of common spreadsheet faults in an affected-individuals list, each one
 * reported by kind (never by value): a ZIP whose leading zero a spreadsheet stripped, in a state
 * whose ZIPs all begin with 0; ZIP+4 written without its hyphen; a state written out in full or
 * in lower case; spaces around or doubled inside a field. Anything that needs a guess stays a
 * rejection (and becomes an unresolved row).
 */
import { isJurisdiction } from '../domain/triage/jurisdictions';

/** What was changed: the shape before and after, never the value. */
export type NormalizationKind =
  'zip-leading-zero-restored' | 'zip-plus4-hyphenated' | 'state-name-to-code' | 'state-code-uppercased' | 'spaces-trimmed';

export interface Normalization {
  column: string;
  change: NormalizationKind;
  /** Shape before → after, e.g. `NNNN` → `0NNNN` (digits as N, letters as A): no PHI. */
  from: string;
  to: string;
}

/**
 * USPS codes whose every ZIP begins with 0: Connecticut (06), Massachusetts (01–02), Maine
 * (039–049), New Hampshire (030–038), New Jersey (07–08), Puerto Rico (006–009), Rhode Island
 * (028–029), Vermont (050–059), U.S. Virgin Islands (008). New York is not here: its 06390
 * (Fishers Island) is the exception, not the rule, so a 4-digit NY ZIP stays ambiguous.
 */
export const ZERO_ZIP_STATES: ReadonlySet<string> = new Set(['CT', 'MA', 'ME', 'NH', 'NJ', 'PR', 'RI', 'VT', 'VI']);

const STATE_NAMES: Record<string, string> = {
  alabama: 'AL',
  alaska: 'AK',
  arizona: 'AZ',
  arkansas: 'AR',
  california: 'CA',
  colorado: 'CO',
  connecticut: 'CT',
  delaware: 'DE',
  florida: 'FL',
  georgia: 'GA',
  hawaii: 'HI',
  idaho: 'ID',
  illinois: 'IL',
  indiana: 'IN',
  iowa: 'IA',
  kansas: 'KS',
  kentucky: 'KY',
  louisiana: 'LA',
  maine: 'ME',
  maryland: 'MD',
  massachusetts: 'MA',
  michigan: 'MI',
  minnesota: 'MN',
  mississippi: 'MS',
  missouri: 'MO',
  montana: 'MT',
  nebraska: 'NE',
  nevada: 'NV',
  'new hampshire': 'NH',
  'new jersey': 'NJ',
  'new mexico': 'NM',
  'new york': 'NY',
  'north carolina': 'NC',
  'north dakota': 'ND',
  ohio: 'OH',
  oklahoma: 'OK',
  oregon: 'OR',
  pennsylvania: 'PA',
  'rhode island': 'RI',
  'south carolina': 'SC',
  'south dakota': 'SD',
  tennessee: 'TN',
  texas: 'TX',
  utah: 'UT',
  vermont: 'VT',
  virginia: 'VA',
  washington: 'WA',
  'west virginia': 'WV',
  wisconsin: 'WI',
  wyoming: 'WY',
  'district of columbia': 'DC',
  'washington dc': 'DC',
  'washington d.c.': 'DC',
  'puerto rico': 'PR',
  guam: 'GU',
  'u.s. virgin islands': 'VI',
  'us virgin islands': 'VI',
  'virgin islands': 'VI',
  'american samoa': 'AS',
  'northern mariana islands': 'MP',
};

/** The shape of a value: digits as N, letters as A, other characters kept (no PHI survives). */
export function shapeOf(v: string): string {
  return v.replace(/\p{L}/gu, 'A').replace(/\d/g, 'N');
}

export type StateResult = { code: string; change?: Normalization } | { error: string };

/** A USPS code from a code in any case or a full name; '' stays ''. */
export function normalizeState(v: string, column: string): StateResult {
  if (v === '') return { code: '' };
  if (isJurisdiction(v)) return { code: v };
  const upper = v.toUpperCase();
  if (isJurisdiction(upper)) return { code: upper, change: { column, change: 'state-code-uppercased', from: shapeOf(v), to: 'AA' } };
  const byName = STATE_NAMES[v.toLowerCase().replace(/\s+/g, ' ')];
  if (byName) return { code: byName, change: { column, change: 'state-name-to-code', from: 'name', to: 'AA' } };
  return { error: 'not a USPS state or territory code or name' };
}

export type ZipResult = { zip: string; change?: Normalization } | { error: string };

/**
 * A ZIP as `NNNNN` or `NNNNN-NNNN`. Accepted as is: those two. Repaired: `NNNNNNNNN` (hyphen
 * added); `NNNN` and `NNNN-NNNN`/`NNNNNNNN` in a state whose ZIPs all begin with 0 (zero restored).
 */
export function normalizeZip(v: string, state: string, column: string): ZipResult {
  if (v === '') return { zip: '' };
  if (/^\d{5}(-\d{4})?$/.test(v)) return { zip: v };
  const change = (kind: NormalizationKind, to: string): Normalization => ({ column, change: kind, from: shapeOf(v), to: shapeOf(to) });
  let m = /^(\d{5})(\d{4})$/.exec(v);
  if (m) {
    const zip = `${m[1]}-${m[2]}`;
    return { zip, change: change('zip-plus4-hyphenated', zip) };
  }
  if (ZERO_ZIP_STATES.has(state)) {
    if (/^\d{4}$/.test(v)) return { zip: `0${v}`, change: change('zip-leading-zero-restored', `0${v}`) };
    m = /^(\d{4})-?(\d{4})$/.exec(v);
    if (m) {
      const zip = `0${m[1]}-${m[2]}`;
      return { zip, change: change('zip-leading-zero-restored', zip) };
    }
  }
  if (/^\d{4}(-?\d{4})?$/.test(v))
    return { error: state === '' ? 'a 4-digit ZIP with no state to restore its leading zero from' : 'not a 5-digit ZIP or ZIP+4' };
  return { error: 'not a 5-digit ZIP or ZIP+4' };
}

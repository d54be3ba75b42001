/**
 * What kinds of information an affected-individuals list itself shows were involved: columns
 * beyond the contact fields (an "SSN" or "MRN" column says those numbers were in the breached
 * records). Header names are matched to data-element codes; a column counts only when at least
 * one row has a value in it. Pure. Codes only leave the import, never a header or a value.
 */
import { DATA_ELEMENTS, type DataElement } from '../../shared/data-elements';

/** Normalized header (lower case, letters and digits only) → the data element it holds. */
const BY_HEADER: Array<[RegExp, DataElement]> = [
  [/^(ssn|ssn4|last4ssn|ssnlast4|socialsecurity(number|no)?|socsec)$/, 'ssn'],
  [/^(mrn|medicalrecord(number|no|num)?|chartnumber|chartno)$/, 'medical-record-number'],
  [/^(dob|dateofbirth|birthdate|birthday)$/, 'date-of-birth'],
  [
    /^(card(number|no)?|creditcard(number|no)?|debitcard(number|no)?|pan|cardlast4|(bank)?account(number|no)|routingnumber|iban)$/,
    'financial-account',
  ],
  [/^(password|passwordhash|pin|securityanswer|securityquestion)$/, 'account-credentials'],
  [/^(diagnos[ie]s|diagnosiscodes?|dx|icd10|icd10codes?|treatment|medications?|procedures?|conditions?|labresults?)$/, 'medical'],
  [/^(memberid|insuranceid|policy(number|no)|subscriberid|groupnumber|medicaidid|medicareid|mbi|healthplanid)$/, 'health-insurance'],
  [/^(driverslicense(number|no)?|dl|dlnumber|stateid(number)?)$/, 'drivers-license'],
  [/^(passport(number|no)?|taxid|tin|itin|ein|militaryid)$/, 'government-id'],
  [/^(fingerprint|biometrics?|retinascan|faceprint)$/, 'biometric'],
  [/^(genetic(data|results?)?|genotype|dnaresults?)$/, 'genetic'],
];

export function dataElementOfHeader(header: string): DataElement | null {
  const k = header.toLowerCase().replace(/[^a-z0-9]/g, '');
  for (const [re, el] of BY_HEADER) if (re.test(k)) return el;
  return null;
}

/**
 * The columns (indexes) that hold a data element, from the explicit `dataElements` mapping
 * (header → code) or, for the rest of the unmapped columns, by the header's name.
 */
export function dataColumnsOf(
  header: string[],
  unmapped: readonly number[],
  declared: Record<string, DataElement> = {},
): Array<{ index: number; element: DataElement }> {
  const out: Array<{ index: number; element: DataElement }> = [];
  for (const i of unmapped) {
    const h = (header[i] ?? '').trim();
    const el = declared[h] ?? dataElementOfHeader(h);
    if (el) out.push({ index: i, element: el });
  }
  return out;
}

/** The elements seen with a value, in vocabulary order. */
export function elementsSeen(seen: ReadonlySet<DataElement>): DataElement[] {
  return DATA_ELEMENTS.filter((e) => seen.has(e));
}

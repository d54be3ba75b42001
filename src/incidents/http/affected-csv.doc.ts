/** The CSV columns, in the OpenAPI document (the README's "The affected-individuals list" says the same). */
export const AFFECTED_CSV_DESCRIPTION = [
  'A CSV with a header row. Required columns: name, line1, city, state (USPS code or state name), zip (4-digit ZIPs of 0-states and ZIP+4 forms are repaired, each repair reported).',
  'Optional: line2, email, emailConsent (yes/no, true/false, y/n, 1/0: consent to electronic notice), deceased (yes/no), nextOfKinName, nextOfKinLine1, nextOfKinLine2, nextOfKinCity, nextOfKinState, nextOfKinZip, language (es, Spanish, español, es-MX…; English when absent or unknown).',
  'Columns such as SSN, MRN, DOB, card_number, password or member_id say which kinds of information were involved (codes only are kept).',
  '`?mapping=` takes a JSON column mapping (field → your header, plus `dataElements`: header → data-element code). Rows that fail are kept as unresolved (encrypted) and block release until fixed or excluded.',
].join('\n\n');

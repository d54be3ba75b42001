/** USPS codes the contract accepts: the 50 states, DC, PR, GU, VI, AS, MP. */
export const JURISDICTIONS = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
  'DC', 'PR', 'GU', 'VI', 'AS', 'MP',
] as const;

export type Jurisdiction = (typeof JURISDICTIONS)[number];

const SET: ReadonlySet<string> = new Set(JURISDICTIONS);

export function isJurisdiction(s: unknown): s is Jurisdiction {
  return typeof s === 'string' && SET.has(s);
}

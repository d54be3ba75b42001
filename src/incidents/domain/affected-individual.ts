/**
 * One affected individual as the import produces it and the notices read it. Every field is
 * PHI: records only ever travel inside encrypted artifacts (NDJSON, one record a line), never
 * in events, logs, job payloads or errors. Events carry the artifact digest and counts.
 */
export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  /** USPS code: 50 states, DC, PR, GU, VI, AS, MP. */
  state: string;
  zip: string;
}

export interface AffectedIndividual {
  /** Stable id within the incident (deterministic from the normalized record), not PHI. */
  id: string;
  name: string;
  /** Missing or insufficient addresses count toward substitute notice. */
  address?: PostalAddress;
  email?: string;
  /** Agreed to electronic notice (164.404(d)(1)): email may replace the letter. */
  emailConsent: boolean;
  deceased: boolean;
  /** For deceased individuals: next of kin or personal representative. */
  nextOfKin?: { name: string; address: PostalAddress };
  /** ISO 639-1 code of the language the person reads (from the list); absent = English. */
  language?: string;
  /** Contact information insufficient or out of date (counts toward substitute notice). */
  insufficientContact: boolean;
}

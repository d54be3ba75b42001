/**
 * What a notice needs to be written: the organization's profile (from configuration) and the
 * facts of one incident (mapped from the incident context's events). Pure types + validation:
 * bad input is rejected with the field named, never guessed.
 */
import { z } from 'zod';
import { CalendarDateSchema } from '../../shared/calendar-schema';

export const US_JURISDICTIONS = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'DC',
  'PR',
  'GU',
  'VI',
  'AS',
  'MP',
] as const;

const isoDate = CalendarDateSchema;

const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const postalAddressSchema = z.strictObject({
  line1: nonEmpty,
  line2: z.string().optional(),
  city: nonEmpty,
  state: z.enum(US_JURISDICTIONS),
  zip: z.string().regex(/^\d{5}(-\d{4})?$/, 'expected a ZIP or ZIP+4'),
});

/** HHS portal: type of covered entity. */
export const ENTITY_TYPES = ['health-plan', 'health-care-clearinghouse', 'health-care-provider', 'business-associate'] as const;
/** HHS portal: type of breach. */
export const BREACH_TYPES = [
  'hacking-it-incident',
  'unauthorized-access-disclosure',
  'theft',
  'loss',
  'improper-disposal',
  'other',
] as const;
/** HHS portal: location of breached information. */
export const BREACH_LOCATIONS = [
  'laptop',
  'desktop-computer',
  'network-server',
  'email',
  'electronic-medical-record',
  'other-portable-electronic-device',
  'paper-films',
  'other',
] as const;
/** HHS portal: type of PHI involved. */
export const PHI_CATEGORIES = ['demographic', 'financial', 'clinical', 'other'] as const;
export const SAFEGUARDS = [
  'none',
  'privacy-security-training',
  'security-incident-procedures',
  'risk-analysis',
  'encrypted-wireless',
  'physical-security',
  'firewalls',
  'packet-filtering',
  'secure-browser-sessions',
  'strong-authentication',
  'encrypted-transmission',
  'anti-virus',
  'logical-access-control',
  'biometrics',
  'other',
] as const;

export const organizationProfileSchema = z.strictObject({
  name: nonEmpty,
  entityType: z.enum(ENTITY_TYPES),
  /** PNG or JPEG file for the letterhead (optional). */
  logoPath: z.string().optional(),
  letterhead: z
    .strictObject({
      /** Lines printed under the organization's name at the top of every letter. */
      lines: z.array(z.string()).default([]),
    })
    .default({ lines: [] }),
  /** Return address printed above the recipient in the window. */
  returnAddress: postalAddressSchema,
  contact: z.strictObject({
    /** 164.404(c)(1)(E) / (d)(2)(ii): toll-free number, active at least 90 days. */
    tollFreeNumber: z.string().regex(/^(1-)?8(00|33|44|55|66|77|88)-\d{3}-\d{4}$/, 'expected a toll-free number like 1-800-555-0100'),
    hours: z.string().default('Monday through Friday, 8 a.m. to 8 p.m.'),
    email: z.email(),
    website: z.url(),
    postalAddress: postalAddressSchema,
    /** Person HHS may contact about the report. */
    contactPerson: z.strictObject({ name: nonEmpty, title: nonEmpty, phone: nonEmpty, email: z.email() }),
  }),
  signatory: z.strictObject({
    name: nonEmpty,
    title: nonEmpty,
    /** PNG or JPEG of the signatory's signature, printed above the name in letters (optional). */
    signatureImagePath: z.string().optional(),
  }),
  /** Sender identity for email notices. */
  mailFrom: z.email(),
  /** Public base URL where Safe Harbor serves substitute-notice postings. */
  publicBaseUrl: z.url(),
  timeZone: z.string().default('America/New_York'),
});
export type OrganizationProfile = z.infer<typeof organizationProfileSchema>;

export const incidentNoticeFactsSchema = z.strictObject({
  incidentId: z.uuid(),
  /** (A) What happened, in plain language (no names of affected people). */
  whatHappened: nonEmpty.max(4000),
  breachStartedOn: isoDate.optional(),
  breachEndedOn: isoDate.optional(),
  discoveredOn: isoDate,
  discoveryEndedOn: isoDate.optional(),
  /** (B) Types of unsecured PHI involved, as the individual should read them. */
  phiInvolved: z.array(nonEmpty).min(1, 'at least one type of PHI'),
  phiCategories: z.array(z.enum(PHI_CATEGORIES)).min(1),
  /** (C) Steps individuals should take to protect themselves. */
  stepsForIndividuals: z.array(nonEmpty).min(1, 'at least one step'),
  /** (D) What the entity is doing: investigate, mitigate harm, prevent recurrence. */
  investigation: nonEmpty,
  mitigation: nonEmpty,
  prevention: nonEmpty,
  breachType: z.enum(BREACH_TYPES),
  locations: z.array(z.enum(BREACH_LOCATIONS)).min(1),
  safeguardsBefore: z.array(z.enum(SAFEGUARDS)).min(1),
  actionsTaken: z.array(nonEmpty).min(1),
  /** Set when the breach occurred at a business associate. */
  businessAssociate: z
    .strictObject({ name: nonEmpty, address: postalAddressSchema, contactName: nonEmpty, phone: nonEmpty, email: z.email() })
    .optional(),
  /**
   * The facts as letters in another language say them (reviewed translations). A field left out
   * is printed as written above (English) in that language's letters: the preview lists which.
   */
  translations: z
    .strictObject({
      es: z
        .strictObject({
          whatHappened: nonEmpty.max(4000).optional(),
          phiInvolved: z.array(nonEmpty).min(1).optional(),
          stepsForIndividuals: z.array(nonEmpty).min(1).optional(),
          investigation: nonEmpty.optional(),
          mitigation: nonEmpty.optional(),
          prevention: nonEmpty.optional(),
        })
        .optional(),
    })
    .optional(),
  /** Optional credit monitoring offer printed in the steps section. */
  creditMonitoring: z
    .strictObject({ provider: nonEmpty, months: z.number().int().positive(), enrollBy: isoDate, code: nonEmpty })
    .optional(),
});
export type IncidentNoticeFacts = z.infer<typeof incidentNoticeFactsSchema>;
/** The facts a translation may give: what a letter to an individual says in words. */
export const TRANSLATABLE_FACTS = [
  'whatHappened',
  'phiInvolved',
  'stepsForIndividuals',
  'investigation',
  'mitigation',
  'prevention',
] as const;

export class NoticeInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'NoticeInputError';
  }
}

function firstIssue(prefix: string, err: z.ZodError): NoticeInputError {
  const issue = err.issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return new NoticeInputError(path, issue.message);
}

export function parseOrganizationProfile(input: unknown): OrganizationProfile {
  const r = organizationProfileSchema.safeParse(input);
  if (!r.success) throw firstIssue('organization', r.error);
  return r.data;
}

export function parseIncidentNoticeFacts(input: unknown): IncidentNoticeFacts {
  const r = incidentNoticeFactsSchema.safeParse(input);
  if (!r.success) throw firstIssue('incident', r.error);
  const f = r.data;
  if (f.breachStartedOn && f.breachStartedOn > f.discoveredOn) {
    throw new NoticeInputError('incident.breachStartedOn', 'after the discovery date');
  }
  if (f.breachStartedOn && f.breachEndedOn && f.breachEndedOn < f.breachStartedOn) {
    throw new NoticeInputError('incident.breachEndedOn', 'before the breach start date');
  }
  return f;
}

/**
 * The notices that are not individual letters: the media notice (one per state with more than
 * 500 residents affected, 164.406), the substitute-notice web posting (164.404(d)(2)), the HHS
 * breach report (164.408: a JSON document carrying the portal's fields, and a PDF for the
 * file), the business associate's notice to the covered entity (164.410), and the reminder and
 * escalation emails. All pure given a TemplateSet; rendering to PDF goes through the letter
 * renderer's document layout.
 */
import { addDays } from '../../shared/calendar';
import type { ChannelCounts } from '../domain/channel';
import type { IncidentNoticeFacts, OrganizationProfile } from '../domain/notice-input';
import type { LetterDocument } from './letter-pdf';
import { formatCalendarDate, type TemplateSet } from './templates';
import { incidentView, orgView, type NoticeContext } from './views';

export const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  DC: 'the District of Columbia',
  PR: 'Puerto Rico',
  GU: 'Guam',
  VI: 'the U.S. Virgin Islands',
  AS: 'American Samoa',
  MP: 'the Northern Mariana Islands',
};

/** 164.406: states with MORE than 500 residents affected (exactly 500 does not qualify). */
export function mediaJurisdictions(byState: Record<string, number>): Array<{ code: string; affected: number }> {
  return Object.entries(byState)
    .filter(([code, n]) => code !== 'unknown' && n > 500)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, affected]) => ({ code, affected }));
}

function documentFor(org: OrganizationProfile, date: string, body: string, id: string, logo?: Buffer): LetterDocument {
  return {
    letterId: id,
    dateText: formatCalendarDate(date),
    letterhead: { name: org.name, lines: org.letterhead.lines, ...(logo ? { logo } : {}) },
    returnAddress: [],
    recipient: [],
    body,
  };
}

export function mediaNotice(
  t: TemplateSet,
  ctx: NoticeContext,
  jurisdiction: { code: string; affected: number },
  date: string,
): LetterDocument {
  const name = STATE_NAMES[jurisdiction.code];
  if (!name) throw new Error(`jurisdiction: unknown state code ${jurisdiction.code}`);
  const body = t.render('media-notice.txt', {
    org: orgView(ctx.org),
    incident: incidentView(ctx.incident),
    date,
    jurisdiction: { code: jurisdiction.code, name, affected: jurisdiction.affected.toLocaleString('en-US') },
  });
  return documentFor(ctx.org, date, body, `MEDIA-${jurisdiction.code}`);
}

export const POSTING_DAYS = 90;

/** `until`: the real take-down date of the posting (default: 90 days after `postedOn`). */
export function substitutePostingHtml(t: TemplateSet, ctx: NoticeContext, postedOn: string, until?: string): string {
  return t.render('substitute-notice.html', {
    org: orgView(ctx.org),
    incident: incidentView(ctx.incident),
    posting: { postedOn, until: until ?? addDays(postedOn, POSTING_DAYS) },
  });
}

export interface CoveredEntityRecipient {
  name: string;
  contactName: string;
}

export function coveredEntityNotice(
  t: TemplateSet,
  ctx: NoticeContext,
  coveredEntity: CoveredEntityRecipient,
  affected: { total: number; artifactDigest: string },
  date: string,
): LetterDocument {
  if (ctx.org.entityType !== 'business-associate')
    throw new Error('organization.entityType: only a business associate sends a covered-entity notice');
  const body = t.render('covered-entity-notice.txt', {
    org: orgView(ctx.org),
    incident: incidentView(ctx.incident),
    date,
    coveredEntity,
    affected: { total: affected.total.toLocaleString('en-US'), artifactDigest: affected.artifactDigest },
  });
  return documentFor(ctx.org, date, body, 'BA-NOTICE');
}

// ---------------------------------------------------------------------------------------------
// HHS breach report (164.408). Field names follow the HHS breach portal's sections.

const ENTITY_TYPE_LABEL = {
  'health-plan': 'Health Plan',
  'health-care-clearinghouse': 'Healthcare Clearing House',
  'health-care-provider': 'Healthcare Provider',
  'business-associate': 'Business Associate',
} as const;
const BREACH_TYPE_LABEL = {
  'hacking-it-incident': 'Hacking/IT Incident',
  'unauthorized-access-disclosure': 'Unauthorized Access/Disclosure',
  theft: 'Theft',
  loss: 'Loss',
  'improper-disposal': 'Improper Disposal',
  other: 'Other',
} as const;
const LOCATION_LABEL = {
  laptop: 'Laptop',
  'desktop-computer': 'Desktop Computer',
  'network-server': 'Network Server',
  email: 'Email',
  'electronic-medical-record': 'Electronic Medical Record',
  'other-portable-electronic-device': 'Other Portable Electronic Device',
  'paper-films': 'Paper/Films',
  other: 'Other',
} as const;
const PHI_LABEL = { demographic: 'Demographic', financial: 'Financial', clinical: 'Clinical', other: 'Other' } as const;
const SAFEGUARD_LABEL: Record<string, string> = {
  none: 'None',
  'privacy-security-training': 'Privacy Rule Safeguards (Training, Policies and Procedures, etc.)',
  'security-incident-procedures': 'Security Incident Procedures',
  'risk-analysis': 'Security Rule Administrative Safeguards (Risk Analysis, Risk Management, etc.)',
  'encrypted-wireless': 'Encrypted Wireless',
  'physical-security': 'Security Rule Physical Safeguards (Facility Access Controls, Workstation Security, etc.)',
  firewalls: 'Firewalls',
  'packet-filtering': 'Packet Filtering (router-based)',
  'secure-browser-sessions': 'Secure Browser Sessions',
  'strong-authentication': 'Strong Authentication',
  'encrypted-transmission': 'Security Rule Technical Safeguards (Access Controls, Transmission Security, etc.)',
  'anti-virus': 'Anti-virus Software',
  'logical-access-control': 'Logical Access Control',
  biometrics: 'Biometrics',
  other: 'Other',
};

export interface HhsReportInput {
  reportType: 'initial' | 'addendum';
  /** Total individuals (an estimate is allowed; file an addendum when it changes). */
  affected: number;
  individualNoticeStartDate: string;
  individualNoticeProjectedEndDate: string;
  substituteNoticeProvided: boolean;
  mediaNoticeProvided: boolean;
  /** For an addendum: the portal's transaction number of the initial report. */
  originalTransactionNumber?: string;
}

export interface HhsBreachReport {
  schema: 'safeharbor.hhs-breach-report/1';
  reportType: 'Initial Breach Report' | 'Addendum to Previous Report';
  originalTransactionNumber: string | null;
  breachAffecting: '500 or More Individuals' | 'Fewer Than 500 Individuals';
  coveredEntity: {
    name: string;
    type: string;
    address: string;
    contact: { name: string; title: string; phone: string; email: string };
  };
  businessAssociate: { name: string; address: string; contactName: string; phone: string; email: string } | null;
  breach: {
    startDate: string;
    endDate: string;
    discoveryStartDate: string;
    discoveryEndDate: string;
    approximateIndividualsAffected: number;
    typeOfBreach: string[];
    locationOfBreachedInformation: string[];
    typeOfPhi: string[];
    description: string;
  };
  safeguardsInPlacePriorToBreach: string[];
  notice: {
    individualNoticeStartDate: string;
    individualNoticeProjectedEndDate: string;
    substituteNoticeProvided: boolean;
    mediaNoticeProvided: boolean;
  };
  actionsTaken: string[];
}

function oneLine(a: { line1: string; line2?: string; city: string; state: string; zip: string }): string {
  return [a.line1, a.line2, `${a.city}, ${a.state} ${a.zip}`].filter(Boolean).join(', ');
}

export function hhsReport(org: OrganizationProfile, f: IncidentNoticeFacts, input: HhsReportInput): HhsBreachReport {
  if (!Number.isInteger(input.affected) || input.affected < 1) throw new Error('affected: expected a positive integer');
  if (input.reportType === 'addendum' && !input.originalTransactionNumber)
    throw new Error('originalTransactionNumber: required for an addendum');
  const description = `${f.whatHappened} Investigation: ${f.investigation} Mitigation: ${f.mitigation} Prevention: ${f.prevention}`;
  return {
    schema: 'safeharbor.hhs-breach-report/1',
    reportType: input.reportType === 'initial' ? 'Initial Breach Report' : 'Addendum to Previous Report',
    originalTransactionNumber: input.originalTransactionNumber ?? null,
    breachAffecting: input.affected >= 500 ? '500 or More Individuals' : 'Fewer Than 500 Individuals',
    coveredEntity: {
      name: org.name,
      type: ENTITY_TYPE_LABEL[org.entityType],
      address: oneLine(org.contact.postalAddress),
      contact: { ...org.contact.contactPerson },
    },
    businessAssociate: f.businessAssociate
      ? {
          name: f.businessAssociate.name,
          address: oneLine(f.businessAssociate.address),
          contactName: f.businessAssociate.contactName,
          phone: f.businessAssociate.phone,
          email: f.businessAssociate.email,
        }
      : null,
    breach: {
      startDate: f.breachStartedOn ?? f.discoveredOn,
      endDate: f.breachEndedOn ?? f.breachStartedOn ?? f.discoveredOn,
      discoveryStartDate: f.discoveredOn,
      discoveryEndDate: f.discoveryEndedOn ?? f.discoveredOn,
      approximateIndividualsAffected: input.affected,
      typeOfBreach: [BREACH_TYPE_LABEL[f.breachType]],
      locationOfBreachedInformation: f.locations.map((l) => LOCATION_LABEL[l]),
      typeOfPhi: f.phiCategories.map((c) => PHI_LABEL[c]),
      // The portal limits the description to 4,000 characters.
      description: description.length > 4000 ? `${description.slice(0, 3997)}...` : description,
    },
    safeguardsInPlacePriorToBreach: f.safeguardsBefore.map((s) => SAFEGUARD_LABEL[s] ?? s),
    notice: {
      individualNoticeStartDate: input.individualNoticeStartDate,
      individualNoticeProjectedEndDate: input.individualNoticeProjectedEndDate,
      substituteNoticeProvided: input.substituteNoticeProvided,
      mediaNoticeProvided: input.mediaNoticeProvided,
    },
    actionsTaken: [...f.actionsTaken],
  };
}

export function hhsReportDocument(t: TemplateSet, org: OrganizationProfile, report: HhsBreachReport, date: string): LetterDocument {
  const body = t.render('hhs-report.txt', { report, date });
  return documentFor(org, date, body, 'HHS-REPORT');
}

/** Derives the HHS-report flags from a batch's channel counts. */
export function noticeFlags(counts: ChannelCounts): { substituteNoticeProvided: boolean; mediaNoticeProvided: boolean } {
  return { substituteNoticeProvided: counts.byChannel.substitute > 0, mediaNoticeProvided: mediaJurisdictions(counts.byState).length > 0 };
}

// ---------------------------------------------------------------------------------------------
// Reminder and escalation emails (obligations due).

export interface ObligationMailView {
  org: { name: string };
  incident: { reference: string };
  obligation: { title: string; citation: string; dueOn: string; daysLeft: number; status: string; overdue: boolean };
  assignee: { name: string };
  escalateTo?: { name: string };
  link: string;
}

export function reminderEmail(t: TemplateSet, v: ObligationMailView): { subject: string; text: string } {
  return { subject: t.render('reminder-email.subject', v), text: t.render('reminder-email.txt', v) };
}

export function escalationEmail(
  t: TemplateSet,
  v: ObligationMailView & { escalateTo: { name: string } },
): { subject: string; text: string } {
  return { subject: t.render('escalation-email.subject', v), text: t.render('escalation-email.txt', v) };
}

/**
 * View models handed to the templates. Every optional fact is present as null so strict mode
 * can tell "not provided" (an error) from "not known" (null, worded in the template).
 */
import type { AffectedIndividual, PostalAddress } from '../../incidents';
import type { ChannelPlan } from '../domain/channel';
import type { IncidentNoticeFacts, OrganizationProfile } from '../domain/notice-input';

export interface NoticeContext {
  org: OrganizationProfile;
  incident: IncidentNoticeFacts;
}

export function orgView(org: OrganizationProfile) {
  return {
    ...org,
    logoPath: org.logoPath ?? null,
    signatory: { ...org.signatory, signatureImagePath: org.signatory.signatureImagePath ?? null },
    contact: { ...org.contact, postalAddress: { ...org.contact.postalAddress, line2: org.contact.postalAddress.line2 ?? null } },
  };
}

export function incidentView(f: IncidentNoticeFacts) {
  return {
    ...f,
    breachStartedOn: f.breachStartedOn ?? null,
    breachEndedOn: f.breachEndedOn ?? null,
    discoveryEndedOn: f.discoveryEndedOn ?? null,
    creditMonitoring: f.creditMonitoring ?? null,
    businessAssociate: f.businessAssociate ?? null,
  };
}

export function addressLines(a: PostalAddress): string[] {
  return [a.line1, ...(a.line2 ? [a.line2] : []), `${a.city} ${a.state} ${a.zip}`];
}

/** The letter for one individual (or their next of kin): template name and view. */
export function letterView(ctx: NoticeContext, person: AffectedIndividual, plan: ChannelPlan, date: string) {
  const nok = plan.channel === 'mail-next-of-kin';
  return {
    template: nok ? ('letter-next-of-kin.txt' as const) : ('letter-individual.txt' as const),
    view: {
      org: orgView(ctx.org),
      incident: incidentView(ctx.incident),
      date,
      recipient: { name: plan.addresseeName ?? person.name },
      deceased: nok ? { name: person.name } : null,
      stateSection: null,
    },
  };
}

export function emailView(ctx: NoticeContext, person: AffectedIndividual, date: string) {
  return { org: orgView(ctx.org), incident: incidentView(ctx.incident), date, recipient: { name: person.name } };
}

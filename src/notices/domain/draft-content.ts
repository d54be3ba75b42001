/**
 * Notice content drafted from what is known about the incident, for a compliance officer to
 * review and edit before approval (164.404(c)):
 * - (A) what happened: from the breach type, where the information was and the dates, never the
 *   internal incident summary;
 * - (B) the types of PHI: from the kinds of information (data-element codes) the incident, its
 *   imported affected list's columns and its datasets name;
 * - (C) the steps individuals should take: from those kinds, as the reviewed wording in
 *   `templates/content/<language>.yaml` says (SSN → credit freeze, fraud alert, monitoring;
 *   medical record number → review explanation-of-benefits statements; card → call the bank…);
 * - (D) the mitigation: from the containment actions carried out.
 * Pure: the catalogue is passed in (the template set loads and digests it).
 */
import { z } from 'zod';
import { DATA_ELEMENTS, type DataElement } from '../../shared/data-elements';
import { PHI_CATEGORIES } from './notice-input';

export const CONTAINMENT_KINDS = ['revoke-grant', 'rotate-key', 'mark-key-compromised'] as const;
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

const text = z.string().trim().min(1);
export const contentCatalogueSchema = z
  .strictObject({
    version: z.number().int().positive(),
    language: z.string().regex(/^[a-z]{2}$/),
    elements: z.record(z.enum(DATA_ELEMENTS), z.strictObject({ phi: text, category: z.enum(PHI_CATEGORIES), steps: z.array(text) })),
    steps: z.record(z.string(), text),
    mitigation: z.strictObject({
      'revoke-grant': text,
      'rotate-key': text,
      'mark-key-compromised': text,
      none: text,
    }),
  })
  .superRefine((c, ctx) => {
    for (const el of DATA_ELEMENTS)
      if (!c.elements[el]) ctx.addIssue({ code: 'custom', path: ['elements', el], message: 'no wording for this kind of information' });
    for (const [el, e] of Object.entries(c.elements))
      for (const s of e!.steps)
        if (!c.steps[s]) ctx.addIssue({ code: 'custom', path: ['elements', el, 'steps'], message: `no step "${s}" in steps` });
  });
export type ContentCatalogue = z.infer<typeof contentCatalogueSchema>;

/** Validates a catalogue; the message names the file's bad path. */
export function parseContentCatalogue(raw: unknown, file: string): ContentCatalogue {
  const r = contentCatalogueSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${file}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

/** The kinds involved, merged from every source, in vocabulary order (name first when present). */
export function mergeElements(...sources: ReadonlyArray<readonly string[] | undefined>): DataElement[] {
  const seen = new Set<string>(sources.flatMap((s) => s ?? []));
  return DATA_ELEMENTS.filter((e) => seen.has(e));
}

/** (B): the types of PHI as the reader reads them, and the HHS report's categories. */
export function draftPhiInvolved(elements: readonly DataElement[], cat: ContentCatalogue) {
  const phiInvolved = elements.map((e) => cat.elements[e]!.phi);
  const cats = new Set(elements.map((e) => cat.elements[e]!.category));
  const phiCategories = PHI_CATEGORIES.filter((c) => cats.has(c));
  return { phiInvolved, phiCategories };
}

/**
 * (C): each step once, in the order the kinds name them; "call us" always closes the list. The
 * monitoring step only when monitoring is offered (the letter prints the offer itself).
 */
export function draftSteps(elements: readonly DataElement[], cat: ContentCatalogue, monitoringOffered = false): string[] {
  const keys: string[] = [];
  for (const e of elements)
    for (const s of cat.elements[e]!.steps) if (!keys.includes(s) && (s !== 'monitoring-offer' || monitoringOffered)) keys.push(s);
  const last = keys.indexOf('call-us');
  if (last !== -1) keys.splice(last, 1);
  keys.push('call-us');
  return keys.map((k) => cat.steps[k]!).filter((s) => s !== undefined);
}

/** (D) mitigation: what the containment actions that succeeded did, each kind once; `none` when nothing ran yet. */
export function draftMitigation(actions: ReadonlyArray<{ kind: string }>, cat: ContentCatalogue): string {
  const kinds = CONTAINMENT_KINDS.filter((k) => actions.some((a) => a.kind === k));
  return kinds.length ? kinds.map((k) => cat.mitigation[k]).join(' ') : cat.mitigation.none;
}

export interface WhatHappenedFacts {
  discoveredOn?: string;
  breachStartedOn?: string;
  breachEndedOn?: string;
  breachType?: string;
  locations?: string[];
}

const WHERE: Record<string, string> = {
  laptop: 'a laptop computer',
  'desktop-computer': 'a desktop computer',
  'network-server': 'a network server',
  email: 'an email account',
  'electronic-medical-record': 'our electronic medical record system',
  'other-portable-electronic-device': 'a portable electronic device',
  'paper-films': 'paper records',
  other: 'our records',
};
const WHERE_ES: Record<string, string> = {
  laptop: 'una computadora portátil',
  'desktop-computer': 'una computadora de escritorio',
  'network-server': 'un servidor de red',
  email: 'una cuenta de correo electrónico',
  'electronic-medical-record': 'nuestro sistema de expedientes médicos electrónicos',
  'other-portable-electronic-device': 'un dispositivo electrónico portátil',
  'paper-films': 'documentos en papel',
  other: 'nuestros registros',
};

function listOf(items: string[], and: string): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}

/**
 * (A) what happened, from the facts only (breach type, where, when): the officer adds what a
 * reader needs and the internal summary never reaches the letter. The dates themselves are
 * printed by the template's own sentence; this says what kind of event it was and where.
 */
export function draftWhatHappened(f: WhatHappenedFacts, language: string = 'en'): string {
  const es = language === 'es';
  const places = (f.locations ?? []).map((l) => (es ? WHERE_ES : WHERE)[l] ?? (es ? 'nuestros registros' : 'our records'));
  const where = places.length ? listOf(places, es ? 'y' : 'and') : es ? 'nuestros registros' : 'our records';
  const holding = es ? `${where} con información de salud de nuestros pacientes` : `${where} holding our patients' health information`;
  const sentence: Record<string, [string, string]> = {
    'hacking-it-incident': [
      `An unauthorized person gained access to ${holding} through a cyberattack.`,
      `Una persona no autorizada obtuvo acceso a ${holding} mediante un ataque informático.`,
    ],
    'unauthorized-access-disclosure': [
      `Someone who was not authorized to see it viewed or received information from ${holding}.`,
      `Alguien sin autorización vio o recibió información de ${holding}.`,
    ],
    theft: [`${cap(where)} holding our patients' health information was stolen.`, `Robaron ${holding}.`],
    loss: [`${cap(where)} holding our patients' health information was lost.`, `Se extravió ${holding}.`],
    'improper-disposal': [
      `${cap(where)} holding our patients' health information was not disposed of securely.`,
      `Se desechó ${holding} sin las medidas de seguridad debidas.`,
    ],
    other: [`An incident affected ${holding}.`, `Un incidente afectó ${holding}.`],
  };
  const s = sentence[f.breachType ?? 'other'] ?? sentence.other!;
  return es ? s[1] : s[0];
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface DraftedContent {
  phiInvolved: string[];
  phiCategories: Array<(typeof PHI_CATEGORIES)[number]>;
  stepsForIndividuals: string[];
  mitigation: string;
  /** What the officer should check before approving (e.g. SSNs involved but no monitoring offer). */
  review: string[];
}

/** Everything (B)–(D) the facts let us draft, plus review notes for the officer. */
export function draftNoticeContent(
  known: { dataElements: readonly DataElement[]; containmentActions: ReadonlyArray<{ kind: string }>; creditMonitoringOffered: boolean },
  cat: ContentCatalogue,
): DraftedContent {
  const elements: DataElement[] = known.dataElements.length ? [...known.dataElements] : ['name'];
  const review: string[] = [];
  if (!known.dataElements.length) review.push('phiInvolved: no kind of information is recorded for the incident; only "name" was drafted');
  if ((elements.includes('ssn') || elements.includes('drivers-license')) && !known.creditMonitoringOffered)
    review.push(
      'creditMonitoring: Social Security or license numbers were involved; state the credit monitoring offer (provider, months, code)',
    );
  if (!known.containmentActions.length) review.push('mitigation: no containment action has been carried out; say what limits the harm');
  return {
    ...draftPhiInvolved(elements, cat),
    stepsForIndividuals: draftSteps(elements, cat, known.creditMonitoringOffered),
    mitigation: draftMitigation(known.containmentActions, cat),
    review,
  };
}

/**
 * The drafted facts in another language (a reviewed catalogue of that language): what happened,
 * types of PHI, steps and mitigation. Investigation and prevention are the officer's words and
 * are not drafted: the preview lists them as untranslated until the officer gives them.
 */
export function draftTranslation(
  known: {
    facts: WhatHappenedFacts;
    dataElements: readonly DataElement[];
    containmentActions: ReadonlyArray<{ kind: string }>;
    creditMonitoringOffered: boolean;
  },
  cat: ContentCatalogue,
) {
  const elements: DataElement[] = known.dataElements.length ? [...known.dataElements] : ['name'];
  return {
    ...(known.facts.discoveredOn || known.facts.breachType ? { whatHappened: draftWhatHappened(known.facts, cat.language) } : {}),
    phiInvolved: draftPhiInvolved(elements, cat).phiInvolved,
    stepsForIndividuals: draftSteps(elements, cat, known.creditMonitoringOffered),
    mitigation: draftMitigation(known.containmentActions, cat),
  };
}

/** Fields a language's letters print in English because the facts give no translation of them. */
export function untranslatedFields(
  facts: { translations?: Partial<Record<string, Record<string, unknown> | undefined>> },
  language: string,
  fields: readonly string[],
): string[] {
  const t = facts.translations?.[language] ?? {};
  return fields.filter((k) => t[k] === undefined);
}

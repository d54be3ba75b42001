/**
 * What a notice says: drafted from the request and the incident's own events, validated, bound
 * to the templates by a digest (what an approval approves), stored as an encrypted artifact per
 * batch revision, and rendered into the document of a non-individual notice.
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { DatasetPopulationsQuery, type DatasetPopulationRow } from '../../datasets';
import { ContainmentActionsOfIncidentQuery, type ContainmentActionDone } from '../../agents';
import { canonicalize } from '../../shared/canonical-json';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { ARTIFACT_STORE } from '../../platform/tokens';
import { domainToHttp } from '../batch-stream';
import { asAsync } from '../delivery/chunk-runner';
import { draftNoticeContent, draftTranslation, mergeElements, type DraftedContent } from '../domain/draft-content';
import { noticeFactsFromIncident } from '../domain/from-incident';
import { noticeBatchStream, type NoticeBatchState, type NoticeKind } from '../domain/notice-batch';
import {
  NoticeInputError,
  parseIncidentNoticeFacts,
  parseOrganizationProfile,
  TRANSLATABLE_FACTS,
  type IncidentNoticeFacts,
  type OrganizationProfile,
} from '../domain/notice-input';
import { NOTICES_SETTINGS, type NoticesSettings } from '../notices.settings';
import {
  coveredEntityNotice,
  hhsReport,
  hhsReportDocument,
  mediaNotice,
  substitutePostingHtml,
  type HhsReportInput,
} from '../rendering/documents';
import { LetterPdfRenderer, workerFonts, type LetterDocument } from '../rendering/letter-pdf';
import { LetterComposer } from '../rendering/letters';
import { regulatorNoticesOf, stateRegulatorNotice, type RegulatorNoticeRule } from '../rendering/regulator-notice';
import { TemplateSet } from '../rendering/templates';
import { withDerivedCounts, withDerivedTotal, type DerivableOptions } from '../domain/derived-counts';

export interface NoticeOptions {
  jurisdiction?: string;
  /** Media notice: residents affected in the jurisdiction, derived from the incident's counts (derived-counts.ts). */
  affected?: number;
  /** State-regulator notice: which of the state's regulator notices (`<rule>.<notice>`, the notice id, or its addressee). */
  regulator?: string;
  /** An officer's explanation of the stated counts (printed with them); never a different number. */
  countsExplanation?: string;
  hhs?: HhsReportInput;
  coveredEntity?: { name: string; contactName: string };
  /** State-regulator notice: individuals affected in all states, derived from the incident's total. */
  total?: number;
}

export interface BatchContent {
  kind: NoticeKind;
  org: OrganizationProfile;
  facts: IncidentNoticeFacts;
  options: NoticeOptions;
  letterDate: string;
}

export interface DraftInput {
  incidentId: string;
  /** Fill facts the body leaves out (summary, dates, breach type, locations) and the recipients list from the incident's events. */
  fromIncident?: boolean;
  kind: NoticeKind;
  organization?: unknown;
  facts: unknown;
  options?: NoticeOptions;
  /** Digest of the encrypted affected-individuals artifact (incidents import). */
  recipientsArtifact?: string;
  letterDate: string;
}

@Injectable()
export class NoticeContent {
  readonly templates: TemplateSet;
  private readonly renderer = new LetterPdfRenderer(workerFonts());

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(NOTICES_SETTINGS) private readonly settings: NoticesSettings,
    private readonly queries: QueryBus,
  ) {
    this.templates = new TemplateSet(settings.templatesDir);
  }

  /** Validates the request into content; a bad field is a ValidationError naming it. */
  build(input: { kind: NoticeKind; organization?: unknown; facts: unknown; options?: NoticeOptions; letterDate: string }): BatchContent {
    try {
      const org = parseOrganizationProfile(
        input.organization ??
          this.settings.organization ??
          (() => {
            throw new NoticeInputError('organization', 'not configured: set NOTICES_ORGANIZATION_FILE or pass organization');
          })(),
      );
      const facts = parseIncidentNoticeFacts(input.facts);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.letterDate)) throw new NoticeInputError('letterDate', 'expected YYYY-MM-DD');
      const options = input.options ?? {};
      if (input.kind === 'media' && !options.jurisdiction)
        throw new NoticeInputError('options.jurisdiction', 'required for a media notice');
      if (input.kind === 'hhs-report' && !options.hhs) throw new NoticeInputError('options.hhs', 'required for the HHS report');
      if (input.kind === 'covered-entity' && !options.coveredEntity)
        throw new NoticeInputError('options.coveredEntity', 'required for a covered-entity notice');
      return { kind: input.kind, org, facts, options, letterDate: input.letterDate };
    } catch (e) {
      return domainToHttp(e);
    }
  }

  /** The digest an approval binds: templates + everything the notice says + who it goes to. */
  digest(content: BatchContent, recipientsArtifact?: string): string {
    return createHash('sha256')
      .update(canonicalize({ templates: this.templates.digest, content, recipients: recipientsArtifact ?? null }))
      .digest('hex');
  }

  /** Stores the content encrypted under the incident's key; returns the artifact's digest. */
  async store(incidentId: string, content: BatchContent): Promise<string> {
    return (await this.artifacts.write(`incident:${incidentId}`, asAsync([JSON.stringify(content)]))).digest;
  }

  /** Refuses a recipients artifact that is not in the store. */
  async requireRecipients(recipientsArtifact: string | undefined): Promise<void> {
    if (recipientsArtifact !== undefined && !(await this.artifacts.has(recipientsArtifact)))
      throw ValidationError.field('recipientsArtifact', 'no such artifact');
  }

  /** What the incident context already knows, mapped to notice facts (its events are the source). */
  async fromIncident(incidentId: string) {
    const events = await this.ledger.readStream(`incident-${incidentId}`);
    if (events.length === 0) throw ValidationError.field('incidentId', 'no such incident');
    return noticeFactsFromIncident(incidentId, events as never);
  }

  /**
   * What the notice can say from the facts alone, for the officer to review and edit: (A) what
   * happened from the breach type, places and dates; (B) the types of PHI from the incident's
   * data elements, its list's columns and its datasets; (C) the steps from those types
   * (templates/content); (D) the mitigation from the containment actions carried out.
   */
  async draftFacts(incidentId: string, given: { creditMonitoring?: unknown } = {}) {
    const known = await this.fromIncident(incidentId);
    const rows = known.datasetIds.length
      ? await this.queries.execute<DatasetPopulationsQuery, DatasetPopulationRow[]>(new DatasetPopulationsQuery(known.datasetIds))
      : [];
    const containmentActions = await this.queries.execute<ContainmentActionsOfIncidentQuery, ContainmentActionDone[]>(
      new ContainmentActionsOfIncidentQuery(incidentId),
    );
    const dataElements = mergeElements(known.dataElements, ...rows.map((r) => r.population?.dataElements));
    const drafted: DraftedContent = draftNoticeContent(
      { dataElements, containmentActions, creditMonitoringOffered: given.creditMonitoring !== undefined },
      this.templates.catalogue('en'),
    );
    const { review, ...content } = drafted;
    // Letters in another language: the same facts drafted from that language's reviewed wording.
    const translations: Record<string, object> = {};
    for (const lang of this.templates.languages)
      if (this.templates.catalogue(lang).language === lang)
        translations[lang] = draftTranslation(
          { facts: known.facts, dataElements, containmentActions, creditMonitoringOffered: given.creditMonitoring !== undefined },
          this.templates.catalogue(lang),
        );
    return {
      known,
      dataElements,
      facts: { ...known.facts, ...content, ...(Object.keys(translations).length ? { translations } : {}) },
      review,
      catalogueVersion: this.templates.catalogue('en').version,
    };
  }

  /**
   * The request with what it leaves out filled from the incident (facts it gives win), and every
   * count and flag derived from the incident's events (a typed number must agree: derived-counts.ts).
   */
  async withIncidentFacts(input: DraftInput): Promise<DraftInput> {
    const events = await this.ledger.readStream(`incident-${input.incidentId}`);
    // A notice drafted for no recorded incident (tests, migrations) states what it was given.
    if (events.length === 0 && !input.fromIncident) return input;
    const known = await this.fromIncident(input.incidentId);
    const options = withDerivedTotal(
      input.kind,
      withDerivedCounts(input.kind, (input.options ?? {}) as DerivableOptions, known),
      known,
    ) as NoticeOptions;
    if (!input.fromIncident) return { ...input, options };
    const given = (input.facts ?? {}) as Record<string, unknown>;
    const drafted = await this.draftFacts(input.incidentId, given);
    // Translations merge per language (the officer's win); a field the officer wrote in English
    // and did not translate is not replaced by a drafted translation of something else.
    const t = (drafted.facts as { translations?: Record<string, Record<string, unknown>> }).translations ?? {};
    const givenT = (given.translations ?? {}) as Record<string, Record<string, unknown> | undefined>;
    const translations: Record<string, Record<string, unknown>> = {};
    for (const lang of new Set([...Object.keys(t), ...Object.keys(givenT)])) {
      const tr = { ...t[lang] };
      for (const k of TRANSLATABLE_FACTS) if (given[k] !== undefined) delete tr[k];
      translations[lang] = { ...tr, ...givenT[lang] };
    }
    return {
      ...input,
      options,
      facts: { ...drafted.facts, ...(input.facts as object), ...(Object.keys(translations).length ? { translations } : {}) },
      ...(input.recipientsArtifact || !known.recipientsArtifact ? {} : { recipientsArtifact: known.recipientsArtifact }),
    };
  }

  /** Content artifacts by content digest, from the batch stream (NoticeContentStored). */
  async artifactFor(batchId: string, contentDigest: string): Promise<string> {
    const events = await this.ledger.readStream(noticeBatchStream(batchId));
    const stored = events
      .filter((e) => e.type === 'NoticeContentStored' && (e.data as { contentDigest: string }).contentDigest === contentDigest)
      .pop();
    if (!stored) throw new NotFoundError('notice content not found');
    return (stored.data as { contentArtifact: string }).contentArtifact;
  }

  async read(batchId: string, contentDigest: string): Promise<BatchContent> {
    const digest = await this.artifactFor(batchId, contentDigest);
    const parts: Buffer[] = [];
    for await (const c of this.artifacts.read(digest)) parts.push(c);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as BatchContent;
  }

  /** The letter and email composer for individual notices of this content. */
  composer(content: BatchContent): LetterComposer {
    return new LetterComposer(this.templates, { org: content.org, incident: content.facts }, content.letterDate);
  }

  /** The PDF (or HTML for the posting) of a non-individual notice. */
  /** `posting`: for the substitute notice, the day it goes up and its real take-down date. */
  async documentFor(
    state: NoticeBatchState,
    content: BatchContent,
    posting?: { postedOn: string; until: string },
  ): Promise<LetterDocument | Buffer> {
    const ctx = { org: content.org, incident: content.facts };
    switch (state.kind) {
      case 'media': {
        const affected = content.options.affected ?? (await this.countState(state, content.options.jurisdiction!));
        return mediaNotice(this.templates, ctx, { code: content.options.jurisdiction!, affected }, content.letterDate);
      }
      case 'hhs-report':
        return hhsReportDocument(
          this.templates,
          content.org,
          hhsReport(content.org, content.facts, content.options.hhs!),
          content.letterDate,
        );
      case 'covered-entity':
        return coveredEntityNotice(
          this.templates,
          ctx,
          content.options.coveredEntity!,
          {
            total: state.recipients ? await this.countAll(state) : 0,
            artifactDigest: state.recipients?.artifactDigest ?? 'delivered separately',
          },
          content.letterDate,
        );
      case 'state-regulator': {
        const code = state.jurisdiction ?? content.options.jurisdiction!;
        const { loadStateOverlays } = await import('../../incidents');
        const overlay = loadStateOverlays().byJurisdiction.get(code);
        if (!overlay) throw ValidationError.field('options.jurisdiction', `no state overlay for ${code}`);
        const regulator = pickRegulator(regulatorNoticesOf(overlay, content.letterDate), state.regulator ?? content.options.regulator);
        const residents = content.options.affected ?? (await this.countState(state, code));
        const total = content.options.total ?? (state.recipients ? await this.countAll(state) : null);
        return stateRegulatorNotice(
          this.templates,
          ctx,
          {
            code,
            regulator,
            residents,
            total,
            residentsNoticeOn: content.letterDate,
            ...(content.options.countsExplanation ? { countsExplanation: content.options.countsExplanation } : {}),
          },
          content.letterDate,
        );
      }
      case 'substitute-posting':
        return Buffer.from(substitutePostingHtml(this.templates, ctx, posting?.postedOn ?? content.letterDate, posting?.until));
      default:
        throw new Error('individual notices have no single document');
    }
  }

  /** Deterministic bytes: the letter date is the PDF's creation date. */
  renderPdf(doc: LetterDocument, letterDate: string) {
    return this.renderer.render(doc, { creationDate: new Date(`${letterDate}T00:00:00Z`) });
  }

  private async countState(state: NoticeBatchState, code: string): Promise<number> {
    if (!state.recipients) throw ValidationError.field('options.affected', 'required when the batch has no recipients list');
    let n = 0;
    for await (const p of this.artifacts.readNdjson<AffectedIndividual>(state.recipients.artifactDigest))
      if (p.address?.state === code) n++;
    return n;
  }

  private async countAll(state: NoticeBatchState): Promise<number> {
    let n = 0;
    for await (const _ of this.artifacts.readNdjson<AffectedIndividual>(state.recipients!.artifactDigest)) n++;
    return n;
  }
}

/** The regulator notice (`<rule>.<notice>`) a state-regulator batch for `code` is addressed to, on `letterDate`. */
export async function resolveRegulator(code: string, letterDate: string, wanted: string | undefined): Promise<RegulatorNoticeRule> {
  const { loadStateOverlays } = await import('../../incidents');
  const overlay = loadStateOverlays().byJurisdiction.get(code);
  if (!overlay) throw ValidationError.field('options.jurisdiction', `no state overlay for ${code}`);
  return pickRegulator(regulatorNoticesOf(overlay, letterDate), wanted);
}

/** The regulator notice a batch names (`<rule>.<notice>`, the notice id, or its addressee), or the state's only one. */
export function pickRegulator(all: RegulatorNoticeRule[], wanted: string | undefined): RegulatorNoticeRule {
  if (all.length === 0) throw ValidationError.field('options.jurisdiction', 'the state overlay lists no regulator notice');
  if (!wanted) {
    if (all.length === 1) return all[0]!;
    throw ValidationError.field('regulator', `this state has several regulator notices: ${all.map((r) => r.id).join(', ')}`);
  }
  const hit = all.find((r) => r.id === wanted || r.id.endsWith(`.${wanted}`) || r.to === wanted);
  if (!hit)
    throw ValidationError.field('regulator', `not a regulator notice of this state: expected one of ${all.map((r) => r.id).join(', ')}`);
  return hit;
}

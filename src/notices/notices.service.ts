/**
 * Application service of the notices context: the commands (draft, revise, preview, approve,
 * release, returns) run load → decide → append through the ledger, and the read side answers
 * from the batch streams and the delivery store. No side effects here: delivery starts from the
 * committed NoticeBatchReleased event (NoticeReleaseProcessor).
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RunIncidentCommand } from '../incidents/commands/incident-command';
import { noticeFactsFromIncident } from './domain/from-incident';
import { canonicalize } from '../ledger/canonical-json';
import { handleCommand, loadState } from '../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import type { AffectedIndividual } from '../incidents/domain/affected-individual';
import type { ArtifactStore } from '../phi/artifact-store';
import { uuidv7 } from '../platform/ids';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError, ValidationError } from '../platform/errors';
import { ARTIFACT_STORE } from '../platform/tokens';
import { addToCounts, emptyCounts, planChannel } from './domain/channel';
import {
  noticeBatchDecider, noticeBatchStream, NoticeBatchError, type NoticeBatchCommand, type NoticeBatchEvent, type NoticeBatchState, type NoticeKind, type PreviewSummary,
} from './domain/notice-batch';
import { NoticeInputError, parseIncidentNoticeFacts, parseOrganizationProfile, type IncidentNoticeFacts, type OrganizationProfile } from './domain/notice-input';
import { asAsync } from './delivery/chunk-runner';
import { DeliveryStore } from './delivery/delivery-store';
import { coveredEntityNotice, hhsReport, hhsReportDocument, mediaNotice, substitutePostingHtml, type HhsReportInput } from './rendering/documents';
import { LetterPdfRenderer, workerFonts, type LetterDocument } from './rendering/letter-pdf';
import { LetterComposer } from './rendering/letters';
import { TemplateSet } from './rendering/templates';
import { NOTICES_SETTINGS, type NoticesSettings } from './notices.settings';

export interface NoticeOptions {
  jurisdiction?: string;
  /** Media notice: residents affected in the jurisdiction (else counted from the recipients). */
  affected?: number;
  hhs?: HhsReportInput;
  coveredEntity?: { name: string; contactName: string };
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

export function domainToHttp(err: unknown): never {
  if (err instanceof NoticeBatchError) {
    switch (err.code) {
      case 'BATCH_NOT_FOUND': throw new NotFoundError(err.message);
      case 'BATCH_EXISTS': throw new ConflictError(err.message);
      case 'NOT_PERMITTED': throw new ForbiddenError(err.message);
      case 'INVALID_INPUT': {
        const [field, ...rest] = err.message.split(': ');
        throw ValidationError.field(field!, rest.join(': ') || err.message);
      }
      default: throw new RuleViolationError(err.message, { rule: err.code });
    }
  }
  if (err instanceof NoticeInputError) throw ValidationError.field(err.field, err.reason);
  throw err;
}

@Injectable()
export class NoticesService {
  readonly templates: TemplateSet;
  private readonly renderer = new LetterPdfRenderer(workerFonts());

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(DeliveryStore) readonly deliveries: DeliveryStore,
    @Inject(NOTICES_SETTINGS) private readonly settings: NoticesSettings,
    private readonly commands: CommandBus,
  ) {
    this.templates = new TemplateSet(settings.templatesDir);
  }

  private async run(batchId: string, cmd: NoticeBatchCommand, ctx: CommandContext, mode: 'create' | 'update', expectedVersion?: bigint) {
    try {
      return await handleCommand(this.ledger, noticeBatchStream(batchId), noticeBatchDecider, cmd, ctx, { mode, ...(expectedVersion !== undefined ? { expectedVersion } : {}) });
    } catch (e) {
      return domainToHttp(e);
    }
  }

  private now(): string {
    return this.ledger.now().toISOString();
  }

  async load(batchId: string): Promise<{ state: NoticeBatchState; version: bigint }> {
    const { state, version } = await loadState(this.ledger, noticeBatchStream(batchId), noticeBatchDecider as never);
    if (version === null) throw new NotFoundError('notice batch not found');
    return { state: state as NoticeBatchState, version };
  }

  private buildContent(input: { kind: NoticeKind; organization?: unknown; facts: unknown; options?: NoticeOptions; letterDate: string }): BatchContent {
    try {
      const org = parseOrganizationProfile(input.organization ?? this.settings.organization ?? (() => { throw new NoticeInputError('organization', 'not configured: set NOTICES_ORGANIZATION_FILE or pass organization'); })());
      const facts = parseIncidentNoticeFacts(input.facts);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(input.letterDate)) throw new NoticeInputError('letterDate', 'expected YYYY-MM-DD');
      const options = input.options ?? {};
      if (input.kind === 'media' && !options.jurisdiction) throw new NoticeInputError('options.jurisdiction', 'required for a media notice');
      if (input.kind === 'hhs-report' && !options.hhs) throw new NoticeInputError('options.hhs', 'required for the HHS report');
      if (input.kind === 'covered-entity' && !options.coveredEntity) throw new NoticeInputError('options.coveredEntity', 'required for a covered-entity notice');
      return { kind: input.kind, org, facts, options, letterDate: input.letterDate };
    } catch (e) {
      return domainToHttp(e);
    }
  }

  /** The digest an approval binds: templates + everything the notice says + who it goes to. */
  contentDigest(content: BatchContent, recipientsArtifact?: string): string {
    return createHash('sha256').update(canonicalize({ templates: this.templates.digest, content, recipients: recipientsArtifact ?? null })).digest('hex');
  }

  private async storeContent(incidentId: string, content: BatchContent): Promise<string> {
    return (await this.artifacts.write(`incident:${incidentId}`, asAsync([JSON.stringify(content)]))).digest;
  }

  /** What the incident context already knows, mapped to notice facts (its events are the source). */
  async fromIncident(incidentId: string) {
    const events = await this.ledger.readStream(`incident-${incidentId}`);
    if (events.length === 0) throw ValidationError.field('incidentId', 'no such incident');
    return noticeFactsFromIncident(incidentId, events as never);
  }

  async draft(input: DraftInput, ctx: CommandContext): Promise<{ batchId: string; version: bigint }> {
    if (input.fromIncident) {
      const known = await this.fromIncident(input.incidentId);
      input = {
        ...input,
        facts: { ...known.facts, ...(input.facts as object) },
        ...(input.recipientsArtifact || !known.recipientsArtifact ? {} : { recipientsArtifact: known.recipientsArtifact }),
      };
    }
    if (input.recipientsArtifact !== undefined && !this.artifacts.has(input.recipientsArtifact)) throw ValidationError.field('recipientsArtifact', 'no such artifact');
    if (input.kind === 'individual' && !input.recipientsArtifact) throw ValidationError.field('recipientsArtifact', 'required for individual notices');
    const content = this.buildContent(input);
    const batchId = uuidv7();
    const contentArtifact = await this.storeContent(input.incidentId, content);
    const contentDigest = this.contentDigest(content, input.recipientsArtifact);
    const r = await this.run(batchId, {
      type: 'DraftNoticeBatch', batchId, incidentId: input.incidentId, kind: input.kind,
      ...(content.options.jurisdiction ? { jurisdiction: content.options.jurisdiction } : {}),
      contentDigest, ...(input.recipientsArtifact ? { recipients: { artifactDigest: input.recipientsArtifact, count: -1 } } : {}),
      actor: ctx.actor, at: this.now(),
    }, ctx, 'create');
    await this.ledger.append(noticeBatchStream(batchId), [{ type: 'NoticeContentStored', data: { batchId, contentDigest, contentArtifact } }], r.nextExpectedVersion, ctx);
    return { batchId, version: r.nextExpectedVersion + 1n };
  }

  /** Content artifacts by content digest, from the batch stream (NoticeContentStored). */
  async contentFor(batchId: string, contentDigest: string): Promise<BatchContent> {
    const events = await this.ledger.readStream(noticeBatchStream(batchId));
    const stored = events.filter((e) => e.type === 'NoticeContentStored' && (e.data as { contentDigest: string }).contentDigest === contentDigest).pop();
    if (!stored) throw new NotFoundError('notice content not found');
    const digest = (stored.data as { contentArtifact: string }).contentArtifact;
    const parts: Buffer[] = [];
    for await (const c of this.artifacts.read(digest)) parts.push(c);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as BatchContent;
  }

  async contentArtifactFor(batchId: string, contentDigest: string): Promise<string> {
    const events = await this.ledger.readStream(noticeBatchStream(batchId));
    const stored = events.filter((e) => e.type === 'NoticeContentStored' && (e.data as { contentDigest: string }).contentDigest === contentDigest).pop();
    if (!stored) throw new NotFoundError('notice content not found');
    return (stored.data as { contentArtifact: string }).contentArtifact;
  }

  async revise(batchId: string, input: Omit<DraftInput, 'incidentId' | 'kind'>, ctx: CommandContext, expectedVersion?: bigint) {
    const { state } = await this.load(batchId);
    const recipients = input.recipientsArtifact ?? state.recipients?.artifactDigest;
    if (input.recipientsArtifact !== undefined && !this.artifacts.has(input.recipientsArtifact)) throw ValidationError.field('recipientsArtifact', 'no such artifact');
    const content = this.buildContent({ ...input, kind: state.kind });
    const contentDigest = this.contentDigest(content, recipients);
    const contentArtifact = await this.storeContent(state.incidentId, content);
    const r = await this.run(batchId, {
      type: 'ReviseNoticeBatch', contentDigest, ...(input.recipientsArtifact ? { recipients: { artifactDigest: input.recipientsArtifact, count: -1 } } : {}),
      actor: ctx.actor, at: this.now(),
    }, ctx, 'update', expectedVersion);
    if (r.newEvents.length === 0) return { version: r.nextExpectedVersion };
    const a = await this.ledger.append(noticeBatchStream(batchId), [{ type: 'NoticeContentStored', data: { batchId, contentDigest, contentArtifact } }], r.nextExpectedVersion, ctx);
    return { version: a.nextExpectedVersion };
  }

  /** Sample documents and counts per channel and state; recorded so the approver sees what they approve. */
  async preview(batchId: string, ctx: CommandContext, sampleSize = 2): Promise<{ preview: PreviewSummary; version: bigint }> {
    const { state } = await this.load(batchId);
    const content = await this.contentFor(batchId, state.contentDigest);
    const scope = `incident:${state.incidentId}`;
    const counts = emptyCounts();
    const samples: PreviewSummary['samples'] = [];
    const creationDate = new Date(`${content.letterDate}T00:00:00Z`);
    const addSample = async (channel: string, doc: LetterDocument | Buffer) => {
      const pdf = Buffer.isBuffer(doc) ? doc : (await this.renderer.render(doc, { creationDate })).pdf;
      const ref = await this.artifacts.write(scope, asAsync([pdf]));
      samples.push({ channel, artifactDigest: ref.digest, sha256: createHash('sha256').update(pdf).digest('hex') });
    };
    if (state.kind === 'individual') {
      const composer = new LetterComposer(this.templates, { org: content.org, incident: content.facts }, content.letterDate);
      const taken: Record<string, number> = {};
      for await (const p of this.artifacts.readNdjson<AffectedIndividual>(state.recipients!.artifactDigest)) {
        const plan = planChannel(p);
        addToCounts(counts, plan);
        if ((taken[plan.channel] ?? 0) >= sampleSize) continue;
        if (plan.channel === 'mail' || plan.channel === 'mail-next-of-kin') {
          taken[plan.channel] = (taken[plan.channel] ?? 0) + 1;
          await addSample(plan.channel, composer.letter(batchId, p, plan));
        } else if (plan.channel === 'email') {
          taken.email = (taken.email ?? 0) + 1;
          const m = composer.email(p);
          await addSample('email', Buffer.from(`Subject: ${m.subject}\n\n${m.text}`));
        }
      }
    } else {
      await addSample(state.kind, await this.documentFor(state, content));
    }
    const preview: PreviewSummary = {
      contentDigest: state.contentDigest,
      counts: { total: counts.total, byChannel: counts.byChannel, byState: counts.byState, byChannelAndState: counts.byChannelAndState },
      samples,
    };
    const r = await this.run(batchId, { type: 'RecordNoticePreview', preview, actor: ctx.actor, at: this.now() }, ctx, 'update');
    return { preview, version: r.nextExpectedVersion };
  }

  /** The PDF (or HTML for the posting) of a non-individual notice. */
  async documentFor(state: NoticeBatchState, content: BatchContent): Promise<LetterDocument | Buffer> {
    const ctx = { org: content.org, incident: content.facts };
    switch (state.kind) {
      case 'media': {
        const affected = content.options.affected ?? (await this.countState(state, content.options.jurisdiction!));
        return mediaNotice(this.templates, ctx, { code: content.options.jurisdiction!, affected }, content.letterDate);
      }
      case 'hhs-report':
        return hhsReportDocument(this.templates, content.org, hhsReport(content.org, content.facts, content.options.hhs!), content.letterDate);
      case 'covered-entity':
        return coveredEntityNotice(this.templates, ctx, content.options.coveredEntity!, {
          total: state.recipients ? await this.countAll(state) : 0, artifactDigest: state.recipients?.artifactDigest ?? 'delivered separately',
        }, content.letterDate);
      case 'substitute-posting':
        return Buffer.from(substitutePostingHtml(this.templates, ctx, content.letterDate));
      default:
        throw new Error('individual notices have no single document');
    }
  }

  private async countState(state: NoticeBatchState, code: string): Promise<number> {
    if (!state.recipients) throw ValidationError.field('options.affected', 'required when the batch has no recipients list');
    let n = 0;
    for await (const p of this.artifacts.readNdjson<AffectedIndividual>(state.recipients.artifactDigest)) if (p.address?.state === code) n++;
    return n;
  }

  private async countAll(state: NoticeBatchState): Promise<number> {
    let n = 0;
    for await (const _ of this.artifacts.readNdjson<AffectedIndividual>(state.recipients!.artifactDigest)) n++;
    return n;
  }

  renderPdf(doc: LetterDocument, letterDate: string) {
    return this.renderer.render(doc, { creationDate: new Date(`${letterDate}T00:00:00Z`) });
  }

  async approve(batchId: string, contentDigest: string, ctx: CommandContext, expectedVersion?: bigint) {
    const r = await this.run(batchId, { type: 'ApproveNoticeBatch', contentDigest, actor: ctx.actor, at: this.now() }, ctx, 'update', expectedVersion);
    return { version: r.nextExpectedVersion };
  }

  async release(batchId: string, ctx: CommandContext, expectedVersion?: bigint) {
    const r = await this.run(batchId, { type: 'ReleaseNoticeBatch', actor: ctx.actor, at: this.now() }, ctx, 'update', expectedVersion);
    return { version: r.nextExpectedVersion };
  }

  async cancel(batchId: string, reason: string, ctx: CommandContext) {
    const r = await this.run(batchId, { type: 'CancelNoticeBatch', reason, actor: ctx.actor, at: this.now() }, ctx, 'update');
    return { version: r.nextExpectedVersion };
  }

  async apply(batchId: string, cmd: NoticeBatchCommand, ctx: CommandContext): Promise<NoticeBatchEvent[]> {
    return (await this.run(batchId, cmd, ctx, 'update')).newEvents;
  }

  /** done, rate (per second) and ETA from the delivery records. */
  progress(batchId: string) {
    const run = this.deliveries.run(batchId);
    const p = this.deliveries.progress(batchId);
    const total = run?.total ?? null;
    let rate: number | null = null;
    let etaSeconds: number | null = null;
    if (p.firstAt && p.lastAt && p.done > 0) {
      const secs = (Date.parse(p.lastAt) - Date.parse(p.firstAt)) / 1000;
      rate = secs > 0 ? Math.round((p.done / secs) * 10) / 10 : null;
      if (rate && total !== null) etaSeconds = Math.max(0, Math.round((total - p.done) / rate));
    }
    return { planned: run !== null, total, chunks: run?.chunks ?? null, done: p.done, byState: p.byState, byChannel: p.byChannel, rate, etaSeconds, possibleDuplicates: p.possibleDuplicates, finishedAt: run?.finishedAt ?? null };
  }

  async view(batchId: string) {
    const { state, version } = await this.load(batchId);
    return { ...state, version: version.toString(), progress: this.progress(batchId) };
  }

  proof(individualId: string) {
    return this.deliveries.forIndividual(individualId).map((r) => ({
      batchId: r.batchId, individualId: r.individualId, letterId: r.letterId, channel: r.channel, state: r.state,
      time: r.deliveredAt, smtpMessageId: r.messageId, smtpResponse: r.smtpResponse, mailHouseFile: r.printFile,
      pages: r.firstPage !== null ? [r.firstPage, r.lastPage] : null, pdfSha256: r.pdfSha256, possibleDuplicate: r.possibleDuplicate,
      returnedAt: r.returnedAt, returnReason: r.returnReason,
    }));
  }

  /**
   * Completes an incident obligation with this batch as its evidence: a PHI-free proof export
   * (one line per recipient: individual id, channel, state, time, SMTP message id or print file,
   * PDF SHA-256; or the issued document's digests) stored as an artifact whose digest the
   * ObligationCompleted event carries.
   */
  async completeObligation(batchId: string, obligationId: string, ctx: CommandContext) {
    const { state } = await this.load(batchId);
    if (state.status !== 'completed') throw new RuleViolationError('the batch has not finished delivering', { rule: 'BATCH_NOT_COMPLETED' });
    const lines: string[] = [];
    if (state.kind === 'individual') {
      lines.push('individual_id,letter_id,channel,state,time,smtp_message_id,mail_house_file,first_page,last_page,pdf_sha256,possible_duplicate');
      for (const r of this.deliveries.db.prepare('SELECT * FROM notice_deliveries WHERE batch_id = ? ORDER BY individual_id').iterate(batchId) as Iterable<Record<string, unknown>>) {
        lines.push([r.individual_id, r.letter_id, r.channel, r.state, r.delivered_at ?? '', r.message_id ?? '', r.print_file ?? '', r.first_page ?? '', r.last_page ?? '', r.pdf_sha256 ?? '', r.possible_duplicate].join(','));
      }
    } else {
      lines.push('kind,pdf_artifact,pdf_sha256,json_artifact');
      for (const d of state.documents) lines.push([state.kind, d.pdfArtifact, d.pdfSha256, d.jsonArtifact ?? ''].join(','));
    }
    const ref = await this.artifacts.write(`incident:${state.incidentId}`, asAsync([`${lines.join('\n')}\n`]));
    const completedOn = (state.completion?.at ?? this.now()).slice(0, 10);
    const delivered = state.completion?.delivered ?? 0;
    await this.commands.execute(new RunIncidentCommand(state.incidentId, {
      kind: 'complete-obligation', obligationId,
      evidence: { description: `Notice batch ${batchId} (${state.kind}): ${delivered} delivered, proof of notice export attached`, completedOn, artifactDigest: ref.digest },
    } as never, ctx));
    return { incidentId: state.incidentId, obligationId, evidenceArtifact: ref.digest, completedOn };
  }

  /** Returned mail and bounces by letter reference; unknown references are reported, never guessed. */
  async recordReturns(entries: Array<{ letterId: string; kind: 'returned-mail' | 'bounce'; reason: string }>, ctx: CommandContext) {
    const byBatch = new Map<string, { kind: 'returned-mail' | 'bounce'; letterIds: string[] }>();
    const unknown: string[] = [];
    const at = this.now();
    for (const e of entries) {
      const rec = this.deliveries.byLetterId(e.letterId);
      if (!rec) { unknown.push(e.letterId); continue; }
      this.deliveries.markReturned(rec.batchId, rec.individualId, at, `${e.kind}: ${e.reason}`.slice(0, 200));
      const key = `${rec.batchId}|${e.kind}`;
      const g = byBatch.get(key) ?? { kind: e.kind, letterIds: [] };
      g.letterIds.push(e.letterId);
      byBatch.set(key, g);
    }
    let added = 0;
    const perIncident = new Map<string, { added: number; batches: string[] }>();
    for (const [key, g] of byBatch) {
      const batchId = key.split('|')[0]!;
      const events = await this.apply(batchId, { type: 'RecordNoticesReturned', letterIds: g.letterIds, returnKind: g.kind, at }, ctx);
      for (const ev of events) {
        if (ev.type !== 'NoticesReturned') continue;
        added += ev.data.insufficientContactAdded;
        const p = perIncident.get(ev.data.incidentId) ?? { added: 0, batches: [] };
        p.added += ev.data.insufficientContactAdded;
        p.batches.push(batchId);
        perIncident.set(ev.data.incidentId, p);
      }
    }
    // Raise the incident's insufficient-contact count: the incident context re-runs triage on
    // AffectedCountsRevised and may add a substitute-notice obligation.
    const triageUpdated: string[] = [];
    for (const [incidentId, p] of perIncident) {
      const events = await this.ledger.readStream(`incident-${incidentId}`);
      const known = noticeFactsFromIncident(incidentId, events as never);
      if (!known.counts) continue;
      const total = Object.values(known.counts.byState).reduce((a, b) => a + b, 0);
      const counts = { byState: known.counts.byState, insufficientContact: Math.min(total, known.counts.insufficientContact + p.added) };
      await this.commands.execute(new RunIncidentCommand(incidentId, {
        kind: 'revise-affected-counts', counts, reason: 'returned-mail', note: `${p.added} notices returned (batches ${p.batches.join(', ')})`,
      } as never, ctx));
      triageUpdated.push(incidentId);
    }
    return { recorded: entries.length - unknown.length, insufficientContactAdded: added, unknownLetterIds: unknown, incidentsUpdated: triageUpdated };
  }
}

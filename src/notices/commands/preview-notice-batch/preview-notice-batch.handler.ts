import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AffectedIndividual } from '../../../incidents';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import type { ArtifactStore } from '../../../phi';
import { ARTIFACT_STORE } from '../../../platform/tokens';
import { loadBatch, runBatchCommand } from '../../batch-stream';
import { NoticeContent } from '../../content/notice-content';
import { asAsync } from '../../delivery/chunk-runner';
import { addToCounts, emptyCounts, planChannel } from '../../domain/channel';
import { untranslatedFields } from '../../domain/draft-content';
import { TRANSLATABLE_FACTS } from '../../domain/notice-input';
import type { PreviewSummary } from '../../domain/notice-batch';
import type { LetterDocument } from '../../rendering/letter-pdf';
import { PreviewNoticeBatchCommand } from './preview-notice-batch.command';

@CommandHandler(PreviewNoticeBatchCommand)
export class PreviewNoticeBatchHandler implements ICommandHandler<PreviewNoticeBatchCommand, { preview: PreviewSummary; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    private readonly content: NoticeContent,
  ) {}

  async execute({ batchId, ctx, sampleSize }: PreviewNoticeBatchCommand): Promise<{ preview: PreviewSummary; version: bigint }> {
    const { state } = await loadBatch(this.ledger, batchId);
    const content = await this.content.read(batchId, state.contentDigest);
    const scope = `incident:${state.incidentId}`;
    const counts = emptyCounts();
    const samples: PreviewSummary['samples'] = [];
    const byLanguage: Record<string, number> = {};
    const languageFallbacks: Record<string, number> = {};
    const stateSectionFallbacks: Record<string, number> = {};
    const addSample = async (channel: string, doc: LetterDocument | Buffer, language?: string) => {
      const pdf = Buffer.isBuffer(doc) ? doc : (await this.content.renderPdf(doc, content.letterDate)).pdf;
      const ref = await this.artifacts.write(scope, asAsync([pdf]));
      samples.push({
        channel,
        artifactDigest: ref.digest,
        sha256: createHash('sha256').update(pdf).digest('hex'),
        ...(language ? { language } : {}),
      });
    };
    if (state.kind === 'individual') {
      const composer = this.content.composer(content);
      const taken: Record<string, number> = {};
      for await (const p of this.artifacts.readNdjson<AffectedIndividual>(state.recipients!.artifactDigest)) {
        const plan = planChannel(p);
        addToCounts(counts, plan);
        const language = composer.languageOf(p);
        if (plan.channel !== 'none' && plan.channel !== 'substitute') {
          byLanguage[language] = (byLanguage[language] ?? 0) + 1;
          if (p.language && p.language !== language) languageFallbacks[p.language] = (languageFallbacks[p.language] ?? 0) + 1;
          if (plan.channel !== 'email' && composer.stateSectionFallsBack(p, plan)) {
            const k = `${language}.${plan.address!.state}`;
            stateSectionFallbacks[k] = (stateSectionFallbacks[k] ?? 0) + 1;
          }
        }
        // Samples per channel and language: a reviewer reads every language the batch writes in.
        const key = `${plan.channel}.${language}`;
        if ((taken[key] ?? 0) >= sampleSize) continue;
        if (plan.channel === 'mail' || plan.channel === 'mail-next-of-kin') {
          taken[key] = (taken[key] ?? 0) + 1;
          await addSample(plan.channel, composer.letter(batchId, p, plan), language);
        } else if (plan.channel === 'email') {
          taken[key] = (taken[key] ?? 0) + 1;
          const m = composer.email(p);
          await addSample('email', Buffer.from(`Subject: ${m.subject}\n\n${m.text}`), language);
        }
      }
    } else {
      await addSample(state.kind, await this.content.documentFor(state, content));
    }
    const preview: PreviewSummary = {
      contentDigest: state.contentDigest,
      counts: {
        total: counts.total,
        byChannel: counts.byChannel,
        byState: counts.byState,
        byChannelAndState: counts.byChannelAndState,
        ...(state.kind === 'individual' ? { byLanguage, languageFallbacks, stateSectionFallbacks } : {}),
      },
      ...(state.kind === 'individual'
        ? {
            untranslated: Object.fromEntries(
              Object.keys(byLanguage)
                .filter((l) => l !== 'en')
                .map((l) => [l, untranslatedFields(content.facts as never, l, TRANSLATABLE_FACTS)]),
            ),
          }
        : {}),
      samples,
    };
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      { kind: 'record-preview', preview, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      'update',
    );
    return { preview, version: r.nextExpectedVersion };
  }
}

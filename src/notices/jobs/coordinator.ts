/**
 * Drives released batches in the worker role:
 * - NoticeBatchReleased (from the ledger, via NoticeReleaseProcessor) → a release job: individual
 *   batches are planned into chunk jobs; other kinds issue their document (PDF, HHS JSON) or post
 *   the substitute notice and schedule its take-down.
 * - Chunk jobs (letters) and email jobs (a chunk's emails, on their own queue and rate limit) run
 *   in sandboxed processors; after each, the batch completes when every recipient has a final
 *   delivery record (NoticeBatchCompleted carries the records' digest).
 * - Substitute-notice take-down: a delayed job per posting; on start a reconciler re-derives
 *   every pending take-down from the read model, so a flushed Redis loses no timer.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { handleCommand } from '../../ledger/decider';
import type { CommandContext, Ledger } from '../../ledger/ledger';
import type { RecordedEvent } from '../../ledger/port';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { ArtifactStore } from '../../phi';
import type { Clock } from '../../platform/clock';
import type { QueueRegistry } from '../../platform/redis';
import { asAsync } from '../delivery/chunk-runner';
import type { DeliveryStore } from '../delivery/delivery-store';
import { CHUNK_QUEUE, EMAIL_QUEUE, planBatch } from '../delivery/planner';
import { postingDecider, postingStream, PostingRuleError, postingTakeDown } from '../domain/posting';
import { hhsReport } from '../rendering/documents';
import { loadBatch, runBatchCommand } from '../batch-stream';
import type { NoticeContent } from '../content/notice-content';
import type { NoticesSettings } from '../notices.settings';
import { chunkProcessorFile, emailProcessorFile, sandboxOptions } from './chunk-worker-config';
import { systemActor } from '../../shared/system-actor';

export const RELEASE_QUEUE = 'notices-release';
export const POSTING_QUEUE = 'notices-postings';
const SYSTEM: CommandContext['actor'] = systemActor('notices');

function ctxFor(correlationId: string): CommandContext {
  return { actor: SYSTEM, correlationId };
}

export class NoticeReleaseProcessor implements EventProcessor {
  readonly name = 'notices-release';
  readonly handles = ['NoticeBatchReleased'] as const;
  constructor(private readonly queue: Queue) {}
  async handle(e: RecordedEvent): Promise<void> {
    const d = e.data as { batchId: string };
    await this.queue.add(
      'release',
      { batchId: d.batchId },
      { jobId: `release.${e.id}`, attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
    );
  }
}

export class NoticeCoordinator {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly ledger: Ledger,
    private readonly content: NoticeContent,
    private readonly artifacts: ArtifactStore,
    private readonly deliveries: DeliveryStore,
    private readonly queues: QueueRegistry,
    private readonly settings: NoticesSettings,
    private readonly clock: Clock,
    private readonly readDb: Database.Database,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.workers.push(this.queues.worker<{ batchId: string }>(RELEASE_QUEUE, (job) => this.release(job.data.batchId), { concurrency: 2 }));
    const chunks = this.queues.worker(CHUNK_QUEUE, chunkProcessorFile(), {
      concurrency: this.settings.workerConcurrency,
      lockDuration: 60_000,
      maxStalledCount: 10,
      ...sandboxOptions(this.settings.chunk),
    });
    // A chunk's emails: their own queue and sandboxed processor, rate-limited there (issue 15 item 2).
    const emails = this.queues.worker(EMAIL_QUEUE, emailProcessorFile(), {
      concurrency: this.settings.emailWorkerConcurrency,
      lockDuration: 60_000,
      maxStalledCount: 10,
      ...sandboxOptions(this.settings.chunk),
    });
    for (const w of [chunks, emails]) {
      w.on(
        'completed',
        (job: Job) =>
          void this.maybeComplete((job.data as { batchId: string }).batchId).catch((err) =>
            this.logger.error({ err }, 'notice batch completion check failed'),
          ),
      );
      this.workers.push(w as Worker);
    }
    this.workers.push(
      this.queues.worker<{ postingId: string }>(POSTING_QUEUE, (job) => this.takeDown(job.data.postingId), { concurrency: 1 }),
    );
  }

  /** Re-derives pending take-down timers and unfinished completions from the ledger's read models. */
  async reconcile(): Promise<void> {
    const rows = this.readDb.prepare('SELECT posting_id, take_down_at FROM notice_postings WHERE taken_down_at IS NULL').all() as Array<{
      posting_id: string;
      take_down_at: string;
    }>;
    for (const r of rows) await this.scheduleTakeDown(r.posting_id, r.take_down_at);
    const released = this.readDb
      .prepare("SELECT batch_id FROM notice_batches WHERE status = 'released' AND kind = 'individual'")
      .all() as Array<{ batch_id: string }>;
    for (const b of released) await this.maybeComplete(b.batch_id);
  }

  async release(batchId: string): Promise<unknown> {
    const { state } = await loadBatch(this.ledger, batchId);
    if (state.status !== 'released') return { skipped: state.status };
    const content = await this.content.read(batchId, state.contentDigest);
    const now = this.clock.now().toISOString();
    const ctx = ctxFor(`release-${batchId}`);
    switch (state.kind) {
      case 'individual': {
        const contentArtifact = await this.content.artifactFor(batchId, state.contentDigest);
        const queues = { chunks: this.queues.queue(CHUNK_QUEUE), emails: this.queues.queue(EMAIL_QUEUE) };
        const plan = await planBatch(this.artifacts, this.deliveries, queues, {
          batchId,
          incidentId: state.incidentId,
          recipientsArtifact: state.recipients!.artifactDigest,
          contentArtifact,
          letterDate: content.letterDate,
          creationDate: `${content.letterDate}T00:00:00.000Z`,
          chunkSize: this.settings.chunkSize,
          now,
        });
        if (plan.total === 0) await this.maybeComplete(batchId);
        return plan;
      }
      case 'substitute-posting': {
        // The page states the real posting day and take-down date (the timer's), not the letter date.
        const until = postingTakeDown(now, this.settings.postingDays).slice(0, 10);
        const html = (await this.content.documentFor(state, content, { postedOn: now.slice(0, 10), until })) as Buffer;
        const ref = await this.artifacts.write(`incident:${state.incidentId}`, asAsync([html]));
        const slug = createHash('sha256').update(`posting:${batchId}`).digest('hex').slice(0, 20);
        const url = `${content.org.publicBaseUrl.replace(/\/$/, '')}/p/notices/${slug}`;
        const r = await handleCommand(
          this.ledger,
          postingStream(batchId),
          postingDecider,
          {
            kind: 'post',
            postingId: batchId,
            batchId,
            incidentId: state.incidentId,
            slug,
            htmlArtifact: ref.digest,
            url,
            days: this.settings.postingDays,
            actor: ctx.actor,
            at: now,
          },
          ctx,
        );
        const posted = r.state;
        await this.scheduleTakeDown(batchId, posted.takeDownAt);
        await runBatchCommand(
          this.ledger,
          batchId,
          { kind: 'complete', delivered: 1, failed: 0, actor: ctx.actor, at: now },
          ctx,
          'update',
        );
        return { posted: url };
      }
      default: {
        const doc = await this.content.documentFor(state, content);
        if (Buffer.isBuffer(doc)) throw new Error('unexpected document type');
        const rendered = await this.content.renderPdf(doc, content.letterDate);
        const pdfRef = await this.artifacts.write(`incident:${state.incidentId}`, asAsync([rendered.pdf]));
        let json: { jsonArtifact: string; jsonSha256: string } | Record<string, never> = {};
        if (state.kind === 'hhs-report') {
          const body = Buffer.from(JSON.stringify(hhsReport(content.org, content.facts, content.options.hhs!), null, 2));
          const jsonRef = await this.artifacts.write(`incident:${state.incidentId}`, asAsync([body]));
          json = { jsonArtifact: jsonRef.digest, jsonSha256: createHash('sha256').update(body).digest('hex') };
        }
        await runBatchCommand(
          this.ledger,
          batchId,
          { kind: 'issue-document', pdfArtifact: pdfRef.digest, pdfSha256: rendered.sha256, ...json, actor: ctx.actor, at: now },
          ctx,
          'update',
        );
        await runBatchCommand(
          this.ledger,
          batchId,
          { kind: 'complete', delivered: 1, failed: 0, actor: ctx.actor, at: now },
          ctx,
          'update',
        );
        return { issued: rendered.sha256 };
      }
    }
  }

  async maybeComplete(batchId: string): Promise<void> {
    const run = await this.deliveries.run(batchId);
    if (!run) return;
    const p = await this.deliveries.progress(batchId);
    if (p.done < run.total) return;
    const now = this.clock.now().toISOString();
    await this.deliveries.finishRun(batchId, now);
    const failed = (p.byState.failed ?? 0) + (p.byState.held ?? 0);
    await runBatchCommand(
      this.ledger,
      batchId,
      {
        kind: 'complete',
        delivered: p.done - failed,
        failed,
        recordsDigest: await this.deliveries.digest(batchId),
        actor: SYSTEM,
        at: now,
      },
      ctxFor(`complete-${batchId}`),
      'update',
    );
  }

  async scheduleTakeDown(postingId: string, takeDownAt: string): Promise<void> {
    const delay = Math.max(0, Date.parse(takeDownAt) - this.clock.now().getTime());
    await this.queues
      .queue(POSTING_QUEUE)
      .add(
        'take-down',
        { postingId },
        { jobId: `takedown.${postingId}`, delay, attempts: 20, backoff: { type: 'exponential', delay: 5000 } },
      );
  }

  async takeDown(postingId: string): Promise<unknown> {
    try {
      await handleCommand(
        this.ledger,
        postingStream(postingId),
        postingDecider,
        { kind: 'take-down', reason: 'expired', actor: SYSTEM, at: this.clock.now().toISOString() },
        ctxFor(`takedown-${postingId}`),
        { mode: 'update' },
      );
      return { takenDown: true };
    } catch (e) {
      if (e instanceof PostingRuleError) return { takenDown: false, reason: e.message };
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.close()));
  }
}

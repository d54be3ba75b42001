/**
 * Redis is a cache of timers, the ledger their source: the reconciler re-derives every pending
 * timer from the ledger and makes the queue hold exactly those jobs — on start, on each sweep,
 * and for one timeline when its events arrive. A flushed Redis loses nothing.
 */
import type { Job, Queue } from 'bullmq';
import type { TimelineState } from '../domain/timeline';
import { jobIdForTimer, planTimeline, type PlannedTimer, type SubjectRef } from '../domain/timers';
import type { WorkflowRegistry } from '../registry';
import type { TimelineReader } from './timeline-reader';
import { TIMER_JOB_OPTIONS, timerJobData, type TimerJobData } from './timer-jobs';

/** Jobs checked at once: ioredis pipelines commands issued together, so round trips overlap. */
const WINDOW = 200;
const DELAYED_PAGE = 500;

export interface ReconcileReport {
  timelines: number;
  pending: number;
  added: number;
  promoted: number;
  kept: number;
  staleRemoved: number;
  errors: Array<{ timeline: string; reason: string }>;
}

export interface TimerReconcilerOptions {
  reader: TimelineReader;
  registry: WorkflowRegistry;
  /** The organization's IANA time zone: due dates are local dates, timers fire at local times. */
  timeZone: string;
  now: () => Date;
  queue: () => Queue;
  onError?: (err: unknown) => void;
}

export class TimerReconciler {
  constructor(private readonly o: TimerReconcilerOptions) {}

  /** Every timer of every open timeline, planned at the clock's now. */
  async plan(): Promise<Array<{ timeline: TimelineState; timers: PlannedTimer[] }>> {
    const index = await this.o.reader.all();
    const now = this.o.now();
    const out: Array<{ timeline: TimelineState; timers: PlannedTimer[] }> = [];
    for (const t of index.open()) {
      if (!this.o.registry.has(t.workflow, t.workflowVersion)) continue;
      out.push({ timeline: t, timers: planTimeline(this.o.registry.get(t.workflow, t.workflowVersion), t, { timeZone: this.o.timeZone, now }) });
    }
    return out;
  }

  /** Re-derive every pending timer from the ledger and make Redis hold exactly those jobs. */
  async reconcile(): Promise<ReconcileReport> {
    const index = await this.o.reader.all();
    const now = this.o.now();
    const report: ReconcileReport = { timelines: 0, pending: 0, added: 0, promoted: 0, kept: 0, staleRemoved: 0, errors: [] };
    const wanted = new Set<string>();
    const work: Array<{ timer: PlannedTimer; sourceStream: string }> = [];
    for (const c of index.conflicts()) {
      report.errors.push({ timeline: c.key, reason: `timeline events were appended to several streams (${c.streams.join(', ')}); keep them in one` });
      this.o.onError?.(new Error(`workflows: timeline ${c.key} is declared in several streams`));
    }
    for (const t of index.open()) {
      report.timelines++;
      if (!this.o.registry.has(t.workflow, t.workflowVersion)) {
        report.errors.push({ timeline: t.key, reason: `unknown workflow version ${t.workflow}@${t.workflowVersion}` });
        continue;
      }
      for (const timer of planTimeline(this.o.registry.get(t.workflow, t.workflowVersion), t, { timeZone: this.o.timeZone, now })) {
        if (timer.state !== 'pending') continue;
        report.pending++;
        wanted.add(jobIdForTimer(timer.timerId));
        work.push({ timer, sourceStream: t.sourceStream });
      }
    }
    for (let i = 0; i < work.length; i += WINDOW) {
      const results = await Promise.all(work.slice(i, i + WINDOW).map((w) => this.ensureJob(w.timer, w.sourceStream, now)));
      for (const r of results) report[r]++;
    }
    report.staleRemoved = await this.removeStale(wanted, new Map(index.all().map((t) => [`${t.workflow}|${t.subject.id}`, t])));
    return report;
  }

  /** Plan and enqueue the timers of one timeline now (the timeline processor calls this on new events). */
  async reconcileTimeline(sourceStream: string, workflow: string, subject: SubjectRef): Promise<number> {
    const t = await this.o.reader.one({ sourceStream, workflow, subjectKind: subject.kind, subjectId: subject.id });
    if (!t || t.status !== 'open' || !this.o.registry.has(t.workflow, t.workflowVersion)) return 0;
    const now = this.o.now();
    let n = 0;
    for (const timer of planTimeline(this.o.registry.get(t.workflow, t.workflowVersion), t, { timeZone: this.o.timeZone, now })) {
      if (timer.state !== 'pending') continue;
      await this.ensureJob(timer, t.sourceStream, now);
      n++;
    }
    return n;
  }

  /**
   * Delayed timer jobs of timelines the fold saw closed or moved are removed. A job of a timeline
   * the fold does not know yet (declared while it was reading) is left alone.
   */
  private async removeStale(wanted: Set<string>, known: Map<string, TimelineState>): Promise<number> {
    const queue = this.o.queue();
    const stale: Job[] = [];
    for (let start = 0; ; start += DELAYED_PAGE) {
      const jobs = await queue.getDelayed(start, start + DELAYED_PAGE - 1);
      for (const j of jobs) {
        if (!j?.id?.startsWith('timer|') || wanted.has(j.id)) continue;
        const data = j.data as Partial<TimerJobData>;
        const t = known.get(`${data.workflow}|${data.subjectId}`);
        if (t && (t.status !== 'open' || t.dueOn !== data.dueOn || t.sent.has(String(data.timerId)))) stale.push(j);
      }
      if (jobs.length < DELAYED_PAGE) break;
    }
    for (const j of stale) await j.remove().catch(() => undefined);
    return stale.length;
  }

  private async ensureJob(timer: PlannedTimer, sourceStream: string, now: Date): Promise<'added' | 'promoted' | 'kept'> {
    const queue = this.o.queue();
    const jobId = jobIdForTimer(timer.timerId);
    const delay = Math.max(0, timer.fireAt.getTime() - now.getTime());
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      if (state === 'delayed') {
        if (delay === 0) {
          await existing.promote();
          return 'promoted';
        }
        // Already due at the right moment (timestamp + delay is when BullMQ runs it): nothing to do.
        if (Math.abs(existing.timestamp + existing.delay - (Date.now() + delay)) > 1000) await existing.changeDelay(delay);
        return 'kept';
      }
      if (state === 'waiting' || state === 'active' || state === 'prioritized' || state === 'waiting-children') return 'kept';
      // completed / failed: the ledger says it is still pending, so run it again.
      await existing.remove().catch(() => undefined);
    }
    await queue.add('timer', timerJobData(timer, sourceStream), { jobId, delay, ...TIMER_JOB_OPTIONS });
    return 'added';
  }
}

/**
 * How ledger events become timelines: the translators (the generic timeline events, plus each
 * context's own event types) and the reads through the Ledger, upcast, that fold them — the
 * whole ledger for the reconciler, one timeline's two streams for firing a timer.
 */
import type { Ledger } from '../../ledger/ledger';
import type { RecordedEvent } from '../../ledger/port';
import {
  genericTimelineTranslator,
  TimelineEventTypes,
  TimelineIndex,
  timelineStream,
  type TimelineIntent,
  type TimelineState,
  type TimelineTranslator,
} from '../domain/timeline';
import type { TimerJobData } from './timer-jobs';

const PAGE = 1000;

export type TimelineRef = Pick<TimerJobData, 'sourceStream' | 'workflow' | 'subjectKind' | 'subjectId'>;

export class TimelineReader {
  private readonly translators: TimelineTranslator[];
  private readonly translatedTypes = new Set<string>(Object.values(TimelineEventTypes));

  constructor(
    private readonly ledger: Ledger,
    translators: TimelineTranslator[] = [],
  ) {
    this.translators = [genericTimelineTranslator, ...translators];
  }

  /** A context's translator and the event types it looks at. */
  register(types: readonly string[], translator: TimelineTranslator): void {
    this.translators.push(translator);
    for (const t of types) this.translatedTypes.add(t);
  }

  /** Event types that can open, move or close a timeline. */
  eventTypes(): string[] {
    return [...this.translatedTypes];
  }

  intentsOf(event: RecordedEvent): TimelineIntent[] {
    return this.translators.flatMap((t) => t(event));
  }

  /** Fold the whole ledger into timelines. */
  async all(): Promise<TimelineIndex> {
    const index = new TimelineIndex(this.translators);
    let after = 0n;
    for (;;) {
      const page = await this.ledger.readAll({ after, maxCount: PAGE });
      for (const e of page.events) index.apply(e);
      after = page.lastPosition;
      if (page.isEnd || page.events.length === 0) break;
    }
    return index;
  }

  /** One timeline, from the stream that declares it and its own stream (what was sent). */
  async one(ref: TimelineRef): Promise<TimelineState | undefined> {
    const subject = { kind: ref.subjectKind, id: ref.subjectId };
    const [source, own] = await Promise.all([this.ledger.readStream(ref.sourceStream), this.ledger.readStream(timelineStream(ref.workflow, subject))]);
    const events = [...source, ...own].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const index = new TimelineIndex(this.translators);
    for (const e of events) index.apply(e);
    return index.get(ref.workflow, subject);
  }
}

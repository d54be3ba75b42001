/**
 * The read side of notices: a batch (folded from its stream, so always current), delivery
 * progress and proof of notice (from the delivery store), the batch list and postings (from the
 * read model).
 */
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { READ_DB } from '../../ledger/projections/projection-runner';
import { loadBatch } from '../batch-stream';
import { DeliveryStore, type DeliveryRecord, type PrintFileRecord } from '../delivery/delivery-store';
import type { NoticeBatchState } from '../domain/notice-batch';
import {
  byNoticeStatus,
  notifiedCount,
  substituteNoticeStatus,
  SUBSTITUTE_STATE,
  type PostingFact,
  type SubstituteNoticeView,
} from '../domain/substitute-status';

export interface BatchProgress {
  planned: boolean;
  total: number | null;
  chunks: number | null;
  done: number;
  byState: Record<string, number>;
  byChannel: Record<string, number>;
  /** Deliveries per second, from the delivery records' first and last times. */
  rate: number | null;
  etaSeconds: number | null;
  possibleDuplicates: number;
  finishedAt: string | null;
  /**
   * People actually notified: emails accepted, letters printed, and those owed substitute notice
   * only once the incident's posting is live (a finished batch does not reach them).
   */
  notified: number;
  /** byState with the substitute rows under `awaiting-substitute-notice` or `substitute-notice-posted`. */
  byNoticeStatus: Record<string, number>;
  /** People the batch leaves to substitute notice, and whether a posting reaches them yet (null when none). */
  substituteNotice: { status: SubstituteNoticeView['status']; people: number; posting: PostingFact | null } | null;
}

/** The incident's substitute-notice status at `now`, from its postings in the read model. */
export function incidentSubstituteNotice(db: Database.Database, incidentId: string, now: Date): SubstituteNoticeView {
  const rows = db
    .prepare('SELECT posting_id, posted_at, take_down_at, taken_down_at, url FROM notice_postings WHERE incident_id = ?')
    .all(incidentId) as Array<{ posting_id: string; posted_at: string; take_down_at: string; taken_down_at: string | null; url: string }>;
  return substituteNoticeStatus(
    rows.map((r) => ({
      postingId: r.posting_id,
      postedAt: r.posted_at,
      takeDownAt: r.take_down_at,
      takenDownAt: r.taken_down_at,
      url: r.url,
    })),
    now.toISOString(),
  );
}

export type NoticeBatchView = NoticeBatchState & { version: string; progress: BatchProgress };

/** done, rate (per second) and ETA from the delivery records. */
export async function batchProgress(
  deliveries: DeliveryStore,
  batchId: string,
  sub: SubstituteNoticeView = { status: 'awaiting-substitute-notice', posting: null },
): Promise<BatchProgress> {
  const [run, p] = await Promise.all([deliveries.run(batchId), deliveries.progress(batchId)]);
  const total = run?.total ?? null;
  let rate: number | null = null;
  let etaSeconds: number | null = null;
  if (p.firstAt && p.lastAt && p.done > 0) {
    const secs = (Date.parse(p.lastAt) - Date.parse(p.firstAt)) / 1000;
    rate = secs > 0 ? Math.round((p.done / secs) * 10) / 10 : null;
    if (rate && total !== null) etaSeconds = Math.max(0, Math.round((total - p.done) / rate));
  }
  return {
    planned: run !== null,
    total,
    chunks: run?.chunks ?? null,
    done: p.done,
    byState: p.byState,
    byChannel: p.byChannel,
    rate,
    etaSeconds,
    possibleDuplicates: p.possibleDuplicates,
    finishedAt: run?.finishedAt ?? null,
    notified: notifiedCount(p.byState, sub),
    byNoticeStatus: byNoticeStatus(p.byState, sub),
    substituteNotice: p.byState[SUBSTITUTE_STATE]
      ? { status: sub.status, people: p.byState[SUBSTITUTE_STATE], posting: sub.posting }
      : null,
  };
}

export class GetNoticeBatchQuery {
  constructor(readonly batchId: string) {}
}

@QueryHandler(GetNoticeBatchQuery)
export class GetNoticeBatchHandler implements IQueryHandler<GetNoticeBatchQuery, NoticeBatchView> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  async execute({ batchId }: GetNoticeBatchQuery): Promise<NoticeBatchView> {
    const { state, version } = await loadBatch(this.ledger, batchId);
    const sub = incidentSubstituteNotice(this.db, state.incidentId, this.ledger.now());
    return { ...state, version: version.toString(), progress: await batchProgress(this.deliveries, batchId, sub) };
  }
}

/** Progress of an existing batch (404 for an unknown one). */
export class NoticeBatchProgressQuery {
  constructor(readonly batchId: string) {}
}

@QueryHandler(NoticeBatchProgressQuery)
export class NoticeBatchProgressHandler implements IQueryHandler<NoticeBatchProgressQuery, BatchProgress> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  async execute({ batchId }: NoticeBatchProgressQuery): Promise<BatchProgress> {
    const { state } = await loadBatch(this.ledger, batchId);
    return batchProgress(this.deliveries, batchId, incidentSubstituteNotice(this.db, state.incidentId, this.ledger.now()));
  }
}

export class ListNoticeBatchesQuery {
  constructor(readonly filter: { incidentId?: string; limit: number }) {}
}

@QueryHandler(ListNoticeBatchesQuery)
export class ListNoticeBatchesHandler implements IQueryHandler<ListNoticeBatchesQuery, { items: unknown[] }> {
  constructor(@Inject(READ_DB) private readonly db: Database.Database) {}

  async execute({ filter }: ListNoticeBatchesQuery): Promise<{ items: unknown[] }> {
    const rows = filter.incidentId
      ? this.db.prepare('SELECT * FROM notice_batches WHERE incident_id = ? ORDER BY batch_id LIMIT ?').all(filter.incidentId, filter.limit)
      : this.db.prepare('SELECT * FROM notice_batches ORDER BY batch_id DESC LIMIT ?').all(filter.limit);
    return { items: rows };
  }
}

/** The mail-house print files of an existing batch. */
export class NoticePrintFilesQuery {
  constructor(readonly batchId: string) {}
}

@QueryHandler(NoticePrintFilesQuery)
export class NoticePrintFilesHandler implements IQueryHandler<NoticePrintFilesQuery, PrintFileRecord[]> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
  ) {}

  async execute({ batchId }: NoticePrintFilesQuery): Promise<PrintFileRecord[]> {
    await loadBatch(this.ledger, batchId);
    return this.deliveries.printFiles(batchId);
  }
}

function proofOf(r: DeliveryRecord, mailed?: { mailedOn: string; count: number }, sub?: SubstituteNoticeView) {
  const substitute = r.state === SUBSTITUTE_STATE;
  return {
    batchId: r.batchId,
    individualId: r.individualId,
    letterId: r.letterId,
    channel: r.channel,
    // A printed letter is "mailed" only once the mail house confirmed its print file; a person owed
    // substitute notice is "awaiting-substitute-notice" until the incident's posting is live.
    state: r.state === 'printed' && mailed ? 'mailed' : substitute ? (sub?.status ?? 'awaiting-substitute-notice') : r.state,
    /** The posting that reaches a person owed substitute notice (null until it is live, and for everyone else). */
    substitutePosting:
      substitute && sub?.posting
        ? { postingId: sub.posting.postingId, postedAt: sub.posting.postedAt, url: sub.posting.url ?? null }
        : null,
    mailedOn: r.state === 'printed' ? (mailed?.mailedOn ?? null) : null,
    time: r.deliveredAt,
    smtpMessageId: r.messageId,
    smtpResponse: r.smtpResponse,
    mailHouseFile: r.printFile,
    pages: r.firstPage !== null ? [r.firstPage, r.lastPage] : null,
    pdfSha256: r.pdfSha256,
    possibleDuplicate: r.possibleDuplicate,
    returnedAt: r.returnedAt,
    returnReason: r.returnReason,
  };
}
export type ProofOfNotice = ReturnType<typeof proofOf>;

/** Proof of notice for one individual: channel, time, SMTP message id or mail-house file, PDF digest. */
export class ProofOfNoticeQuery {
  constructor(readonly individualId: string) {}
}

@QueryHandler(ProofOfNoticeQuery)
export class ProofOfNoticeHandler implements IQueryHandler<ProofOfNoticeQuery, ProofOfNotice[]> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  async execute({ individualId }: ProofOfNoticeQuery): Promise<ProofOfNotice[]> {
    const records = await this.deliveries.forIndividual(individualId);
    const batches = new Map<string, NoticeBatchState>();
    for (const r of records)
      if ((r.state === 'printed' || r.state === SUBSTITUTE_STATE) && !batches.has(r.batchId))
        batches.set(r.batchId, (await loadBatch(this.ledger, r.batchId)).state);
    const now = this.ledger.now();
    return records.map((r) => {
      const b = batches.get(r.batchId);
      const sub = r.state === SUBSTITUTE_STATE && b ? incidentSubstituteNotice(this.db, b.incidentId, now) : undefined;
      return proofOf(r, b?.mailed?.[r.chunk], sub);
    });
  }
}

/** Proof of notice by the reference printed on the letter (call-centre look-up), or null. */
export class ProofByLetterQuery {
  constructor(readonly letterId: string) {}
}

@QueryHandler(ProofByLetterQuery)
export class ProofByLetterHandler implements IQueryHandler<ProofByLetterQuery, ProofOfNotice | null> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  async execute({ letterId }: ProofByLetterQuery): Promise<ProofOfNotice | null> {
    const r = await this.deliveries.byLetterId(letterId);
    if (!r) return null;
    if (r.state !== SUBSTITUTE_STATE) return proofOf(r);
    const { state } = await loadBatch(this.ledger, r.batchId);
    return proofOf(r, undefined, incidentSubstituteNotice(this.db, state.incidentId, this.ledger.now()));
  }
}

/** A substitute-notice posting by its public slug, or null. */
export class SubstitutePostingQuery {
  constructor(readonly slug: string) {}
}

@QueryHandler(SubstitutePostingQuery)
export class SubstitutePostingHandler implements IQueryHandler<
  SubstitutePostingQuery,
  { htmlArtifact: string; takenDownAt: string | null } | null
> {
  constructor(@Inject(READ_DB) private readonly db: Database.Database) {}

  async execute({ slug }: SubstitutePostingQuery) {
    const row = this.db.prepare('SELECT html_artifact, taken_down_at FROM notice_postings WHERE slug = ?').get(slug) as
      { html_artifact: string; taken_down_at: string | null } | undefined;
    return row ? { htmlArtifact: row.html_artifact, takenDownAt: row.taken_down_at } : null;
  }
}

export const NOTICE_QUERY_HANDLERS = [
  GetNoticeBatchHandler,
  NoticeBatchProgressHandler,
  ListNoticeBatchesHandler,
  NoticePrintFilesHandler,
  ProofOfNoticeHandler,
  ProofByLetterHandler,
  SubstitutePostingHandler,
];

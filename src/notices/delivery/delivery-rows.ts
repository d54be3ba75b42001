/** Row mapping shared by the delivery store adapters (same column names in SQLite and PostgreSQL). */
import type { NoticeChannel } from '../domain/channel';
import { FINAL_STATES, type BatchProgressCounts, type DeliveryRecord, type DeliveryState, type PrintFileRecord } from './delivery-types';

export type Row = Record<string, unknown>;

export function toRecord(r: Row): DeliveryRecord {
  return {
    batchId: r.batch_id as string,
    individualId: r.individual_id as string,
    letterId: r.letter_id as string,
    chunk: r.chunk as number,
    channel: r.channel as NoticeChannel,
    state: r.state as DeliveryState,
    attempts: r.attempts as number,
    messageId: (r.message_id as string | null) ?? null,
    smtpResponse: (r.smtp_response as string | null) ?? null,
    pdfSha256: (r.pdf_sha256 as string | null) ?? null,
    printFile: (r.print_file as string | null) ?? null,
    firstPage: (r.first_page as number | null) ?? null,
    lastPage: (r.last_page as number | null) ?? null,
    possibleDuplicate: r.possible_duplicate === 1,
    deliveredAt: (r.delivered_at as string | null) ?? null,
    returnedAt: (r.returned_at as string | null) ?? null,
    returnReason: (r.return_reason as string | null) ?? null,
  };
}

export function toPrintFile(r: Row): PrintFileRecord {
  return {
    batchId: r.batch_id as string,
    chunk: r.chunk as number,
    printArtifact: r.print_artifact as string,
    printSha256: r.print_sha256 as string,
    letters: r.letters as number,
    pages: r.pages as number,
    manifestCsv: r.manifest_csv as string,
  };
}

/** Progress from counter rows (several rows per state and channel are summed: PostgreSQL shards them). */
export function progressFromCounts(
  counts: Iterable<{ state: string; channel: string; n: number }>,
  firstAt: string | null,
  lastAt: string | null,
  possibleDuplicates: number,
): BatchProgressCounts {
  const byState: Record<string, number> = {};
  const byChannel: Record<string, number> = {};
  let done = 0;
  for (const r of counts) {
    if (r.n === 0) continue;
    byState[r.state] = (byState[r.state] ?? 0) + r.n;
    byChannel[r.channel] = (byChannel[r.channel] ?? 0) + r.n;
    if ((FINAL_STATES as readonly string[]).includes(r.state)) done += r.n;
  }
  return { byState, byChannel, done, firstAt, lastAt, possibleDuplicates };
}

/**
 * Delivery records: one row per (batch, individual) — the idempotency key of every send and
 * the proof of notice — plus each chunk's print file and each batch's run. No PHI (ids,
 * channels, digests, SMTP message ids and replies only). Two adapters pass one contract suite
 * (test/integration/notices/delivery-store.contract.spec.ts): SQLite, a file in DATA_DIR every
 * worker process on the host writes directly (sqlite-delivery-store.ts), and PostgreSQL, shared
 * by several machines (pg-delivery-store.ts). Both keep progress counters in the same
 * transaction as the rows, so `progress` costs the same at the last recipient as at the first.
 *
 * Email exactly-once protocol (why a SIGKILL never causes a second email to a person whose
 * first one was recorded, and never loses one):
 *   1. `claimEmail` commits state 'sending' (attempt n) BEFORE the SMTP transaction starts;
 *   2. the message goes out with a deterministic Message-ID;
 *   3. `markSent` commits 'sent' with the server's reply AFTER the 250 to end-of-DATA.
 * A crash before 1: nothing happened, the retry sends. A crash after 3: the retry sees 'sent'
 * and skips. A crash between 1 and 3 leaves 'sending' with no outcome: the message may or may
 * not have been accepted (the window between the server taking the final "." and our commit).
 * The retry treats that row as IN DOUBT and never blindly resends: it asks the configured
 * in-doubt resolver (the relay's log, by Message-ID); with no answer the policy decides —
 * `resend` (default: a missed breach notice is a legal failure, a duplicate is not; the row is
 * flagged possible_duplicate) or `hold` (left for an operator).
 *
 * Every write resolves once it is durable; adapters may group concurrent writes into one
 * commit. `delivered_at` is written once per row; rows are never deleted.
 */
import { createHash } from 'node:crypto';
import type { BatchProgressCounts, DeliveryRecord, PrintFileRecord } from './delivery-types';

export { FINAL_STATES, type BatchProgressCounts, type DeliveryRecord, type DeliveryState, type PrintFileRecord } from './delivery-types';

export interface EmailClaim {
  batchId: string;
  individualId: string;
  letterId: string;
  chunk: number;
  messageId: string;
}

/** A final row of a letter, substitute-notice or not-required outcome. */
export type ChunkOutcomeRow = Omit<
  DeliveryRecord,
  'attempts' | 'possibleDuplicate' | 'returnedAt' | 'returnReason' | 'smtpResponse' | 'messageId'
>;

export interface BatchRun {
  total: number;
  chunks: number;
  plannedAt: string;
  finishedAt: string | null;
}

/** The port (and Nest injection token) of the delivery records. */
export abstract class DeliveryStore {
  abstract get(batchId: string, individualId: string): Promise<DeliveryRecord | null>;
  abstract chunkRecords(batchId: string, chunk: number): Promise<Map<string, DeliveryRecord>>;
  /** Step 1 of the email protocol: durable claim ('sending') before the SMTP transaction. */
  abstract claimEmail(claim: EmailClaim): Promise<void>;
  /** Step 3: the server accepted the message. */
  abstract markSent(
    batchId: string,
    individualId: string,
    messageId: string,
    response: string,
    at: string,
    possibleDuplicate?: boolean,
  ): Promise<void>;
  abstract markEmailState(batchId: string, individualId: string, state: 'failed' | 'held', reason: string): Promise<void>;
  /** Final records for letters, substitute and not-required rows, plus the print file, in one transaction (first write wins). */
  abstract recordChunkOutcome(rows: ChunkOutcomeRow[], printFile: PrintFileRecord | null): Promise<void>;
  abstract printFiles(batchId: string): Promise<PrintFileRecord[]>;
  abstract startRun(batchId: string, total: number, chunks: number, at: string): Promise<void>;
  abstract run(batchId: string): Promise<BatchRun | null>;
  /** True for the one caller that finished the run. */
  abstract finishRun(batchId: string, at: string): Promise<boolean>;
  /** Counts per state and channel, first and last delivery, possible duplicates: constant time. */
  abstract progress(batchId: string): Promise<BatchProgressCounts>;
  /** Proof of notice for one individual, across batches. */
  abstract forIndividual(individualId: string): Promise<DeliveryRecord[]>;
  abstract byLetterId(letterId: string): Promise<DeliveryRecord | null>;
  /** Records a returned letter or bounce once; false when already recorded or unknown. */
  abstract markReturned(batchId: string, individualId: string, at: string, reason: string): Promise<boolean>;
  /** The batch's records in individual-id order, streamed (bounded memory). */
  abstract records(batchId: string): AsyncIterable<DeliveryRecord>;
  abstract close(): Promise<void>;

  /** SHA-256 over the batch's delivery records in key order: the digest the completion event carries. */
  async digest(batchId: string): Promise<string> {
    const h = createHash('sha256');
    for await (const r of this.records(batchId)) {
      h.update(
        `${r.individualId}|${r.channel}|${r.state}|${r.messageId ?? ''}|${r.pdfSha256 ?? ''}|${r.printFile ?? ''}|${r.deliveredAt ?? ''}\n`,
      );
    }
    return h.digest('hex');
  }
}

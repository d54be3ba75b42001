/** Delivery records and print files: what every delivery store keeps (no PHI: ids, channels, digests, SMTP replies). */
import type { NoticeChannel } from '../domain/channel';

export type DeliveryState =
  | 'sending' // email claimed, outcome unknown until 'sent'
  | 'sent' // email accepted by the SMTP server
  | 'printed' // letter rendered into a mail-house print file
  | 'substitute' // covered by substitute notice
  | 'not-required' // deceased, no next-of-kin address (164.404(d)(1)(ii))
  | 'held' // in doubt, waiting for an operator
  | 'failed';

export const FINAL_STATES: readonly DeliveryState[] = ['sent', 'printed', 'substitute', 'not-required', 'failed', 'held'];

export interface DeliveryRecord {
  batchId: string;
  individualId: string;
  letterId: string;
  chunk: number;
  channel: NoticeChannel;
  state: DeliveryState;
  attempts: number;
  messageId: string | null;
  smtpResponse: string | null;
  pdfSha256: string | null;
  printFile: string | null;
  firstPage: number | null;
  lastPage: number | null;
  possibleDuplicate: boolean;
  deliveredAt: string | null;
  returnedAt: string | null;
  returnReason: string | null;
}

export interface BatchProgressCounts {
  byState: Record<string, number>;
  byChannel: Record<string, number>;
  /** Records in a final state. */
  done: number;
  firstAt: string | null;
  lastAt: string | null;
  possibleDuplicates: number;
}

export interface PrintFileRecord {
  batchId: string;
  chunk: number;
  /** Mail-house file id: the print PDF's encrypted artifact digest. */
  printArtifact: string;
  printSha256: string;
  letters: number;
  pages: number;
  manifestCsv: string;
}

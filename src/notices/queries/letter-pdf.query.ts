/**
 * One letter's PDF, reproduced from the print file it was stored in (issue 15 item 5: letters
 * are stored once, inside their print file; the delivery record keeps the file and page range).
 * Its SHA-256 equals the proof-of-notice digest recorded when the letter was printed.
 */
import { createHash } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { ArtifactStore } from '../../phi';
import { ARTIFACT_STORE } from '../../platform/tokens';
import { DeliveryStore } from '../delivery/delivery-store';
import { PrintFileReader } from '../rendering/mailhouse';

export interface LetterPdf {
  letterId: string;
  batchId: string;
  pdf: Buffer;
  sha256: string;
  /** The digest recorded when the letter was printed (equal to sha256). */
  recordedSha256: string | null;
}

export class LetterPdfQuery {
  constructor(readonly letterId: string) {}
}

@QueryHandler(LetterPdfQuery)
export class LetterPdfHandler implements IQueryHandler<LetterPdfQuery, LetterPdf | 'not-a-letter' | null> {
  constructor(
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
  ) {}

  async execute({ letterId }: LetterPdfQuery): Promise<LetterPdf | 'not-a-letter' | null> {
    const r = await this.deliveries.byLetterId(letterId);
    if (!r) return null;
    if (!r.printFile || r.firstPage === null || r.lastPage === null) return 'not-a-letter';
    const parts: Buffer[] = [];
    for await (const c of this.artifacts.read(r.printFile)) parts.push(c);
    const pdf = new PrintFileReader(Buffer.concat(parts)).letter(r.firstPage, r.lastPage);
    return { letterId, batchId: r.batchId, pdf, sha256: createHash('sha256').update(pdf).digest('hex'), recordedSha256: r.pdfSha256 };
  }
}

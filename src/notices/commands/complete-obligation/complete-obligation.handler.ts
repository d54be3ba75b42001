import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RunIncidentCommand } from '../../../incidents';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import type { ArtifactStore } from '../../../phi';
import { RuleViolationError } from '../../../platform/errors';
import { ARTIFACT_STORE } from '../../../platform/tokens';
import { loadBatch } from '../../batch-stream';
import { asAsync } from '../../delivery/chunk-runner';
import { DeliveryStore } from '../../delivery/delivery-store';
import { CompleteObligationWithBatchCommand } from './complete-obligation.command';
import type { ObligationProof } from '../../../incidents';
import { loadState } from '../../../ledger/decider';
import type { NoticeBatchState } from '../../domain/notice-batch';
import { postingDecider, postingStream } from '../../domain/posting';
import { noticeStatusOf } from '../../domain/substitute-status';
import { incidentSubstituteNotice } from '../../queries/notice-batch.queries';
import { READ_DB } from '../../../ledger/projections/projection-runner';
import type Database from 'better-sqlite3';

export interface ObligationEvidenceResult {
  incidentId: string;
  obligationId: string;
  evidenceArtifact: string;
  completedOn: string;
}

/**
 * The evidence is a PHI-free proof export (one line per recipient: individual id, channel,
 * state, time, SMTP message id or print file, PDF SHA-256; or the issued document's digests)
 * stored as an artifact whose digest the ObligationCompleted event carries.
 */
@CommandHandler(CompleteObligationWithBatchCommand)
export class CompleteObligationWithBatchHandler implements ICommandHandler<CompleteObligationWithBatchCommand, ObligationEvidenceResult> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(DeliveryStore) private readonly deliveries: DeliveryStore,
    private readonly commands: CommandBus,
    @Inject(READ_DB) private readonly db: Database.Database,
  ) {}

  async execute({ batchId, obligationId, ctx }: CompleteObligationWithBatchCommand): Promise<ObligationEvidenceResult> {
    const { state } = await loadBatch(this.ledger, batchId);
    // The HHS report is closed by the portal's confirmation, which may come before the batch's own completion.
    if (state.status !== 'completed' && !(state.kind === 'hhs-report' && state.hhsSubmission))
      throw new RuleViolationError('the batch has not finished delivering', { rule: 'BATCH_NOT_COMPLETED' });
    const proof = await this.proofOf(state);
    const lines: string[] = [];
    if (state.kind === 'individual') {
      // People left to substitute notice are not notified until the incident's posting is live.
      const sub = incidentSubstituteNotice(this.db, state.incidentId, this.ledger.now());
      lines.push(
        'individual_id,letter_id,channel,state,time,smtp_message_id,mail_house_file,first_page,last_page,pdf_sha256,possible_duplicate',
      );
      for await (const r of this.deliveries.records(batchId)) {
        lines.push(
          [
            r.individualId,
            r.letterId,
            r.channel,
            noticeStatusOf(r.state, sub),
            r.deliveredAt ?? '',
            r.messageId ?? '',
            r.printFile ?? '',
            r.firstPage ?? '',
            r.lastPage ?? '',
            r.pdfSha256 ?? '',
            r.possibleDuplicate ? 1 : 0,
          ].join(','),
        );
      }
    } else {
      lines.push('kind,pdf_artifact,pdf_sha256,json_artifact');
      for (const d of state.documents) lines.push([state.kind, d.pdfArtifact, d.pdfSha256, d.jsonArtifact ?? ''].join(','));
    }
    const ref = await this.artifacts.write(`incident:${state.incidentId}`, asAsync([`${lines.join('\n')}\n`]));
    const completedOn = (state.completion?.at ?? this.ledger.now().toISOString()).slice(0, 10);
    const delivered = state.completion?.delivered ?? 0;
    await this.commands.execute(
      new RunIncidentCommand(
        state.incidentId,
        {
          kind: 'complete-obligation',
          obligationId,
          evidence: {
            description: `Notice batch ${batchId} (${state.kind}): ${delivered} delivered, proof of notice export attached`,
            completedOn,
            artifactDigest: ref.digest,
            proof,
          },
        },
        ctx,
      ),
    );
    return { incidentId: state.incidentId, obligationId, evidenceArtifact: ref.digest, completedOn };
  }

  /** The batch as the evidence contract names it: the HHS submission, the live posting, or the batch itself. */
  private async proofOf(state: NoticeBatchState): Promise<ObligationProof> {
    if (state.kind === 'hhs-report' && state.hhsSubmission) {
      const h = state.hhsSubmission;
      return {
        kind: 'hhs-report-submitted',
        batchId: state.batchId,
        incidentId: state.incidentId,
        confirmationNumber: h.confirmationNumber,
        submittedOn: h.submittedOn,
        submittedBy: h.submittedBy,
      };
    }
    if (state.kind === 'substitute-posting') {
      const { state: p } = await loadState(this.ledger, postingStream(state.batchId), postingDecider);
      if (p.status !== 'none') {
        return {
          kind: 'substitute-posting',
          postingId: p.postingId,
          batchId: state.batchId,
          incidentId: state.incidentId,
          postedAt: p.postedAt,
          takeDownAt: p.takeDownAt,
          status: p.status,
          ...(p.takenDown ? { takenDownAt: p.takenDown.at, takenDownReason: p.takenDown.reason } : {}),
        };
      }
    }
    return {
      kind: 'notice-batch',
      batchId: state.batchId,
      incidentId: state.incidentId,
      noticeKind: state.kind,
      ...(state.jurisdiction ? { jurisdiction: state.jurisdiction } : {}),
      ...(state.regulator ? { regulator: state.regulator } : {}),
      status: state.status,
      ...(state.recipients ? { recipientsDigest: state.recipients.artifactDigest, recipients: state.recipients.count } : {}),
      ...(state.completion ? { delivered: state.completion.delivered, failed: state.completion.failed } : {}),
      documents: state.documents.length,
    };
  }
}

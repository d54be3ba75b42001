/** decide(command, state) → events: the review and approval workflow with its two-person rule. */
import type { CommandAt } from '../../../ledger/command';
import { type NoticeBatchCommand, NoticeBatchError, type NoticeBatchEvent, type NoticeBatchState } from './events';
import { evolveNoticeBatch, initialNoticeBatchState } from './state';

/** Roles that may draft, preview, revise and release notices. */
const WRITERS = new Set(['compliance-officer', 'incident-responder', 'security-officer']);
const APPROVER = 'compliance-officer';
const DIGEST = /^[0-9a-f]{64}$/;

function requireWriter(actor: CommandAt['actor']): void {
  if (!WRITERS.has(actor.role)) throw new NoticeBatchError('NOT_PERMITTED', `role ${actor.role} may not prepare notices`);
}

function requireDigest(field: string, d: string): void {
  if (!DIGEST.test(d)) throw new NoticeBatchError('INVALID_INPUT', `${field}: expected a sha256 hex digest`);
}

function contentStored(batchId: string, c: { contentDigest: string; contentArtifact: string }): NoticeBatchEvent {
  return { type: 'NoticeContentStored', data: { batchId, contentDigest: c.contentDigest, contentArtifact: c.contentArtifact } };
}

export function decideNoticeBatch(command: NoticeBatchCommand, state: NoticeBatchState): NoticeBatchEvent[] {
  const open = state.status !== 'none' && state.status !== 'cancelled';
  switch (command.kind) {
    case 'draft': {
      if (state.status !== 'none') throw new NoticeBatchError('BATCH_EXISTS', 'notice batch already exists');
      requireWriter(command.actor);
      requireDigest('contentDigest', command.contentDigest);
      requireDigest('contentArtifact', command.contentArtifact);
      if ((command.noticeKind === 'media' || command.noticeKind === 'state-regulator') && !command.jurisdiction)
        throw new NoticeBatchError('INVALID_INPUT', `jurisdiction: required for a ${command.noticeKind} notice`);
      return [
        {
          type: 'NoticeBatchDrafted',
          data: {
            batchId: command.batchId,
            incidentId: command.incidentId,
            kind: command.noticeKind,
            ...(command.jurisdiction ? { jurisdiction: command.jurisdiction } : {}),
            ...(command.regulator ? { regulator: command.regulator } : {}),
            contentDigest: command.contentDigest,
            ...(command.recipients ? { recipients: command.recipients } : {}),
            draftedBy: command.actor.id,
            at: command.at,
          },
        },
        contentStored(command.batchId, command),
      ];
    }
    case 'revise': {
      if (!open) throw new NoticeBatchError('BATCH_NOT_FOUND', 'notice batch not found');
      if (state.status === 'released' || state.status === 'completed') {
        throw new NoticeBatchError('INVALID_STATE', 'a released batch cannot be changed: draft a new batch');
      }
      requireWriter(command.actor);
      requireDigest('contentDigest', command.contentDigest);
      requireDigest('contentArtifact', command.contentArtifact);
      const sameRecipients = !command.recipients || state.recipients?.artifactDigest === command.recipients.artifactDigest;
      if (command.contentDigest === state.contentDigest && sameRecipients) return [];
      return [
        {
          type: 'NoticeBatchRevised',
          data: {
            batchId: state.batchId,
            contentDigest: command.contentDigest,
            ...(command.recipients ? { recipients: command.recipients } : {}),
            revisedBy: command.actor.id,
            revision: state.revision + 1,
            approvalVoided: state.status === 'approved',
            at: command.at,
          },
        },
        contentStored(state.batchId, command),
      ];
    }
    case 'record-preview': {
      if (!open) throw new NoticeBatchError('BATCH_NOT_FOUND', 'notice batch not found');
      if (state.status !== 'drafted' && state.status !== 'previewed') {
        throw new NoticeBatchError('INVALID_STATE', `cannot preview a batch that is ${state.status}`);
      }
      requireWriter(command.actor);
      if (command.preview.contentDigest !== state.contentDigest) {
        throw new NoticeBatchError('STALE_CONTENT', 'preview was made from content that is no longer current');
      }
      return [
        {
          type: 'NoticeBatchPreviewed',
          data: { batchId: state.batchId, preview: command.preview, previewedBy: command.actor.id, at: command.at },
        },
      ];
    }
    case 'approve': {
      if (!open) throw new NoticeBatchError('BATCH_NOT_FOUND', 'notice batch not found');
      if (command.actor.role !== APPROVER) throw new NoticeBatchError('NOT_PERMITTED', 'only a compliance officer may approve notices');
      if (state.status === 'approved' && state.approval?.contentDigest === command.contentDigest && state.approval.by === command.actor.id)
        return [];
      if (state.status !== 'previewed') {
        throw new NoticeBatchError(
          'INVALID_STATE',
          state.status === 'drafted' ? 'the batch must be previewed before approval' : `cannot approve a batch that is ${state.status}`,
        );
      }
      if (command.contentDigest !== state.contentDigest || state.preview?.contentDigest !== state.contentDigest) {
        throw new NoticeBatchError('STALE_CONTENT', 'the content changed since it was previewed: review the current preview');
      }
      if (state.authors.includes(command.actor.id)) {
        throw new NoticeBatchError('SAME_PERSON', 'the approver must be someone other than the drafter or an editor of this batch');
      }
      return [
        {
          type: 'NoticeBatchApproved',
          data: { batchId: state.batchId, contentDigest: command.contentDigest, approvedBy: command.actor.id, at: command.at },
        },
      ];
    }
    case 'release': {
      if (!open) throw new NoticeBatchError('BATCH_NOT_FOUND', 'notice batch not found');
      if (state.status === 'released' || state.status === 'completed') return [];
      if (state.status !== 'approved' || state.approval?.contentDigest !== state.contentDigest) {
        throw new NoticeBatchError('INVALID_STATE', 'the batch must be approved in its current form before release');
      }
      requireWriter(command.actor);
      // Nobody silently dropped: people on rows the import could not read are owed notice too.
      if ((command.unresolvedRows ?? 0) > 0)
        throw new NoticeBatchError(
          'UNRESOLVED_ROWS',
          `${command.unresolvedRows} row(s) of the affected list are unresolved: fix them by re-import, or a compliance officer excludes them with a reason`,
        );
      return [
        {
          type: 'NoticeBatchReleased',
          data: { batchId: state.batchId, contentDigest: state.contentDigest, releasedBy: command.actor.id, at: command.at },
        },
      ];
    }
    case 'complete': {
      if (state.status === 'completed') return [];
      if (state.status !== 'released') throw new NoticeBatchError('INVALID_STATE', 'only a released batch can complete');
      return [
        {
          type: 'NoticeBatchCompleted',
          data: {
            batchId: state.batchId,
            delivered: command.delivered,
            failed: command.failed,
            ...(command.recordsDigest ? { recordsDigest: command.recordsDigest } : {}),
            at: command.at,
          },
        },
      ];
    }
    case 'issue-document': {
      if (state.status !== 'released' && state.status !== 'completed')
        throw new NoticeBatchError('INVALID_STATE', 'only a released batch issues its document');
      if (state.documents.some((d) => d.pdfSha256 === command.pdfSha256)) return [];
      const { pdfArtifact, pdfSha256, jsonArtifact, jsonSha256, at } = command;
      return [
        {
          type: 'NoticeDocumentIssued',
          data: {
            batchId: state.batchId,
            kind: state.kind,
            pdfArtifact,
            pdfSha256,
            ...(jsonArtifact !== undefined ? { jsonArtifact } : {}),
            ...(jsonSha256 !== undefined ? { jsonSha256 } : {}),
            at,
          },
        },
      ];
    }
    case 'record-returns': {
      if (state.status !== 'released' && state.status !== 'completed')
        throw new NoticeBatchError('INVALID_STATE', 'returns can only be recorded for a released batch');
      const fresh = [...new Set(command.letterIds)].filter((l) => !state.returnedLetterIds.includes(l));
      if (fresh.length === 0) return [];
      return [
        {
          type: 'NoticesReturned',
          data: {
            batchId: state.batchId,
            incidentId: state.incidentId,
            letterIds: fresh,
            returnKind: command.returnKind,
            insufficientContactAdded: fresh.length,
            at: command.at,
          },
        },
      ];
    }
    case 'record-mailing': {
      if (state.status !== 'released' && state.status !== 'completed')
        throw new NoticeBatchError('INVALID_STATE', 'only a released batch has print files to mail');
      requireWriter(command.actor);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(command.mailedOn)) throw new NoticeBatchError('INVALID_INPUT', 'mailedOn: expected YYYY-MM-DD');
      if (command.mailedOn > command.at.slice(0, 10)) throw new NoticeBatchError('INVALID_INPUT', 'mailedOn: in the future');
      if (state.release && command.mailedOn < state.release.at.slice(0, 10))
        throw new NoticeBatchError('INVALID_INPUT', 'mailedOn: before the batch was released');
      const f = command.file;
      const prior = state.mailed?.[f.chunk];
      if (prior) {
        if (prior.mailedOn === command.mailedOn && prior.count === command.count) return [];
        throw new NoticeBatchError('ALREADY_MAILED', `print file ${f.chunk} was already confirmed mailed on ${prior.mailedOn}`);
      }
      // The mail house's count must reconcile with the file: a difference is for an operator to resolve, never absorbed.
      if (command.count !== f.letters)
        throw new NoticeBatchError(
          'COUNT_MISMATCH',
          `the mail house counted ${command.count} pieces; print file ${f.chunk} holds ${f.letters} letters`,
        );
      return [
        {
          type: 'PrintFileMailed',
          data: {
            batchId: state.batchId,
            chunk: f.chunk,
            printSha256: f.printSha256,
            letters: f.letters,
            mailedOn: command.mailedOn,
            count: command.count,
            recordedBy: command.actor.id,
            at: command.at,
          },
        },
      ];
    }
    case 'record-hhs-submission': {
      if (state.kind !== 'hhs-report') throw new NoticeBatchError('INVALID_STATE', `a ${state.kind} batch is not submitted to HHS`);
      if (state.status !== 'released' && state.status !== 'completed')
        throw new NoticeBatchError('INVALID_STATE', 'only a released HHS report can be recorded as submitted');
      requireWriter(command.actor);
      const confirmationNumber = command.confirmationNumber?.trim();
      if (!confirmationNumber)
        throw new NoticeBatchError('INVALID_INPUT', 'confirmationNumber: the portal confirmation number is required');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(command.submittedOn) || command.submittedOn > command.at.slice(0, 10))
        throw new NoticeBatchError('INVALID_INPUT', 'submittedOn: a date not in the future');
      if (state.hhsSubmission?.confirmationNumber === confirmationNumber) return [];
      return [
        {
          type: 'HhsReportSubmitted',
          data: {
            batchId: state.batchId,
            incidentId: state.incidentId,
            confirmationNumber,
            submittedOn: command.submittedOn,
            submittedBy: command.actor.id,
            at: command.at,
          },
        },
      ];
    }
    case 'cancel': {
      if (!open) throw new NoticeBatchError('BATCH_NOT_FOUND', 'notice batch not found');
      if (state.status === 'released' || state.status === 'completed')
        throw new NoticeBatchError('INVALID_STATE', 'a released batch cannot be cancelled');
      requireWriter(command.actor);
      return [
        {
          type: 'NoticeBatchCancelled',
          data: { batchId: state.batchId, cancelledBy: command.actor.id, reason: command.reason, at: command.at },
        },
      ];
    }
  }
}

export const noticeBatchDecider = {
  initialState: initialNoticeBatchState,
  evolve: evolveNoticeBatch,
  decide: decideNoticeBatch,
};

/**
 * A notice batch: one set of notices of one kind for one incident (the individual letters and
 * emails, a state's media notice, the substitute-notice posting, the HHS report, the
 * business-associate notice). Review and approval as a pure decider:
 *
 *   drafted → previewed → approved → released → completed
 *        ↖──── revised (any change; an approval is void) ───┘ (not after release)
 *
 * An approval binds the exact content the approver previewed (contentDigest): a compliance
 * officer other than the drafter and other than anyone who changed the content since.
 * Events carry digests and counts only, never PHI.
 */
import type { CommandAt } from '../../ledger/command';

/** `state-regulator`: one state's regulator notice (jurisdiction = USPS code; `regulator` = the overlay's addressee when a state has several). */
export type NoticeKind = 'individual' | 'media' | 'substitute-posting' | 'hhs-report' | 'covered-entity' | 'state-regulator';
export const NOTICE_KINDS: readonly NoticeKind[] = [
  'individual',
  'media',
  'substitute-posting',
  'hhs-report',
  'covered-entity',
  'state-regulator',
];

/** The HHS breach portal's acknowledgement of an `hhs-report` batch: the evidence that closes `hhs-notice`. */
export interface HhsReportSubmittedData {
  batchId: string;
  incidentId: string;
  confirmationNumber: string;
  /** YYYY-MM-DD: the date the portal shows. */
  submittedOn: string;
  submittedBy: string;
  at: string;
}

export type BatchStatus = 'none' | 'drafted' | 'previewed' | 'approved' | 'released' | 'completed' | 'cancelled';

export interface RecipientsRef {
  /** Digest of the encrypted recipients artifact (affected-individuals NDJSON). */
  artifactDigest: string;
  count: number;
}

export interface PreviewSummary {
  contentDigest: string;
  counts: {
    total: number;
    byChannel: Record<string, number>;
    byState: Record<string, number>;
    byChannelAndState: Record<string, Record<string, number>>;
  };
  /** Digests of the sample documents (encrypted artifacts), in sample order. */
  samples: Array<{ channel: string; artifactDigest: string; sha256: string }>;
}

export interface NoticeBatchState {
  status: BatchStatus;
  batchId: string;
  incidentId: string;
  kind: NoticeKind;
  jurisdiction?: string;
  regulator?: string;
  contentDigest: string;
  recipients?: RecipientsRef;
  drafter: string;
  /** Everyone who drafted or changed the content of the current revision: none may approve it. */
  authors: string[];
  revision: number;
  preview?: PreviewSummary;
  approval?: { by: string; contentDigest: string; at: string };
  release?: { by: string; at: string };
  documents: Array<{ pdfArtifact: string; pdfSha256: string; jsonArtifact?: string }>;
  returnedLetterIds: string[];
  completion?: { at: string; delivered: number; failed: number };
  hhsSubmission?: Omit<HhsReportSubmittedData, 'batchId' | 'incidentId'>;
}

export type NoticeBatchEvent =
  | {
      type: 'NoticeBatchDrafted';
      data: {
        batchId: string;
        incidentId: string;
        kind: NoticeKind;
        jurisdiction?: string;
        regulator?: string;
        contentDigest: string;
        recipients?: RecipientsRef;
        draftedBy: string;
        at: string;
      };
    }
  | {
      type: 'NoticeBatchRevised';
      data: {
        batchId: string;
        contentDigest: string;
        recipients?: RecipientsRef;
        revisedBy: string;
        revision: number;
        approvalVoided: boolean;
        at: string;
      };
    }
  | { type: 'NoticeBatchPreviewed'; data: { batchId: string; preview: PreviewSummary; previewedBy: string; at: string } }
  | { type: 'NoticeBatchApproved'; data: { batchId: string; contentDigest: string; approvedBy: string; at: string } }
  | { type: 'NoticeBatchReleased'; data: { batchId: string; contentDigest: string; releasedBy: string; at: string } }
  | { type: 'NoticeBatchCompleted'; data: { batchId: string; delivered: number; failed: number; recordsDigest?: string; at: string } }
  | { type: 'NoticeBatchCancelled'; data: { batchId: string; cancelledBy: string; reason: string; at: string } }
  | {
      type: 'NoticeDocumentIssued';
      data: {
        batchId: string;
        kind: NoticeKind;
        pdfArtifact: string;
        pdfSha256: string;
        jsonArtifact?: string;
        jsonSha256?: string;
        at: string;
      };
    }
  /** Returned mail / bounces: raises the incident's insufficient-contact count (triage re-runs on it). */
  | {
      type: 'NoticesReturned';
      data: {
        batchId: string;
        incidentId: string;
        letterIds: string[];
        returnKind: 'returned-mail' | 'bounce';
        insufficientContactAdded: number;
        at: string;
      };
    }
  | { type: 'HhsReportSubmitted'; data: HhsReportSubmittedData }
  /** Where the content a digest names is stored (encrypted artifact): in the same append as the draft or revision. */
  | { type: 'NoticeContentStored'; data: { batchId: string; contentDigest: string; contentArtifact: string } };

export const NOTICE_BATCH_EVENT_TYPES = [
  'NoticeBatchDrafted',
  'NoticeBatchRevised',
  'NoticeBatchPreviewed',
  'NoticeBatchApproved',
  'NoticeBatchReleased',
  'NoticeBatchCompleted',
  'NoticeBatchCancelled',
  'NoticeDocumentIssued',
  'NoticesReturned',
  'NoticeContentStored',
  'HhsReportSubmitted',
] as const;

type Base = CommandAt;
export type NoticeBatchCommand =
  | (Base & {
      kind: 'draft';
      batchId: string;
      incidentId: string;
      noticeKind: NoticeKind;
      jurisdiction?: string;
      regulator?: string;
      contentDigest: string;
      contentArtifact: string;
      recipients?: RecipientsRef;
    })
  | (Base & { kind: 'revise'; contentDigest: string; contentArtifact: string; recipients?: RecipientsRef })
  | (Base & { kind: 'record-preview'; preview: PreviewSummary })
  | (Base & { kind: 'approve'; contentDigest: string })
  /** `unresolvedRows`: the incident's rows still unresolved (neither fixed by re-import nor excluded with a reason). */
  | (Base & { kind: 'release'; unresolvedRows?: number })
  /** From the release coordinator: every recipient has a final delivery record. */
  | (Base & { kind: 'complete'; delivered: number; failed: number; recordsDigest?: string })
  | (Base & { kind: 'issue-document'; pdfArtifact: string; pdfSha256: string; jsonArtifact?: string; jsonSha256?: string })
  | (Base & { kind: 'record-returns'; letterIds: string[]; returnKind: 'returned-mail' | 'bounce' })
  | (Base & { kind: 'cancel'; reason: string })
  | (Base & { kind: 'record-hhs-submission'; confirmationNumber: string; submittedOn: string });

/** A rule of the approval workflow was broken. HTTP maps `code` to 409/403/400. */
export class NoticeBatchError extends Error {
  constructor(
    readonly code:
      | 'BATCH_EXISTS'
      | 'BATCH_NOT_FOUND'
      | 'INVALID_STATE'
      | 'NOT_PERMITTED'
      | 'SAME_PERSON'
      | 'STALE_CONTENT'
      | 'INVALID_INPUT'
      | 'UNRESOLVED_ROWS',
    message: string,
  ) {
    super(message);
    this.name = 'NoticeBatchError';
  }
}

/** Roles that may draft, preview, revise and release notices. */
const WRITERS = new Set(['compliance-officer', 'incident-responder', 'security-officer']);
const APPROVER = 'compliance-officer';

export const noticeBatchStream = (batchId: string): string => `notice-batch-${batchId}`;

export function initialNoticeBatchState(): NoticeBatchState {
  return {
    status: 'none',
    batchId: '',
    incidentId: '',
    kind: 'individual',
    contentDigest: '',
    drafter: '',
    authors: [],
    revision: 0,
    documents: [],
    returnedLetterIds: [],
  };
}

export function evolveNoticeBatch(state: NoticeBatchState, event: NoticeBatchEvent): NoticeBatchState {
  switch (event.type) {
    case 'NoticeBatchDrafted': {
      const d = event.data;
      return {
        ...initialNoticeBatchState(),
        status: 'drafted',
        batchId: d.batchId,
        incidentId: d.incidentId,
        kind: d.kind,
        ...(d.jurisdiction ? { jurisdiction: d.jurisdiction } : {}),
        ...(d.regulator ? { regulator: d.regulator } : {}),
        contentDigest: d.contentDigest,
        recipients: d.recipients,
        drafter: d.draftedBy,
        authors: [d.draftedBy],
        revision: 1,
      };
    }
    case 'NoticeBatchRevised': {
      const d = event.data;
      const { approval: _a, preview: _p, ...rest } = state;
      return {
        ...rest,
        status: 'drafted',
        contentDigest: d.contentDigest,
        recipients: d.recipients ?? state.recipients,
        authors: state.authors.includes(d.revisedBy) ? state.authors : [...state.authors, d.revisedBy],
        revision: d.revision,
      };
    }
    case 'NoticeBatchPreviewed':
      return { ...state, status: 'previewed', preview: event.data.preview };
    case 'NoticeBatchApproved':
      return {
        ...state,
        status: 'approved',
        approval: { by: event.data.approvedBy, contentDigest: event.data.contentDigest, at: event.data.at },
      };
    case 'NoticeBatchReleased':
      return { ...state, status: 'released', release: { by: event.data.releasedBy, at: event.data.at } };
    case 'NoticeBatchCompleted':
      return {
        ...state,
        status: 'completed',
        completion: { at: event.data.at, delivered: event.data.delivered, failed: event.data.failed },
      };
    case 'NoticeBatchCancelled':
      return { ...state, status: 'cancelled' };
    case 'NoticeDocumentIssued': {
      const { pdfArtifact, pdfSha256, jsonArtifact } = event.data;
      return { ...state, documents: [...state.documents, { pdfArtifact, pdfSha256, ...(jsonArtifact ? { jsonArtifact } : {}) }] };
    }
    case 'HhsReportSubmitted': {
      const { batchId: _b, incidentId: _i, ...submission } = event.data;
      return { ...state, hhsSubmission: submission };
    }
    case 'NoticesReturned':
      return { ...state, returnedLetterIds: [...state.returnedLetterIds, ...event.data.letterIds] };
    default:
      return state;
  }
}

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

/** The notice batch's vocabulary: kinds, statuses, state shape, events, commands, the rule error, the stream name (see ./index.ts). */
import type { CommandAt } from '../../../ledger/command';

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
    /** Recipients per language their notice is written in (individual notices). */
    byLanguage?: Record<string, number>;
    /** Recipients whose list gives a language without templates: written in English. */
    languageFallbacks?: Record<string, number>;
    /** Letters in a language whose resident's state section exists only in English, by "<language>.<STATE>". */
    stateSectionFallbacks?: Record<string, number>;
  };
  /** Per language other than English with recipients: facts printed in English for want of a translation. */
  untranslated?: Record<string, string[]>;
  /** Digests of the sample documents (encrypted artifacts), in sample order. */
  samples: Array<{ channel: string; artifactDigest: string; sha256: string; language?: string }>;
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
  /** Print files the mail house confirmed as mailed, by chunk: until then their letters are printed, not mailed. */
  mailed: Record<number, { mailedOn: string; count: number; printSha256: string }>;
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
  /** The mail house's confirmation that one print file went into the mail: its date and its count of pieces. */
  | {
      type: 'PrintFileMailed';
      data: {
        batchId: string;
        chunk: number;
        printSha256: string;
        letters: number;
        mailedOn: string;
        count: number;
        recordedBy: string;
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
  'PrintFileMailed',
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
  /** `file`: the print file as the delivery store knows it (letters in it, digest); `count`/`mailedOn` from the mail house. */
  | (Base & { kind: 'record-mailing'; file: { chunk: number; printSha256: string; letters: number }; mailedOn: string; count: number })
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
      | 'ALREADY_MAILED'
      | 'COUNT_MISMATCH'
      | 'UNRESOLVED_ROWS',
    message: string,
  ) {
    super(message);
    this.name = 'NoticeBatchError';
  }
}
export const noticeBatchStream = (batchId: string): string => `notice-batch-${batchId}`;

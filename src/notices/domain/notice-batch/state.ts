/** The notice batch's state: the initial state and evolve (event → state). */
import type { NoticeBatchEvent, NoticeBatchState } from './events';

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
    mailed: {},
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
    case 'PrintFileMailed': {
      const { chunk, mailedOn, count, printSha256 } = event.data;
      return { ...state, mailed: { ...(state.mailed ?? {}), [chunk]: { mailedOn, count, printSha256 } } };
    }
    default:
      return state;
  }
}

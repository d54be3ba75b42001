/** The notices context's write side: one folder per use case (command + handler). */
import { ApproveNoticeBatchHandler } from './approve-notice-batch/approve-notice-batch.handler';
import { CancelNoticeBatchHandler } from './cancel-notice-batch/cancel-notice-batch.handler';
import { CompleteObligationWithBatchHandler } from './complete-obligation/complete-obligation.handler';
import { DraftNoticeBatchHandler } from './draft-notice-batch/draft-notice-batch.handler';
import { PreviewNoticeBatchHandler } from './preview-notice-batch/preview-notice-batch.handler';
import { RecordHhsSubmissionHandler } from './record-hhs-submission/record-hhs-submission.handler';
import { RecordNoticeReturnsHandler } from './record-returns/record-returns.handler';
import { ReleaseNoticeBatchHandler } from './release-notice-batch/release-notice-batch.handler';
import { ReviseNoticeBatchHandler } from './revise-notice-batch/revise-notice-batch.handler';

export { ApproveNoticeBatchCommand } from './approve-notice-batch/approve-notice-batch.command';
export { CancelNoticeBatchCommand } from './cancel-notice-batch/cancel-notice-batch.command';
export { CompleteObligationWithBatchCommand } from './complete-obligation/complete-obligation.command';
export { DraftNoticeBatchCommand } from './draft-notice-batch/draft-notice-batch.command';
export { PreviewNoticeBatchCommand } from './preview-notice-batch/preview-notice-batch.command';
export { RecordHhsSubmissionCommand } from './record-hhs-submission/record-hhs-submission.command';
export { RecordNoticeReturnsCommand, type ReturnEntry } from './record-returns/record-returns.command';
export { ReleaseNoticeBatchCommand } from './release-notice-batch/release-notice-batch.command';
export { ReviseNoticeBatchCommand } from './revise-notice-batch/revise-notice-batch.command';

export const NOTICE_COMMAND_HANDLERS = [
  DraftNoticeBatchHandler,
  ReviseNoticeBatchHandler,
  PreviewNoticeBatchHandler,
  ApproveNoticeBatchHandler,
  ReleaseNoticeBatchHandler,
  CancelNoticeBatchHandler,
  CompleteObligationWithBatchHandler,
  RecordNoticeReturnsHandler,
  RecordHhsSubmissionHandler,
];

/**
 * The notice batch stream (`notice-batch-<id>`): folded into state, and decided on through
 * handleCommand with the decider's rule errors mapped to HTTP problems. Commands, queries and
 * the release coordinator all go through here.
 */
import { handleCommand, loadState, type HandleResult } from '../ledger/decider';
import type { CommandContext, Ledger } from '../ledger/ledger';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError, ValidationError } from '../platform/errors';
import {
  noticeBatchDecider,
  noticeBatchStream,
  NoticeBatchError,
  type NoticeBatchCommand,
  type NoticeBatchEvent,
  type NoticeBatchState,
} from './domain/notice-batch';
import { NoticeInputError } from './domain/notice-input';

/** Rule errors of the notices domain as the platform's errors (HTTP problem+json, CLI exit codes). */
export function domainToHttp(err: unknown): never {
  if (err instanceof NoticeBatchError) {
    switch (err.code) {
      case 'BATCH_NOT_FOUND':
        throw new NotFoundError(err.message);
      case 'BATCH_EXISTS':
        throw new ConflictError(err.message);
      case 'NOT_PERMITTED':
        throw new ForbiddenError(err.message);
      case 'INVALID_INPUT': {
        const [field, ...rest] = err.message.split(': ');
        throw ValidationError.field(field!, rest.join(': ') || err.message);
      }
      default:
        throw new RuleViolationError(err.message, { rule: err.code });
    }
  }
  if (err instanceof NoticeInputError) throw ValidationError.field(err.field, err.reason);
  throw err;
}

export async function loadBatch(ledger: Ledger, batchId: string): Promise<{ state: NoticeBatchState; version: bigint }> {
  const { state, version } = await loadState(ledger, noticeBatchStream(batchId), noticeBatchDecider as never);
  if (version === null) throw new NotFoundError('notice batch not found');
  return { state: state as NoticeBatchState, version };
}

export async function runBatchCommand(
  ledger: Ledger,
  batchId: string,
  cmd: NoticeBatchCommand,
  ctx: CommandContext,
  mode: 'create' | 'update',
  expectedVersion?: bigint,
): Promise<HandleResult<NoticeBatchState, NoticeBatchEvent>> {
  try {
    return await handleCommand(ledger, noticeBatchStream(batchId), noticeBatchDecider, cmd, ctx, {
      mode,
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    });
  } catch (e) {
    return domainToHttp(e);
  }
}

import type { ExpectedVersion } from './port';

/** A conflict on append: never a lost write. The HTTP layer maps it to 409. */
export class WrongExpectedVersionError extends Error {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    readonly actual: bigint | null,
  ) {
    super(`stream ${stream}: expected version ${String(expected)}, actual ${actual === null ? 'no-stream' : String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** Some but not all event ids of an append were already written: a retry that changed its batch. */
export class IdempotencyViolationError extends Error {
  readonly code = 'IDEMPOTENCY_VIOLATION';
  constructor(
    readonly stream: string,
    readonly eventId: string,
  ) {
    super(`event ${eventId} was already appended, but the batch differs from the original append`);
    this.name = 'IdempotencyViolationError';
  }
}

export class UnknownEventTypeError extends Error {
  readonly code = 'UNKNOWN_EVENT_TYPE';
  constructor(readonly type: string) {
    super(`event type "${type}" is not registered`);
    this.name = 'UnknownEventTypeError';
  }
}

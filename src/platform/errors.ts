/**
 * Errors the API maps to RFC 9457 problem+json. Messages must never carry PHI: name the
 * field and the rule, never echo the value.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra problem members (e.g. the failing field). */
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export interface FieldIssue {
  field: string;
  reason: string;
}

/** 400: the request is malformed; `field` names what is wrong (a JSON path like `affectedByState.XX`). */
export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'validation-failed';
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '), { errors: issues });
  }
  static field(field: string, reason: string): ValidationError {
    return new ValidationError([{ field, reason }]);
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not-found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload-too-large';
}

/** 422: well-formed but breaks a domain rule (wrong state, two-person rule, idempotency key reuse). */
export class RuleViolationError extends AppError {
  readonly status = 422;
  readonly code = 'rule-violation';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = 'too-many-requests';
}

/** Turns zod issues into field-named validation errors. */
export function fromZodIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string; keys?: string[] }>,
  prefix = '',
): ValidationError {
  return new ValidationError(
    issues.flatMap((i) => {
      const base = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      if (i.code === 'unrecognized_keys' && i.keys?.length) {
        return i.keys.map((k) => ({ field: base ? `${base}.${k}` : k, reason: 'unknown field' }));
      }
      return [{ field: base || '(body)', reason: i.message }];
    }),
  );
}

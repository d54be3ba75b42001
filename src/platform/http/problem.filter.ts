import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { StreamNotFoundError } from '../../ledger/decider';
import { IdempotencyViolationError, WrongExpectedVersionError } from '../../ledger/errors';
import { AppError, fromZodIssues } from '../errors';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/**
 * Maps any thrown error to a problem document. Domain errors whose `code` ends in `_RULE` (the
 * two-person rule's `TWO_PERSON_RULE` too) are 422, typed by their code.
 */
export function toProblem(err: unknown): Problem {
  if (err instanceof ZodError) return toProblem(fromZodIssues(err.issues as never));
  if (err instanceof AppError) {
    return {
      type: `urn:safeharbor:problem:${err.code}`,
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      detail: err.message,
      ...err.details,
    };
  }
  if (err instanceof WrongExpectedVersionError) {
    return {
      type: 'urn:safeharbor:problem:version-conflict',
      title: 'Conflict',
      status: 409,
      detail: 'the resource changed since you read it; reload and retry',
      currentVersion: err.actual === null ? null : String(err.actual),
    };
  }
  if (err instanceof StreamNotFoundError)
    return { type: 'urn:safeharbor:problem:not-found', title: 'Not Found', status: 404, detail: err.message };
  if (err instanceof IdempotencyViolationError)
    return { type: 'urn:safeharbor:problem:idempotency', title: 'Conflict', status: 409, detail: err.message };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return {
      type: `urn:safeharbor:problem:http-${status}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail: status < 500 ? err.message : undefined,
    };
  }
  const e = err as { type?: string; status?: number; code?: string; name?: string; message?: string };
  // body-parser errors
  if (e?.type === 'entity.too.large')
    return { type: 'urn:safeharbor:problem:payload-too-large', title: TITLES[413]!, status: 413, detail: 'the request body is too large' };
  if (e?.type === 'entity.parse.failed')
    return {
      type: 'urn:safeharbor:problem:validation-failed',
      title: TITLES[400]!,
      status: 400,
      detail: 'the body is not valid JSON',
      errors: [{ field: '(body)', reason: 'not valid JSON' }],
    };
  // the ledger refuses appends after tampering (rows without leaves, removed events): not the caller's fault
  if (e?.code === 'LEDGER_INTEGRITY')
    return {
      type: 'urn:safeharbor:problem:ledger-integrity',
      title: 'Service Unavailable',
      status: 503,
      detail: 'the ledger refuses writes: tampering was detected and the security officers were alerted',
    };
  if (typeof e?.code === 'string' && /_RULE$|^RULE_/.test(e.code)) {
    return {
      type: `urn:safeharbor:problem:${e.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[422]!,
      status: 422,
      detail: e.message,
    };
  }
  return {
    type: 'urn:safeharbor:problem:internal',
    title: TITLES[500]!,
    status: 500,
    detail: 'an internal error occurred; it was logged without request data',
  };
}

/** RFC 9457 problem+json for every error; 5xx details are logged, never sent (they may hold PHI). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const problem = toProblem(err);
    problem.instance = req.originalUrl?.split('?')[0];
    if (problem.status >= 500) this.logger.error({ err, path: problem.instance }, 'request failed');
    if (res.headersSent) return;
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

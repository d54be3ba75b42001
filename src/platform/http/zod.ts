import { applyDecorators, Body, type PipeTransform } from '@nestjs/common';
import { ApiBody, ApiResponse } from '@nestjs/swagger';
import { z, type ZodType } from 'zod';
import { fromZodIssues } from '../errors';

/** Validates a body (or any value) against a zod schema; 400 names each failing field. */
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: ZodType<T>) {}
  transform(value: unknown): T {
    const r = this.schema.safeParse(value);
    if (!r.success) throw fromZodIssues(r.error.issues as never);
    return r.data;
  }
}

/** `@ValidBody(schema) body: T` — validated body, documented in OpenAPI from the same schema. */
export function ValidBody<T>(schema: ZodType<T>): ParameterDecorator {
  return Body(new ZodPipe(schema));
}

export function ApiZodBody(schema: ZodType<unknown>): MethodDecorator {
  let jsonSchema: Record<string, unknown> = { type: 'object' };
  try {
    jsonSchema = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
    delete jsonSchema.$schema;
  } catch {
    /* documentation only */
  }
  return applyDecorators(ApiBody({ schema: jsonSchema as never }));
}

/**
 * Documents a route's JSON response from a zod schema, so the console's generated client is typed
 * by it (a change of shape then fails the console's build). Documentation only: not validated at run time.
 */
export function ApiZodResponse(schema: ZodType<unknown>, status = 200): MethodDecorator {
  let jsonSchema: Record<string, unknown> = { type: 'object' };
  try {
    jsonSchema = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'output' }) as Record<string, unknown>;
    delete jsonSchema.$schema;
  } catch {
    /* documentation only */
  }
  return applyDecorators(ApiResponse({ status, description: 'OK', schema: jsonSchema as never }));
}

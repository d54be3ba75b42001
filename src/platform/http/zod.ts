import { applyDecorators, Body, type PipeTransform } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
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

import { Body, type PipeTransform } from '@nestjs/common';
import type { ZodType } from 'zod';
import { fromZodIssues } from '../errors';

/** Metadata keys read by the OpenAPI generator (src/app/openapi.ts). */
export const ZOD_BODY = 'safeharbor:openapi:zod-body';
export const ZOD_RESPONSES = 'safeharbor:openapi:zod-responses';

/**
 * Validates a body, query, param (or any value) against a zod schema; 400 names each failing field.
 * The OpenAPI document takes the request's schemas from these pipes, so what is documented is what
 * is validated.
 */
export class ZodPipe<T> implements PipeTransform<unknown, T> {
  constructor(readonly schema: ZodType<T>) {}
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

/**
 * Documents the body of a route that validates it itself (not through `ValidBody`), e.g. the triage
 * engine's own validation. On a route with `ValidBody` it must name the same schema (the OpenAPI
 * test checks).
 */
export function ApiZodBody(schema: ZodType<unknown>): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(ZOD_BODY, schema, descriptor.value as object);
    return descriptor;
  };
}

/**
 * Documents a route's JSON response from a zod schema, so the console's generated client is typed
 * by it (a change of shape then fails the console's build). Documentation only: not validated at run time.
 */
export function ApiZodResponse(schema: ZodType<unknown>, status = 200): MethodDecorator {
  return (_target, _key, descriptor) => {
    const fn = descriptor.value as object;
    const list = (Reflect.getMetadata(ZOD_RESPONSES, fn) as { status: number; schema: ZodType<unknown> }[] | undefined) ?? [];
    Reflect.defineMetadata(ZOD_RESPONSES, [...list, { status, schema }], fn);
    return descriptor;
  };
}

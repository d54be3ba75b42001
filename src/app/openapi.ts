/**
 * The OpenAPI document, generated from what actually serves and validates requests:
 * - paths and methods from Nest's route metadata of every controller the app registered (so a
 *   documented path is a routed path);
 * - request bodies, path parameters and query parameters from the `ZodPipe`s that validate them
 *   (`ValidBody`, `new ZodPipe(schema)`), converted with zod's own JSON Schema output for the
 *   *input* side (a field with a default is not `required`);
 * - responses from `ApiZodResponse` where a route declares its shape, a generic JSON value otherwise,
 *   plus the problem+json answers the route can give (see `problemStatuses`);
 * - summaries from `@ApiOperation({ summary })`, tags from `@ApiTags`.
 * A route that is not fully described is still listed; `routeGaps` names what it lacks, and the
 * OpenAPI e2e test fails on any gap with that text.
 */
import { ParseUUIDPipe, RequestMethod, type INestApplication, type PipeTransform } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { z, type ZodType } from 'zod';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from '../auth';
import { ZOD_BODY, ZOD_RESPONSES, ZodPipe } from '../platform/http/zod';
import { PROBLEM_COMPONENTS, PROBLEM_RESPONSE_REFS } from './openapi-problems';

type Json = Record<string, unknown>;

/** Metadata keys of the @nestjs/swagger decorators used here (the package does not export its constants). */
const DECORATORS = {
  API_OPERATION: 'swagger/apiOperation',
  API_PRODUCES: 'swagger/apiProduces',
  API_CONSUMES: 'swagger/apiConsumes',
  API_TAGS: 'swagger/apiUseTags',
  API_PARAMETERS: 'swagger/apiParameters',
} as const;
type Schema = Json;

const HTTP_METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.DELETE]: 'delete',
  [RequestMethod.PATCH]: 'patch',
};
const WRITES = new Set(['post', 'put', 'patch', 'delete']);

/** One route as Nest serves it. */
export interface Route {
  method: string;
  /** OpenAPI form: `/v1/incidents/{id}`. */
  path: string;
  controller: string;
  handler: string;
  summary?: string;
  /** `@ApiOperation({ description })`: what the summary cannot say (a CSV body's columns, say). */
  description?: string;
  tags: string[];
  public: boolean;
  roles: string[];
  status: number;
  body?: { schema: ZodType<unknown> | null; declared: ZodType<unknown> | null; consumes?: string[] };
  params: { in: 'path' | 'query' | 'header'; name: string; required: boolean; schema: Schema; description?: string }[];
  responses: { status: number; schema: ZodType<unknown> }[];
  produces?: string[];
  /** A body argument with no zod schema to document it (`@Body()` without `ValidBody` nor `ApiZodBody`). */
  undocumentedBody: boolean;
}

type RouteArg = { index: number; data?: unknown; pipes?: unknown[] };

const meta = <T>(key: string, target: object | undefined): T | undefined =>
  target === undefined ? undefined : (Reflect.getMetadata(key, target) as T | undefined);

function joinPath(prefix: string, sub: string): string {
  const p = `/${prefix}/${sub}`.replace(/\/+/g, '/').replace(/\/$/, '');
  return (p || '/').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** zod → JSON Schema (2020-12, which OpenAPI 3.1 uses), `$defs` lifted into the document's components. */
export function jsonSchemaOf(schema: ZodType<unknown>, io: 'input' | 'output', defs: Record<string, Schema>, prefix: string): Schema {
  let out: Schema;
  try {
    out = z.toJSONSchema(schema, { unrepresentable: 'any', io }) as Schema;
  } catch {
    return {};
  }
  delete out.$schema;
  const local = out.$defs as Record<string, Schema> | undefined;
  delete out.$defs;
  if (!local) return out;
  const rename = (name: string) => `${prefix}_${name}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const rewrite = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(rewrite);
    if (v && typeof v === 'object') {
      const o: Json = {};
      for (const [k, x] of Object.entries(v as Json))
        o[k] =
          k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? `#/components/schemas/${rename(x.slice(8))}` : rewrite(x);
      return o;
    }
    return v;
  };
  for (const [name, s] of Object.entries(local)) defs[rename(name)] = rewrite(s) as Schema;
  return rewrite(out) as Schema;
}

function pipeSchema(pipes: unknown[] | undefined): { zod?: ZodType<unknown>; uuid: boolean } {
  const list = (pipes ?? []) as PipeTransform[];
  const zod = list.find((p): p is ZodPipe<unknown> => p instanceof ZodPipe);
  return { zod: zod?.schema, uuid: list.some((p) => p instanceof ParseUUIDPipe) };
}

/** Every route of every controller the app registered, read from Nest's metadata. */
export function listRoutes(app: INestApplication): Route[] {
  const controllers = new Set<new (...a: never[]) => unknown>();
  for (const mod of app.get(ModulesContainer).values())
    for (const wrapper of mod.controllers.values()) if (wrapper.metatype) controllers.add(wrapper.metatype as never);
  const routes: Route[] = [];
  for (const ctrl of controllers) {
    const prefixes = ([] as string[]).concat(meta<string | string[]>(PATH_METADATA, ctrl) ?? '/');
    const proto = ctrl.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const fn = Object.getOwnPropertyDescriptor(proto, name)?.value as ((...a: unknown[]) => unknown) | undefined;
      if (name === 'constructor' || typeof fn !== 'function') continue;
      const subPaths = meta<string | string[]>(PATH_METADATA, fn);
      const method = HTTP_METHODS[meta<RequestMethod>(METHOD_METADATA, fn) as RequestMethod];
      if (subPaths === undefined || !method) continue;
      const handlerArgs = Object.entries(
        (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctrl, name) as Record<string, RouteArg> | undefined) ?? {},
      );
      const params: Route['params'] = [];
      let bodyArg: RouteArg | undefined;
      for (const [key, arg] of handlerArgs) {
        const type = Number(key.split(':')[0]) as RouteParamtypes;
        const { zod, uuid } = pipeSchema(arg.pipes);
        if (type === RouteParamtypes.BODY) bodyArg = arg;
        else if (type === RouteParamtypes.PARAM || type === RouteParamtypes.QUERY) {
          const where = type === RouteParamtypes.PARAM ? 'path' : 'query';
          if (typeof arg.data === 'string') {
            const schema = zod ? jsonSchemaOf(zod, 'input', {}, '') : uuid ? { type: 'string', format: 'uuid' } : { type: 'string' };
            params.push({ in: where, name: arg.data, required: where === 'path', schema });
          } else if (zod) {
            const obj = jsonSchemaOf(zod, 'input', {}, '');
            const required = new Set((obj.required as string[] | undefined) ?? []);
            for (const [p, s] of Object.entries((obj.properties as Record<string, Schema> | undefined) ?? {}))
              params.push({ in: where, name: p, required: where === 'path' || required.has(p), schema: s });
          }
        } else if (type === RouteParamtypes.HEADERS && typeof arg.data === 'string') {
          const header = arg.data.toLowerCase() === 'if-match' ? 'If-Match' : arg.data;
          params.push({
            in: 'header',
            name: header,
            required: false,
            schema: { type: 'string' },
            ...(header === 'If-Match' ? { description: 'the ETag last read: a stale write is refused with 409' } : {}),
          });
        }
      }
      for (const p of meta<Json[]>(DECORATORS.API_PARAMETERS, fn) ?? [])
        if (p.in === 'query' && !params.some((q) => q.name === p.name))
          params.push({
            in: 'query',
            name: String(p.name),
            required: p.required === true,
            schema: { type: 'string' },
            description: p.description as string,
          });
      const declared = meta<ZodType<unknown>>(ZOD_BODY, fn) ?? null;
      const piped = bodyArg ? (pipeSchema(bodyArg.pipes).zod ?? null) : null;
      const consumes = meta<string[]>(DECORATORS.API_CONSUMES, fn);
      const hasBody = !!bodyArg || !!declared || !!consumes;
      const isPublic = meta<boolean>(PUBLIC_ROUTE, fn) ?? meta<boolean>(PUBLIC_ROUTE, ctrl) ?? false;
      for (const prefix of prefixes)
        for (const sub of ([] as string[]).concat(subPaths)) {
          const path = joinPath(prefix, sub);
          for (const m of path.matchAll(/\{([^}]+)\}/g))
            if (!params.some((p) => p.in === 'path' && p.name === m[1]))
              params.push({ in: 'path', name: m[1]!, required: true, schema: { type: 'string' } });
          routes.push({
            method,
            path,
            controller: ctrl.name,
            handler: name,
            summary: meta<{ summary?: string }>(DECORATORS.API_OPERATION, fn)?.summary,
            description: meta<{ description?: string }>(DECORATORS.API_OPERATION, fn)?.description,
            tags: meta<string[]>(DECORATORS.API_TAGS, fn) ?? meta<string[]>(DECORATORS.API_TAGS, ctrl) ?? [],
            public: isPublic,
            roles: meta<string[]>(REQUIRED_ROLES, fn) ?? meta<string[]>(REQUIRED_ROLES, ctrl) ?? [],
            status: meta<number>(HTTP_CODE_METADATA, fn) ?? (method === 'post' ? 201 : 200),
            body: hasBody ? { schema: piped ?? declared, declared, consumes } : undefined,
            params,
            responses: meta<Route['responses']>(ZOD_RESPONSES, fn) ?? [],
            produces: meta<string[]>(DECORATORS.API_PRODUCES, fn),
            undocumentedBody: !!bodyArg && !piped && !declared,
          });
        }
    }
  }
  return routes;
}

/** The problem+json statuses a route can answer with, from what it takes and who may call it. */
export function problemStatuses(r: Route): number[] {
  const write = WRITES.has(r.method);
  const s = new Set<number>();
  if (r.body || r.params.length > 0 || write) s.add(400);
  if (!r.public) s.add(401).add(403);
  if (r.params.some((p) => p.in === 'path')) s.add(404);
  if (write) s.add(409).add(422).add(503);
  if (r.body && !r.body.consumes) s.add(413);
  s.add(429);
  return [...s].sort();
}

/** What a route lacks to be documented properly; empty when complete. */
export function routeGaps(r: Route): string[] {
  const gaps: string[] = [];
  if (!r.summary?.trim()) gaps.push("a summary: add @ApiOperation({ summary: '…' }) (from @nestjs/swagger) to the handler");
  if (r.undocumentedBody)
    gaps.push(
      'a request body schema: validate the body with @ValidBody(zodSchema), or @ApiZodBody(zodSchema) when the handler validates it itself',
    );
  if (r.body?.declared && r.body.schema !== r.body.declared)
    gaps.push(
      'one body schema: @ApiZodBody names a different schema than the @ValidBody pipe that validates (drop @ApiZodBody or make them the same)',
    );
  return gaps;
}

/** `Controller_handler`; two controllers of the same class name (there are) get their path appended. */
function operationIds(routes: Route[]): Map<Route, string> {
  const base = (r: Route) => `${r.controller.replace(/Controller$/, '')}_${r.handler}`;
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(base(r), (counts.get(base(r)) ?? 0) + 1);
  const ids = new Map<Route, string>();
  for (const r of routes)
    ids.set(r, counts.get(base(r))! > 1 ? `${base(r)}_${r.method}${r.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+/g, '_')}` : base(r));
  return ids;
}

function successResponse(r: Route, opId: string, defs: Record<string, Schema>): Json {
  const out: Json = {};
  const declared = new Map(r.responses.map((x) => [x.status, x.schema]));
  if (!declared.has(r.status) && r.responses.length === 0) declared.set(r.status, null as never);
  for (const [status, schema] of declared) {
    let content: Json;
    if (r.produces?.length)
      content = Object.fromEntries(r.produces.map((t) => [t, { schema: { type: 'string', contentEncoding: 'binary' } }]));
    else if (schema) content = { 'application/json': { schema: jsonSchemaOf(schema, 'output', defs, `${opId}_${status}`) } };
    else content = { 'application/json': { schema: { description: 'JSON (shape not yet declared with ApiZodResponse)' } } };
    out[String(status)] = {
      description: status === 201 ? 'Created' : status < 300 ? 'OK' : `${status}: the same shape, saying why`,
      content,
    };
  }
  return out;
}

/** The whole document. */
export function buildOpenApiDocument(app: INestApplication): Json {
  const defs: Record<string, Schema> = {};
  const paths: Record<string, Record<string, Json>> = {};
  const routes = listRoutes(app).sort((a, b) => a.path.localeCompare(b.path));
  const ids = operationIds(routes);
  for (const r of routes) {
    const opId = ids.get(r)!;
    const op: Json = {
      operationId: opId,
      summary: r.summary ?? `${r.method.toUpperCase()} ${r.path}`,
      tags: r.tags,
      ...(r.description || r.roles.length
        ? { description: [r.description, r.roles.length ? `Roles: ${r.roles.join(', ')}.` : ''].filter(Boolean).join('\n\n') }
        : {}),
      security: r.public ? [] : [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    };
    const parameters: Json[] = r.params.map((p) => ({
      name: p.name,
      in: p.in,
      required: p.required,
      schema: p.schema,
      ...(p.description ? { description: p.description } : {}),
    }));
    if (r.method === 'post') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
    if (parameters.length) op.parameters = parameters;
    if (r.body) {
      const content: Json = {};
      for (const t of r.body.consumes ?? [])
        content[t] = { schema: { type: 'string', ...(r.description ? { description: 'see the operation description' } : {}) } };
      if (!r.body.consumes || r.body.schema)
        content['application/json'] = { schema: r.body.schema ? jsonSchemaOf(r.body.schema, 'input', defs, `${opId}_body`) : {} };
      op.requestBody = { required: true, content };
    }
    op.responses = {
      ...successResponse(r, opId, defs),
      ...Object.fromEntries(problemStatuses(r).map((s) => [String(s), { $ref: PROBLEM_RESPONSE_REFS[s] }])),
    };
    (paths[r.path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Safe Harbor',
      version: '1',
      description:
        'HIPAA/HITECH compliance and breach notification on a tamper-evident ledger. Errors are RFC 9457 problem+json. ' +
        'Generated from the routes the service serves and the zod schemas that validate them.',
    },
    servers: [{ url: '/', description: 'this service' }],
    paths,
    components: {
      ...PROBLEM_COMPONENTS,
      schemas: { ...(PROBLEM_COMPONENTS.schemas as Json), ...defs },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API key as a Bearer token' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        session: { type: 'apiKey', in: 'cookie', name: 'sh_session' },
      },
    },
  };
}

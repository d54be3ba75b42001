/**
 * The OpenAPI document is the truth (issue 14, item 9): it is generated from the routes Nest serves
 * and the zod schemas that validate them, and this test calls every documented operation and fails
 * on a 404 that comes from routing (Nest's "Cannot GET …"), i.e. a documented path nothing serves.
 * A domain 404 for a made-up id is fine.
 */
import type express from 'express';
import { listRoutes, routeGaps, type Route } from '../../../src/app/openapi';
import type { Role } from '../../../src/auth/domain/roles';
import { startTestApp, type TestApp } from '../../support/test-app';

type Schema = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  default?: unknown;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: Schema | boolean;
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema; $ref?: string };
type Operation = {
  summary?: string;
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const MADE_UP_ID = '0190f5c4-7a2b-7c3d-8e4f-0123456789ab';
const ROUTING_404 = /^Cannot (GET|POST|PUT|PATCH|DELETE) /;

/** What a new route needs so that this test (and the document) accepts it. */
const WHAT_A_ROUTE_NEEDS =
  'The document is generated from Nest route metadata by src/app/openapi.ts. A route needs: ' +
  "@ApiOperation({ summary: '…' }) on its handler; its JSON body validated with @ValidBody(zodSchema) " +
  '(or @ApiZodBody(zodSchema) when the handler validates the body itself); path and query parameters through ' +
  'new ZodPipe(schema) or ParseUUIDPipe; @ApiZodResponse(zodSchema[, status]) for a precise response shape.';

/** A value for a path parameter that its schema accepts where that is easy (enum, integer), a made-up id otherwise. */
function madeUp(schema: Schema | undefined): string {
  if (schema?.enum?.length) return String(schema.enum[0]);
  const t = ([] as (string | undefined)[]).concat(schema?.type);
  if (t.includes('integer') || t.includes('number')) return '1';
  return MADE_UP_ID;
}

function concretePath(path: string, op: Operation): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    encodeURIComponent(madeUp(op.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema)),
  );
}

/** Properties that have a default yet are listed as required, anywhere in a schema. */
function defaultedButRequired(schema: Schema | undefined, at: string, out: string[], seen = new Set<Schema>()): string[] {
  if (!schema || seen.has(schema)) return out;
  seen.add(schema);
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    if (v.default !== undefined && schema.required?.includes(k)) out.push(`${at}.${k}`);
    defaultedButRequired(v, `${at}.${k}`, out, seen);
  }
  defaultedButRequired(schema.items, `${at}[]`, out, seen);
  if (typeof schema.additionalProperties === 'object') defaultedButRequired(schema.additionalProperties, `${at}.*`, out, seen);
  for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) defaultedButRequired(s, at, out, seen);
  return out;
}

/** Method and path of every route Express holds (what actually answers), in OpenAPI form. */
function expressRoutes(app: TestApp['app']): Set<string> {
  const ex = app.getHttpAdapter().getInstance() as express.Express & { router?: { stack: unknown[] }; _router?: { stack: unknown[] } };
  const stack = (ex.router ?? ex._router)!.stack as { route?: { path: string; methods: Record<string, boolean> } }[];
  const out = new Set<string>();
  for (const layer of stack)
    if (layer.route)
      for (const m of Object.keys(layer.route.methods))
        out.add(`${m.toUpperCase()} ${layer.route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
  return out;
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: Doc;
  let routes: Route[];
  const keys: Partial<Record<Role, string>> = {};
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000000' } });
    const res = await t.http().get('/docs/openapi.json').expect(200);
    doc = res.body as Doc;
    routes = listRoutes(t.app);
    keys.admin = t.adminKey;
    for (const role of ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'] as Role[])
      keys[role] = (await t.principal(role)).apiKey;
    // A signed checkpoint, so the checkpoint routes answer with data to check against their shapes.
    await t.http().post('/v1/ledger/checkpoints').set('Authorization', `Bearer ${keys['security-officer']}`).expect(200);
  }, 60_000);
  afterAll(async () => t?.close());

  it('documents exactly the routes Express serves (nothing missing, nothing invented)', () => {
    const documented = new Set(operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    const served = [...expressRoutes(t.app)].filter((r) => !/ \/docs/.test(r));
    expect(doc.openapi).toBe('3.1.0');
    expect({
      undocumented: served.filter((r) => !documented.has(r)),
      unserved: [...documented].filter((r) => !served.includes(r)),
    }).toEqual({
      undocumented: [],
      unserved: [],
    });
    // The agent enrollment routes, which an older document placed elsewhere.
    expect(documented).toContain('POST /v1/agents/enrollments');
  });

  it('describes every operation: summary, request body where it takes one, success response, problem types', () => {
    const gaps = routes.flatMap((r) =>
      routeGaps(r).map((g) => `${r.method.toUpperCase()} ${r.path} (${r.controller}.${r.handler}) needs ${g}`),
    );
    if (gaps.length) throw new Error(`${gaps.join('\n')}\n\n${WHAT_A_ROUTE_NEEDS}`);
    const problems: string[] = [];
    for (const { path, method, op } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      if (!op.summary || op.summary.startsWith(method.toUpperCase())) problems.push(`${name}: no summary`);
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      if (success.length === 0) problems.push(`${name}: no success response`);
      for (const s of success) if (!op.responses[s]!.content) problems.push(`${name}: ${s} has no content schema`);
      const problemRefs = Object.entries(op.responses).filter(
        ([s, r]) => /^[45]\d\d$/.test(s) && r.$ref?.startsWith('#/components/responses/'),
      );
      if (problemRefs.length === 0) problems.push(`${name}: no problem+json responses`);
      const route = routes.find((r) => r.method === method && r.path === path)!;
      if (!route.public && !op.responses['401']) problems.push(`${name}: authenticated but no 401`);
      if (/\{/.test(path) && !op.responses['404']) problems.push(`${name}: path parameters but no 404`);
      if (route.body && !op.requestBody) problems.push(`${name}: takes a body but documents none`);
      if (['post', 'put', 'patch'].includes(method) && !op.responses['422']) problems.push(`${name}: a write without 422`);
    }
    expect(problems).toEqual([]);
  });

  it('never marks a defaulted field as required (the document says what the code defaults)', () => {
    const wrong = operations().flatMap(({ path, method, op }) =>
      defaultedButRequired(op.requestBody?.content['application/json']?.schema, `${method.toUpperCase()} ${path} body`, []),
    );
    expect(wrong).toEqual([]);
    // The case reported: triage's `safeguards` defaults in code, so a caller may leave it out.
    const triage = doc.paths['/v1/triage/evaluate']!.post!.requestBody!.content['application/json']!.schema!;
    expect(triage.properties).toHaveProperty('safeguards');
    expect(triage.required ?? []).not.toContain('safeguards');
  });

  it('routes every documented operation (a 404 from routing fails; a domain 404 for a made-up id is fine)', async () => {
    // The detector: an undocumented path gets Nest's routing 404.
    const control = await t.http().get('/v1/not-a-documented-route').set('Authorization', `Bearer ${t.adminKey}`);
    expect(control.status).toBe(404);
    expect(control.body.detail).toMatch(ROUTING_404);

    const statuses = new Map<number, number>();
    const unrouted: string[] = [];
    const serverErrors: string[] = [];
    const drift: string[] = [];
    let checkedShapes = 0;
    for (const { path, method, op } of operations()) {
      const route = routes.find((r) => r.method === method && r.path === path)!;
      const role = (route.roles[0] as Role | undefined) ?? 'admin';
      const url = concretePath(path, op);
      const http = t.http();
      let req = http[method as 'get'](url).set('Authorization', `Bearer ${keys[role] ?? t.adminKey}`);
      if (op.requestBody) {
        const csv = op.requestBody.content['text/csv'] && !op.requestBody.content['application/json'];
        req = csv ? req.set('Content-Type', 'text/csv').send('') : req.send({});
      }
      const res = await req;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const detail = typeof res.body?.detail === 'string' ? res.body.detail : '';
      if (res.status === 404 && (ROUTING_404.test(detail) || !String(res.headers['content-type']).includes('problem+json')))
        unrouted.push(`${method.toUpperCase()} ${path} → ${url}: ${detail || res.text.slice(0, 80)}`);
      // A declared response shape must be what the route answers.
      const declared = route.responses.find((x) => x.status === res.status);
      if (declared && String(res.headers['content-type']).includes('json')) {
        checkedShapes++;
        const parsed = declared.schema.safeParse(res.body);
        if (!parsed.success)
          drift.push(
            `${method.toUpperCase()} ${path} → ${res.status}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
      }
      if (res.status >= 500) serverErrors.push(`${method.toUpperCase()} ${path} → ${res.status} ${detail}`);
    }
    if (unrouted.length)
      throw new Error(
        `Documented but not routed (Nest answered "Cannot …"):\n${unrouted.join('\n')}\n\n${WHAT_A_ROUTE_NEEDS} ` +
          'A path listed here is produced from metadata Nest does not route the same way (a global prefix, versioning, or a route shadowed by another).',
      );
    expect(serverErrors).toEqual([]);
    expect(drift).toEqual([]);
    const ops = operations().length;
    const precise = operations().filter(({ op }) =>
      Object.entries(op.responses).some(
        ([s, r]) =>
          /^2/.test(s) &&
          Object.values(r.content ?? {}).some((c) => c.schema && !('description' in c.schema && Object.keys(c.schema).length === 1)),
      ),
    ).length;
    // eslint-disable-next-line no-console
    console.log(
      `OpenAPI: ${ops} operations, ${Object.keys(doc.paths).length} paths, ${precise} with a declared response shape (${checkedShapes} answers checked against it); all called, none unrouted; ` +
        `status codes seen: ${[...statuses.entries()]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(', ')}`,
    );
  }, 180_000);
});

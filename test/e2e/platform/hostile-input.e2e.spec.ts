/**
 * Hostile input never reaches a 500 (issue 14, item 8): every POST/PUT/PATCH operation in the
 * OpenAPI document gets a body nested 10,000 levels deep with an Idempotency-Key, and every
 * date field found in the documented request schemas gets impossible calendar dates.
 */
import { openApiDocument } from '../../../src/app/create-app';
import type { Role } from '../../../src/auth/domain/roles';
import { startTestApp, type TestApp } from '../../support/test-app';

type Schema = {
  type?: string | string[];
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
};
type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const WRITE_METHODS = ['post', 'put', 'patch'];
const SAMPLE_ID = '0190f5c4-7a2b-7c3d-8e4f-0123456789ab';
const IMPOSSIBLE_DATES = ['2025-02-30', '2025-13-01', '2025-04-31'];

function concretePath(path: string): string {
  return path.replace(/\{[^}]+\}/g, SAMPLE_ID);
}

/** Every date or date-time field in a JSON schema, as a path of keys (numbers index arrays). */
function dateFields(
  doc: Doc,
  schema: Schema | undefined,
  at: (string | number)[] = [],
  seen = new Set<Schema>(),
): { path: (string | number)[]; format: string }[] {
  if (!schema || seen.has(schema) || at.length > 12) return [];
  seen.add(schema);
  if (schema.$ref) return dateFields(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!], at, seen);
  const out: { path: (string | number)[]; format: string }[] = [];
  if (schema.format === 'date' || schema.format === 'date-time') out.push({ path: at, format: schema.format });
  for (const [k, s] of Object.entries(schema.properties ?? {})) out.push(...dateFields(doc, s, [...at, k], seen));
  if (schema.items) out.push(...dateFields(doc, schema.items, [...at, 0], seen));
  if (typeof schema.additionalProperties === 'object') out.push(...dateFields(doc, schema.additionalProperties, [...at, 'CA'], seen));
  for (const s of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) out.push(...dateFields(doc, s, at, seen));
  return out;
}

function bodyWith(path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (typeof head === 'number') return [bodyWith(rest, value)];
  return { [head]: bodyWith(rest, value) };
}

describe('hostile input (e2e)', () => {
  let t: TestApp;
  let doc: Doc;
  const keys: Partial<Record<Role, string>> = {};

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000000' } });
    doc = openApiDocument(t.app) as unknown as Doc;
    keys.admin = t.adminKey;
    for (const role of ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'] as Role[])
      keys[role] = (await t.principal(role)).apiKey;
  }, 60_000);
  afterAll(async () => t?.close());

  const writeOperations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => WRITE_METHODS.includes(m))
        .map(([method, op]) => ({ path, method, op })),
    );

  it('answers a 10,000-deep JSON body on every POST/PUT/PATCH route with 400 problem+json, before any handler', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const ops = writeOperations();
    expect(ops.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const { path, method } of ops) {
      for (const body of [deep, deepObject]) {
        const http = t.http();
        const res = await http[method as 'post'](concretePath(path))
          .set('Authorization', `Bearer ${t.adminKey}`)
          .set('Idempotency-Key', `deep-${method}-${path}`)
          .set('Content-Type', 'application/json')
          .send(body);
        if (
          res.status !== 400 ||
          !String(res.headers['content-type']).startsWith('application/problem+json') ||
          res.body.errors?.[0]?.field !== '(body)'
        )
          failures.push(`${method.toUpperCase()} ${path} → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`hostile input: ${ops.length} write operations refused a 10,000-deep body`);
  }, 120_000);

  it('accepts ordinary nesting (the bound is not in the way of real bodies)', async () => {
    const res = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${keys['compliance-officer']}`)
      .send({
        title: 'Lost laptop',
        discoveredOn: '2025-03-09',
        summary: 'A laptop was left on a train.',
        reporter: { kind: 'covered-entity' },
      });
    expect(res.status).toBe(201);
  });

  it('refuses impossible calendar dates in every date field of every documented request schema, naming the field', async () => {
    const cases = writeOperations().flatMap(({ path, method, op }) =>
      dateFields(doc, op.requestBody?.content?.['application/json']?.schema).map((f) => ({
        path,
        method,
        fieldPath: f.path,
        format: f.format,
      })),
    );
    expect(cases.length).toBeGreaterThanOrEqual(10);
    const failures: string[] = [];
    for (const c of cases) {
      for (const date of IMPOSSIBLE_DATES) {
        const value = c.format === 'date' ? date : `${date}T12:00:00Z`;
        const field = c.fieldPath.join('.');
        let res: { status: number; body: { errors?: { field: string }[] } } | undefined;
        // The first role the route lets in (validation runs after the guard).
        for (const role of ['compliance-officer', 'security-officer', 'admin', 'incident-responder', 'auditor'] as Role[]) {
          const http = t.http();
          res = await http[c.method as 'post'](concretePath(c.path))
            .set('Authorization', `Bearer ${keys[role]}`)
            .send(bodyWith(c.fieldPath, value) as object);
          if (res.status !== 403) break;
        }
        const named = (res!.body.errors ?? []).some((e) => e.field === field);
        if (res!.status !== 400 || !named)
          failures.push(
            `${c.method.toUpperCase()} ${c.path} ${field}=${value} → ${res!.status} ${JSON.stringify(res!.body.errors ?? res!.body).slice(0, 200)}`,
          );
      }
    }
    expect(failures).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`hostile input: ${cases.length} date fields refused ${IMPOSSIBLE_DATES.join(', ')}`);
  }, 120_000);

  it('documents every date-named string field of a request as a calendar date or instant (so the test above finds it)', () => {
    const undated: string[] = [];
    const walk = (schema: Schema | undefined, at: string, seen: Set<Schema>) => {
      if (!schema || seen.has(schema)) return;
      seen.add(schema);
      for (const [k, v] of Object.entries(schema.properties ?? {})) {
        if (/(On|Date|At|^date)$/.test(k) && v.type === 'string' && v.format !== 'date' && v.format !== 'date-time')
          undated.push(`${at}.${k}`);
        walk(v, `${at}.${k}`, seen);
      }
      walk(schema.items, at, seen);
      if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, at, seen);
      for (const v of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(v, at, seen);
    };
    for (const { path, method, op } of writeOperations())
      walk(op.requestBody?.content?.['application/json']?.schema, `${method} ${path}`, new Set());
    expect(undated).toEqual([]);
  });

  it('refuses a discovery date in the future', async () => {
    const res = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${keys['compliance-officer']}`)
      .send({
        title: 'Lost laptop',
        discoveredOn: '2025-03-11',
        summary: 'A laptop was left on a train.',
        reporter: { kind: 'covered-entity' },
      });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/discoveredOn/);
  });
});

/**
 * The per-incident name sets behind free-text screening (issue 14, item 7), on the real encrypted
 * artifact store: built from a 100,000-person synthetic list (time and memory printed), reused
 * while the list is unchanged, and dropped least recently used past the limits.
 */
import { AffectedNamesService } from '../../../src/incidents';
import { sampleAffectedCsv } from '../../../src/incidents/import/sample';
import { startTestApp, type TestApp } from '../../support/test-app';

jest.setTimeout(300_000);

describe('AffectedNamesService', () => {
  let t: TestApp;
  let key = '';
  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.principal('incident-responder')).apiKey;
  });
  afterAll(async () => {
    await t.close();
  });

  async function incidentWith(people: number, seed: number): Promise<{ id: string; csv: string }> {
    const r = await t
      .http()
      .post('/v1/incidents')
      .set('Authorization', `Bearer ${key}`)
      .send({
        title: 'Misdirected mailing',
        discoveredOn: '2025-03-10',
        summary: 'Statements mailed to old addresses.',
        reporter: { kind: 'covered-entity' },
      });
    const id = r.body.id as string;
    const csv = [...sampleAffectedCsv({ people, seed })].join('');
    const up = await t
      .http()
      .post(`/v1/incidents/${id}/affected`)
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(up.status).toBe(201);
    return { id, csv };
  }

  it('builds 100,000 names from the encrypted list, then reuses the set', async () => {
    const { id, csv } = await incidentWith(100_000, 7);
    const names = t.app.get(AffectedNamesService);
    global.gc?.();
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    const set = await names.namesFor(id);
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const after = process.memoryUsage();
    expect(set!.names).toBeGreaterThan(99_000);
    const t1 = process.hrtime.bigint();
    expect(await names.namesFor(id)).toBe(set);
    const warmMs = Number(process.hrtime.bigint() - t1) / 1e6;
    // A name from the list (second line, first column) is found in a 2,000-word text.
    const listed = csv.split('\n')[1]!.split(',')[0]!;
    const words: string[] = Array.from({ length: 2000 }, (_, i) => (i % 3 ? 'statements' : 'mailed'));
    const text = `${words.slice(0, 1000).join(' ')} ${listed} ${words.slice(1000).join(' ')}`;
    const t2 = process.hrtime.bigint();
    expect(set!.find(text)).toHaveLength(1);
    const screenMs = Number(process.hrtime.bigint() - t2) / 1e6;
    process.stdout.write(
      `affected names: 100,000-person encrypted list read and keyed in ${buildMs.toFixed(0)} ms; table ${(set!.byteLength / 2 ** 20).toFixed(1)} MiB ` +
        `(heap+arrays delta ${((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20).toFixed(1)} MiB); ` +
        `cached lookup ${warmMs.toFixed(1)} ms; 2,000-word text screened in ${screenMs.toFixed(2)} ms\n`,
    );
    expect(set!.byteLength).toBeLessThan(16 * 2 ** 20);
  });

  it('keeps at most the configured incidents, least recently used dropped first', async () => {
    const names = t.app.get(AffectedNamesService);
    const saved = names.limits;
    names.limits = { maxIncidents: 2, maxBytes: 64 * 2 ** 20 };
    try {
      const a = await incidentWith(20, 1);
      const b = await incidentWith(20, 2);
      const c = await incidentWith(20, 3);
      const sa = await names.namesFor(a.id);
      await names.namesFor(b.id);
      expect(await names.namesFor(a.id)).toBe(sa); // a used again: b is now the oldest
      await names.namesFor(c.id);
      expect(names.stats().incidents).toBe(2);
      expect(await names.namesFor(a.id)).toBe(sa); // still cached
      names.limits = { maxIncidents: 16, maxBytes: 1 };
      await names.namesFor(b.id); // rebuilt; the byte limit leaves only the set just used
      expect(names.stats().incidents).toBe(1);
      expect(await names.namesFor(a.id)).not.toBe(sa);
    } finally {
      names.limits = saved;
    }
  });

  it('has nothing for an incident without a list, or an id that is not one', async () => {
    const names = t.app.get(AffectedNamesService);
    expect(await names.namesFor('not-an-id')).toBeNull();
    expect(await names.namesFor('00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});

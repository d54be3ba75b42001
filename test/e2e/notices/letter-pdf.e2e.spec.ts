/**
 * Issue 15 item 5: each letter is stored once, inside its mail-house print file. Proof of notice
 * reproduces one letter from the print file (GET /v1/notices/letters/:letterId/pdf): the body is
 * that person's letter, its SHA-256 the digest in the proof, the read recorded as PhiAccessed.
 */
import { createHash } from 'node:crypto';
import type { EventStore } from '../../../src/ledger/port';
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import { DeliveryStore } from '../../../src/notices/delivery/delivery-store';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import { planChannel } from '../../../src/notices/domain/channel';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import { ARTIFACT_STORE, EVENT_STORE } from '../../../src/platform/tokens';
import { startTestApp, type TestApp } from '../../support/test-app';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { pdfText } from '../../unit/notices/pdf-text';

jest.setTimeout(240_000);

const binary = (res: NodeJS.ReadableStream, cb: (e: Error | null, b: unknown) => void) => {
  const parts: Buffer[] = [];
  res.on('data', (c: Buffer) => parts.push(c));
  res.on('end', () => cb(null, Buffer.concat(parts)));
};

describe('a letter reproduced from its print file', () => {
  let t: TestApp;
  const facts = testFacts();
  const people = Array.from({ length: 14 }, (_, i) => syntheticPerson(i));
  beforeAll(async () => {
    t = await startTestApp({ env: { NOTICES_CHUNK_SIZE: '6', NOTICES_EMAIL_RATE: '0' } as Record<string, string> });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives back exactly the printed letter, digest as in the proof of notice, and stores no second copy', async () => {
    const drafter = await t.principal('compliance-officer', 'Drafter');
    const approver = await t.principal('compliance-officer', 'Approver');
    const as = (who: { apiKey: string }) => ({ Authorization: `Bearer ${who.apiKey}` });
    const artifacts = t.app.get<ArtifactStore>(ARTIFACT_STORE);
    const recipients = await artifacts.write(`incident:${facts.incidentId}`, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
    const draft = await t.http().post('/v1/notices/batches').set(as(drafter)).send({
      incidentId: facts.incidentId,
      kind: 'individual',
      letterDate: '2025-04-01',
      organization: testOrg(),
      facts,
      recipientsArtifact: recipients.digest,
    });
    expect(draft.status).toBe(201);
    const id = draft.body.batchId as string;
    await t.http().post(`/v1/notices/batches/${id}/preview`).set(as(drafter)).send().expect(200);
    await t
      .http()
      .post(`/v1/notices/batches/${id}/approve`)
      .set(as(approver))
      .send({ contentDigest: draft.body.contentDigest })
      .expect(200);
    await t.http().post(`/v1/notices/batches/${id}/release`).set(as(drafter)).send().expect(200);
    for (const end = Date.now() + 180_000; ;) {
      if ((await t.http().get(`/v1/notices/batches/${id}`).set(as(approver))).body.status === 'completed') break;
      if (Date.now() > end) throw new Error('timed out: the batch to complete');
      await new Promise((r) => setTimeout(r, 200));
    }

    const mailed = people.filter((p) => planChannel(p).channel === 'mail');
    expect(mailed.length).toBeGreaterThan(3);
    for (const p of mailed) {
      const letterId = letterIdOf(id, p.id);
      const proof = (await t.http().get(`/v1/notices/individuals/${p.id}/proof`).set(as(approver))).body.items[0];
      const res = await t
        .http()
        .get(`/v1/notices/letters/${letterId}/pdf`)
        .set(as(approver))
        .buffer(true)
        .parse(binary as never);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const pdf = res.body as Buffer;
      const sha = createHash('sha256').update(pdf).digest('hex');
      expect(sha).toBe(proof.pdfSha256);
      expect(res.headers['x-content-sha256']).toBe(sha);
      const text = await pdfText(pdf);
      expect(text.pages).toBe(proof.pages[1] - proof.pages[0] + 1);
      expect(text.flat).toContain(`Dear ${p.name},`);
      expect(text.flat).toContain(`Ref ${letterId}`);
      for (const other of mailed) if (other.name !== p.name) expect(text.flat).not.toContain(`Dear ${other.name},`);
      expect(text.flat).toContain(facts.whatHappened);
    }
    const reads = await t.app.get<EventStore>(EVENT_STORE).readStream(`phiaccess-${approver.id}`);
    expect(reads.filter((e) => (e.data as { route: string }).route === '/v1/notices/letters/:letterId/pdf')).toHaveLength(mailed.length);

    // Not a printed letter → 404; not a reference → 400 naming the parameter; only writers who may read letters.
    const emailed = people.find((p) => planChannel(p).channel === 'email')!;
    expect(
      (
        await t
          .http()
          .get(`/v1/notices/letters/${letterIdOf(id, emailed.id)}/pdf`)
          .set(as(approver))
      ).status,
    ).toBe(404);
    const bad = await t.http().get('/v1/notices/letters/nope/pdf').set(as(approver));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('letterId');
    const auditor = await t.principal('auditor', 'Auditor');
    expect(
      (
        await t
          .http()
          .get(`/v1/notices/letters/${letterIdOf(id, mailed[0]!.id)}/pdf`)
          .set(as(auditor))
      ).status,
    ).toBe(403);

    // Stored once: the print files are the only letter artifacts (no per-letter copy at rest).
    const store = t.app.get(DeliveryStore);
    expect(store).toBeInstanceOf(SqliteDeliveryStore);
    const rows = (store as SqliteDeliveryStore).db
      .prepare('SELECT letters_artifact FROM notice_print_files WHERE batch_id = ?')
      .all(id) as Array<{
      letters_artifact: string;
    }>;
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.letters_artifact).toBe('');
  });
});

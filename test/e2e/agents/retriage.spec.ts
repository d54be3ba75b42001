/**
 * "A key marked compromised → re-triage the incidents naming its datasets" is a checkpointed
 * ledger processor: a re-triage that fails is retried until it lands, and one still failing
 * when the service stops is done by the next start. The failure is injected at the safe-harbor
 * port (the seam triage reads through); the ledger, read store and Redis are the real ones.
 * The datasets are encrypted by results signed with an enrolled agent's key, through the
 * service's own result intake.
 */
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { join } from 'node:path';
import { PendingDeliveriesQuery, ReceiveAgentMessageCommand, type PendingDelivery } from '../../../src/agents';
import { SAFE_HARBOR, type SafeHarborPort } from '../../../src/datasets';
import { LEDGER, type Ledger } from '../../../src/ledger/ledger';
import { PROCESSOR_RUNNER, type ProcessorRunner } from '../../../src/ledger/processors/event-processor';
import { FakeClock } from '../../../src/platform/clock';
import {
  generateSealKeyPair,
  generateSigningKeyPair,
  keyIdOf,
  payloadDigest,
  privateKeyFromPem,
  signMessage,
  type SignedMessage,
} from '../../../src/shared/agent-protocol';
import { makeTempDir } from '../../support/temp-dir';
import { startTestApp, testRedisPrefix, type TestApp } from '../../support/test-app';

const DAY = 86_400_000;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('re-triage after a key compromise survives failures and restarts', () => {
  const dir = makeTempDir('sh-retriage-');
  const env = {
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_PREFIX: testRedisPrefix(),
  };
  const START = '2026-03-02T15:00:00.000Z';
  const clock = new FakeClock(START);
  const agentKeys = generateSigningKeyPair();
  let t: TestApp | undefined;
  let officer: { apiKey: string };
  let a: { id: string; apiKey: string };
  let compliance: { apiKey: string };

  afterAll(async () => {
    await t?.close();
    dir.cleanup();
  });

  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t!.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t!.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });

  /** The enrolled agent's signed result for the pending dataset.encrypt command, fed to the service's intake. */
  async function agentReportsEncrypted(datasetId: string, keyId: string): Promise<void> {
    const pending = await t!.app.get(QueryBus).execute<PendingDeliveriesQuery, PendingDelivery[]>(new PendingDeliveriesQuery());
    const d = pending.find((p) => p.agentId === 'host-rt')!;
    const body = JSON.parse(Buffer.from((d.message as unknown as SignedMessage).payload, 'base64').toString('utf8')) as {
      commandId: string;
      seq: number;
    };
    const now = clock.now().toISOString();
    const result = {
      v: 1,
      commandId: body.commandId,
      commandDigest: payloadDigest(d.message as unknown as SignedMessage),
      agentId: 'host-rt',
      seq: body.seq,
      status: 'succeeded',
      reason: null,
      startedAt: now,
      finishedAt: now,
      evidence: { datasetId, keyId, keyVersion: 1, filesTotal: 3, manifestDigest: 'a'.repeat(64), keyApart: true, cleartextRemaining: 0 },
      gap: null,
      jobId: 'job-1',
    };
    const signed = signMessage('result', result, privateKeyFromPem(agentKeys.privateKeyPem, 'ed25519'), keyIdOf(agentKeys.publicKey));
    expect(await t!.app.get(CommandBus).execute(new ReceiveAgentMessageCommand(signed))).toBe('recorded');
    await until(`${datasetId} encrypted`, async () => (await as(a).get(`/v1/datasets/${datasetId}`)).body.encryption);
  }

  /** A key and a dataset under it, and an incident naming the dataset that triage finds secured. */
  async function securedIncident(n: number): Promise<{ keyId: string; incidentId: string }> {
    const keyId = `key-rt${n}`;
    const datasetId = `ds-rt${n}`;
    expect((await as(a).post('/v1/keys', { keyId, name: `Key ${n}` })).status).toBe(201);
    expect((await as(a).post(`/v1/keys/${keyId}/activate`)).status).toBe(200);
    expect((await as(a).post('/v1/datasets', { datasetId, agentId: 'host-rt', path: `/srv/phi/rt${n}` })).status).toBe(201);
    expect((await as(a).post(`/v1/datasets/${datasetId}/encrypt`, { keyId })).status).toBe(202);
    await agentReportsEncrypted(datasetId, keyId);
    // The loss happens the day after the dataset was encrypted, and is discovered that day (never in the future).
    clock.advance(DAY);
    const occurredOn = clock.now().toISOString().slice(0, 10);
    const created = await as(officer).post('/v1/incidents', {
      title: `Backup copy ${n} lost`,
      discoveredOn: occurredOn,
      occurred: { from: occurredOn },
      summary: 'A backup drive holding a copy of the dataset was lost in transit.',
      reporter: { kind: 'covered-entity' },
      datasetIds: [datasetId],
    });
    expect(created.status).toBe(201);
    const incidentId = created.body.id as string;
    expect(
      (
        await as(officer).post(`/v1/incidents/${incidentId}/affected-counts`, {
          byState: { OH: 600 },
          insufficientContact: 0,
          reason: 'estimate',
        })
      ).status,
    ).toBe(200);
    const decided = await as(compliance).post(`/v1/incidents/${incidentId}/triage`);
    expect(decided.body.decision.result).toMatchObject({ breach: false, basis: 'secured' });
    return { keyId, incidentId };
  }

  const statusOf = async (incidentId: string) => (await as(compliance).get(`/v1/incidents/${incidentId}`)).body.status as string;

  /** Makes the safe-harbor port fail while `failing()` says so, counting the failures. */
  function injectFailures(failing: (n: number) => boolean): { failures: number } {
    const port = t!.app.get<symbol, SafeHarborPort>(SAFE_HARBOR);
    const real = port.safeguardsFor.bind(port);
    const seen = { failures: 0 };
    port.safeguardsFor = async (ids, at) => {
      if (failing(seen.failures)) {
        seen.failures++;
        throw new Error('safe-harbor store unavailable (injected)');
      }
      return real(ids, at);
    };
    return seen;
  }

  it('retries a re-triage that failed once, and finishes after a restart one that was still failing', async () => {
    t = await startTestApp({ clock, env });
    [a, officer, compliance] = [
      await t.principal('security-officer'),
      await t.principal('incident-responder'),
      await t.principal('compliance-officer'),
    ];
    const b = await t.principal('security-officer');
    const tok = await as(a).post('/v1/agents/tokens', { agentId: 'host-rt' });
    expect(
      (
        await t.http().post('/v1/agents/enrollments').send({
          token: tok.body.token,
          agentId: 'host-rt',
          publicKey: agentKeys.publicKey,
          sealPublicKey: generateSealKeyPair().publicKey,
          hostFacts: {},
        })
      ).status,
    ).toBe(201);
    expect((await as(b).post('/v1/agents/host-rt/approve')).body.status).toBe('active');
    const first = await securedIncident(1);
    const second = await securedIncident(2);
    const compromisedAt = new Date(Date.parse(START) + 3_600_000).toISOString(); // before either loss
    clock.advance(DAY);

    // 1. The first re-triage attempt fails; the runner retries it and it lands.
    const once = injectFailures((n) => n < 1);
    expect((await as(a).post(`/v1/keys/${first.keyId}/compromise`, { reason: 'key found on the lost drive', compromisedAt })).status).toBe(
      200,
    );
    await until('incident 1 re-triaged as a breach', async () => (await statusOf(first.incidentId)) === 'breach');
    expect(once.failures).toBe(1);
    const timeline = (await as(compliance).get(`/v1/incidents/${first.incidentId}/timeline`)).body.entries as {
      type: string;
      actor: { id: string; role: string };
    }[];
    expect(timeline.filter((e) => e.type === 'SafeguardsRecorded').pop()?.actor).toEqual({ id: 'system:safeguards', role: 'system' });

    // 2. The port keeps failing; the service stops while the re-triage of incident 2 is being retried.
    const down = injectFailures(() => true);
    expect((await as(a).post(`/v1/keys/${second.keyId}/compromise`, { reason: 'same drive', compromisedAt })).status).toBe(200);
    await until('a failed attempt for incident 2', async () => down.failures >= 1);
    const compromised = (await t.app.get<symbol, Ledger>(LEDGER).readStream(`key-${second.keyId}`)).find(
      (e) => e.type === 'KeyCompromised',
    )!;
    // The checkpoint never moves past an event that did not succeed: the restart starts there.
    expect(t.app.get<symbol, ProcessorRunner>(PROCESSOR_RUNNER).checkpoint('incidents.safeguards-refresh')).toBeLessThan(
      compromised.position,
    );
    expect(await statusOf(second.incidentId)).toBe('not-a-breach');
    await t.close();
    t = undefined;

    // 3. The next start resumes at the event that never succeeded and the incident is re-triaged.
    t = await startTestApp({ clock, env });
    await until('incident 2 re-triaged after the restart', async () => (await statusOf(second.incidentId)) === 'breach');
    const obligations = (await as(compliance).get(`/v1/incidents/${second.incidentId}/obligations`)).body.obligations.map(
      (o: { kind: string }) => o.kind,
    );
    expect(obligations).toEqual(expect.arrayContaining(['individual-notice', 'hhs-notice']));
  }, 120_000);
});

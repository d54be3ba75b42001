/**
 * The safe-harbor link end to end: triage of an incident naming a dataset takes its safeguards
 * from the ledger's own key and dataset events (encrypted by a real agent on real files), and a
 * key marked compromised afterwards re-runs triage, taking the incident out of safe harbor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Clock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';

const REPO = resolve(__dirname, '../../..');
const DAY = 86_400_000;

/** Real time (the agent checks command expiry against its own clock), shifted forward on demand. */
class ShiftableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

function agentCli(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/host-agent/main.ts'), ...args]);
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d.toString()));
    p.on('close', (status) => res({ status, stderr }));
  });
}

describe('safe harbor from the ledger decides triage', () => {
  const dir = makeTempDir('sh-safeharbor-');
  const clock = new ShiftableClock();
  let t: TestApp;
  let agent: ChildProcess | undefined;
  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    dir.cleanup();
  });

  it('an encrypted dataset keeps the incident out of breach until its key is marked compromised', async () => {
    const data = join(dir.path, 'phi');
    const state = join(dir.path, 'agent-state');
    mkdirSync(data);
    writeFileSync(join(data, 'labs.csv'), 'SYNTHETIC,record,1\n'.repeat(50));
    t = await startTestApp({ clock });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const [a, b, responder, officer] = [
      await t.principal('security-officer'),
      await t.principal('security-officer'),
      await t.principal('incident-responder'),
      await t.principal('compliance-officer'),
    ];
    const as = (who: { apiKey: string }) => ({
      get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
      post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
    });
    const waitFor = async <T>(fn: () => Promise<T | undefined | false>, what: string): Promise<T> => {
      const end = Date.now() + 30_000;
      for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // A real agent enrolls and encrypts the dataset under an active key (real time T0).
    const tok = await as(a).post('/v1/agents/tokens', { agentId: 'host-sh' });
    expect((await agentCli(['init', '--state', state, '--agent-id', 'host-sh', '--allowed-root', data])).status).toBe(0);
    expect((await agentCli(['enroll', '--state', state, '--service', base, '--token', tok.body.token])).status).toBe(0);
    expect((await as(b).post('/v1/agents/host-sh/approve')).body.status).toBe('active');
    agent = spawn(
      process.execPath,
      [
        '-r',
        join(REPO, 'scripts/swc-register.js'),
        join(REPO, 'src/host-agent/main.ts'),
        'run',
        '--state',
        state,
        '--redis',
        t.config.REDIS_URL,
        '--prefix',
        t.config.REDIS_PREFIX,
        '--heartbeat',
        '1',
      ],
      { stdio: 'ignore' },
    );
    expect((await as(a).post('/v1/keys', { keyId: 'key-sh', name: 'Lab results' })).status).toBe(201);
    expect((await as(a).post('/v1/keys/key-sh/activate')).body.status).toBe('active');
    expect((await as(a).post('/v1/datasets', { datasetId: 'ds-labs', agentId: 'host-sh', path: data })).status).toBe(201);
    expect((await as(a).post('/v1/datasets/ds-labs/encrypt', { keyId: 'key-sh' })).status).toBe(202);
    await waitFor(async () => (await as(a).get('/v1/datasets/ds-labs')).body.encryption, 'dataset encrypted');
    const t0 = clock.now().getTime();

    // Two days later a laptop holding a copy of the dataset is stolen; discovered the same day.
    clock.offsetMs = 3 * DAY;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const occurredOn = day(t0 + 2 * DAY);
    const created = await as(responder).post('/v1/incidents', {
      title: 'Laptop with a lab extract stolen',
      discoveredOn: occurredOn,
      occurred: { from: occurredOn },
      summary: 'A laptop holding an extract of the lab dataset was stolen from a car.',
      reporter: { kind: 'covered-entity' },
      datasetIds: ['ds-labs'],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (
        await as(responder).post(`/v1/incidents/${id}/affected-counts`, {
          byState: { OH: 800 },
          insufficientContact: 0,
          reason: 'estimate',
        })
      ).status,
    ).toBe(200);
    const decided = await as(officer).post(`/v1/incidents/${id}/triage`);
    expect(decided.status).toBe(200);
    const secured = await as(officer).get(`/v1/incidents/${id}`);
    expect(secured.body.status).toBe('not-a-breach');
    expect(decided.body.decision.result).toMatchObject({ breach: false, basis: 'secured' });
    expect((await as(officer).get(`/v1/incidents/${id}/obligations`)).body.obligations).toEqual([]);

    // The key turns out to have been taped to the laptop: compromised since the day after T0.
    const comp = await as(a).post('/v1/keys/key-sh/compromise', {
      reason: 'key found with the stolen laptop',
      compromisedAt: new Date(t0 + DAY).toISOString(),
    });
    expect(comp.status).toBe(200);
    const breach = await waitFor(async () => {
      const r = await as(officer).get(`/v1/incidents/${id}`);
      return r.body.status === 'breach' ? r.body : undefined;
    }, 'incident re-triaged as a breach');
    expect(breach.discoveredOn).toBe(occurredOn); // re-triage never moves discovery
    const obligations = (await as(officer).get(`/v1/incidents/${id}/obligations`)).body.obligations;
    const kinds = obligations.map((o: { kind: string }) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['individual-notice', 'media-notice', 'hhs-notice']));
  }, 120_000);
});

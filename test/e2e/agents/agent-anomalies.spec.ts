/**
 * A real Safe Harbor (HTTP, SQLite ledger, BullMQ on the real Redis) and a real safeharbor-agent
 * process enrolled the way an operator does it (token, enroll over HTTP, a second officer's
 * approval). Hostile input reaches the agent through its Redis queue; what the agent refused is
 * read back through the service's API only: the symlink escape, a job that is not JSON, a replay,
 * a forged far-ahead sequence number, and a flood of junk jobs held to the anomaly budget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { SystemClock } from '../../../src/platform/clock';
import { agentQueueName, type SignedMessage } from '../../../src/shared/agent-protocol';
import { signCommand } from '../../../src/agents/domain/service-channel';
import { SERVICE_SIGNING_KEY } from '../../../src/agents/tokens';
import type { ServiceSigningKey } from '../../../src/agents/infra/service-signing-key';
import { ANOMALY_BUDGET } from '../../../src/agents/domain/anomaly-budget';
import { startTestApp, type TestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';

const REPO = resolve(__dirname, '../../..');
const AGENT = 'host-anomalies';
const agentArgs = (args: string[]) => ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/host-agent/main.ts'), ...args];
/** Async: the agent talks HTTP to this very process, so the event loop must keep running. */
function agentCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, agentArgs(args), { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => (stdout += d.toString()));
    p.stderr!.on('data', (d) => (stderr += d.toString()));
    p.on('close', (status) => res({ status, stdout, stderr }));
  });
}

type Anomaly = { kind: string; reason: string; detail: string; at: string };
type View = {
  commands: { commandId: string; seq: number; outcome: string; reason: string | null }[];
  anomalies: { total: number; suppressed: number; recent: Anomaly[] };
  lastIssuedSeq: number;
};

describe('a real agent reports what it refuses, through the service', () => {
  let t: TestApp;
  let child: ChildProcess;
  let base: string;
  let stderr = '';
  let conn: IORedis;
  let queue: Queue;
  let officer: { id: string; apiKey: string };
  let approver: { id: string; apiKey: string };
  const dir = makeTempDir('sh-anom-');
  const phi = join(dir.path, 'phi');
  const good = join(phi, 'clinic');
  const outside = join(dir.path, 'outside');
  const state = join(dir.path, 'agent-state');
  const outsideFiles = new Map<string, string>();
  let encryptCommandId = '';
  /** Anomalies the agent was made to report so far (each must reach the ledger or the suppressed count). */
  let provoked = 0;

  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });
  const waitFor = async <T>(fn: () => Promise<T | undefined | false>, what: string, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nagent stderr:\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const view = async (): Promise<View> => {
    const r = await as(officer).get(`/v1/agents/${AGENT}`);
    expect(r.status).toBe(200);
    return r.body as View;
  };
  const commandDone = (commandId: string) =>
    waitFor(async () => {
      const cmd = (await view()).commands.find((x) => x.commandId === commandId);
      return cmd && cmd.outcome !== 'pending' ? cmd : undefined;
    }, `command ${commandId}`);
  const anomaliesWith = (reason: string, n = 1) =>
    waitFor(async () => {
      const found = (await view()).anomalies.recent.filter((a) => a.reason === reason);
      return found.length >= n ? found : undefined;
    }, `${n} anomaly(ies) "${reason}"`);
  const rawJob = async (id: string, data: string) => {
    const key = `${t.config.REDIS_PREFIX}:${agentQueueName(AGENT)}`;
    await conn.hset(`${key}:${id}`, { name: 'command', data, opts: '{}', timestamp: String(Date.now()), delay: '0', priority: '0' });
    await conn.lpush(`${key}:wait`, id);
  };
  const signedJob = async (commandId: string) => (await queue.getJob(commandId))!.data as SignedMessage;

  beforeAll(async () => {
    mkdirSync(good, { recursive: true });
    mkdirSync(outside);
    for (let i = 0; i < 3; i++) writeFileSync(join(good, `visit-${i}.csv`), `SYNTHETIC-${randomUUID()},${i}\n`.repeat(10));
    for (let i = 0; i < 2; i++) {
      const content = `OUTSIDE-NOT-PHI-${randomUUID()}\n`;
      writeFileSync(join(outside, `keep-${i}.txt`), content);
      outsideFiles.set(`keep-${i}.txt`, content);
    }
    symlinkSync(outside, join(phi, 'escape')); // inside the PHI root, pointing out of it
    t = await startTestApp({ clock: new SystemClock() });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    officer = await t.principal('security-officer', 'Officer A');
    approver = await t.principal('security-officer', 'Officer B');
    conn = new IORedis(t.config.REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(agentQueueName(AGENT), { connection: conn, prefix: t.config.REDIS_PREFIX });

    // Enrollment as an operator does it: a token from one officer, approval by another.
    const tok = await as(officer).post('/v1/agents/tokens', { agentId: AGENT });
    expect(tok.status).toBe(201);
    expect((await agentCli(['init', '--state', state, '--agent-id', AGENT, '--allowed-root', phi])).status).toBe(0);
    const enr = await agentCli(['enroll', '--state', state, '--service', base, '--token', tok.body.token]);
    expect(enr.stderr).toBe('');
    expect(enr.status).toBe(0);
    expect((await as(approver).post(`/v1/agents/${AGENT}/approve`)).body.status).toBe('active');
    child = spawn(
      process.execPath,
      agentArgs(['run', '--state', state, '--redis', t.config.REDIS_URL, '--prefix', t.config.REDIS_PREFIX, '--heartbeat', '1']),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (d) => (stderr += d.toString()));
    expect((await as(officer).post('/v1/keys', { keyId: 'key-anom', name: 'Clinic share' })).status).toBe(201);
    expect((await as(officer).post('/v1/keys/key-anom/activate')).body.status).toBe('active');
    for (const [datasetId, path] of [
      ['ds-clinic', good],
      ['ds-escape', join(phi, 'escape')],
    ])
      expect((await as(officer).post('/v1/datasets', { datasetId, agentId: AGENT, path })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await queue?.close();
    conn?.disconnect();
    await t?.close();
    dir.cleanup();
  });

  it('refuses an encrypt whose path is a symlink out of the PHI root, leaves the outside untouched, and reports it', async () => {
    const enc = await as(officer).post('/v1/datasets/ds-escape/encrypt', { keyId: 'key-anom' });
    expect(enc.status).toBe(202);
    expect(await commandDone(enc.body.commandId)).toMatchObject({ outcome: 'failed', reason: 'symlink-refused' });
    provoked++;
    const [a] = await anomaliesWith('symlink-refused');
    expect(a.kind).toBe('path-refused');
    expect(readdirSync(outside).sort()).toEqual([...outsideFiles.keys()].sort());
    for (const [name, content] of outsideFiles) expect(readFileSync(join(outside, name), 'utf8')).toBe(content);
    expect((await as(officer).get('/v1/datasets/ds-escape')).body.encryption ?? null).toBeNull();
  });

  it('runs a real encrypt, then reports a replay of its signed job without running it twice', async () => {
    const enc = await as(officer).post('/v1/datasets/ds-clinic/encrypt', { keyId: 'key-anom' });
    expect(enc.status).toBe(202);
    encryptCommandId = enc.body.commandId;
    expect(await commandDone(encryptCommandId)).toMatchObject({ outcome: 'succeeded' });
    const files = () =>
      readdirSync(good)
        .sort()
        .map(
          (n) =>
            `${n}:${createHash('sha256')
              .update(readFileSync(join(good, n)))
              .digest('hex')}`,
        );
    const before = files();
    expect(before.filter((f) => f.includes('.csv.shenc'))).toHaveLength(3);
    // The executed command's signed bytes, copied back into the queue under a new job id.
    await queue.add('command', await signedJob(encryptCommandId), { jobId: `replay-${randomUUID()}` });
    provoked++;
    const [a] = await anomaliesWith('replayed-command');
    expect(a.kind).toBe('refused-replay');
    expect(files()).toEqual(before); // not run again: nothing re-encrypted
    expect((await view()).commands.filter((c) => c.commandId === encryptCommandId)).toMatchObject([{ outcome: 'succeeded' }]);
  });

  it('refuses and reports a job whose data is not JSON, and finishes it', async () => {
    const id = `raw-${randomUUID()}`;
    await rawJob(id, '{"v":1,"type":"command", <<not json');
    await queue.add('nudge', { v: 0 }, { jobId: `nudge-${randomUUID()}` }); // wakes the worker; itself junk, reported too
    provoked += 2;
    const [a] = await anomaliesWith('unreadable-job');
    expect(a.kind).toBe('refused-unknown-command');
    await anomaliesWith('malformed-envelope');
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', 'the unreadable job to be finished');
  });

  it('reports a forged far-ahead sequence number and still runs the next real command', async () => {
    const signing = t.app.get<ServiceSigningKey>(SERVICE_SIGNING_KEY);
    const real = await signedJob(encryptCommandId);
    const body = JSON.parse(Buffer.from(real.payload, 'base64').toString());
    const farSeq = (await view()).lastIssuedSeq + 1_000_000;
    // Signed with the service's own key (a leaked key or a confused service): only the seq window stops it.
    const forged = signCommand(
      { ...body, commandId: randomUUID(), seq: farSeq, action: 'host.scan', params: { paths: [good] } },
      signing.key,
      signing.kid,
    );
    await queue.add('command', forged, { jobId: `forged-${randomUUID()}` });
    provoked++;
    const [a] = await anomaliesWith('seq-too-far-ahead');
    expect(a.kind).toBe('seq-jump');
    expect(a.detail).toContain(String(farSeq));
    const scan = await as(officer).post(`/v1/agents/${AGENT}/scan`, { paths: [good] });
    expect(scan.status).toBe(201);
    expect(await commandDone(scan.body.commandId)).toMatchObject({ outcome: 'succeeded' });
  });

  it('holds a flood of 200 junk jobs to the anomaly budget and counts the rest', async () => {
    const FLOOD = 200;
    await queue.addBulk(Array.from({ length: FLOOD }, (_, i) => ({ name: 'command', data: { junk: i }, opts: { jobId: `junk-${i}` } })));
    provoked += FLOOD;
    const v = await waitFor(
      async () => {
        const x = await view();
        return x.anomalies.total + x.anomalies.suppressed >= provoked + 1 ? x : undefined; // +1: the marker is a row too
      },
      'every junk job counted',
      40_000,
    );
    expect(v.anomalies.total).toBe(ANOMALY_BUDGET.perWindow + 1);
    expect(v.anomalies.recent.filter((a) => a.kind === 'suppressed')).toHaveLength(1);
    expect(v.anomalies.suppressed).toBe(provoked - ANOMALY_BUDGET.perWindow);
    const list = (await as(officer).get('/v1/agents')).body as { agentId: string; anomalies: number; suppressedAnomalies: number }[];
    expect(list.find((x) => x.agentId === AGENT)).toMatchObject({
      anomalies: ANOMALY_BUDGET.perWindow + 1,
      suppressedAnomalies: provoked - ANOMALY_BUDGET.perWindow,
    });
    // The agent is still serving real commands after the flood.
    const scan = await as(officer).post(`/v1/agents/${AGENT}/scan`, { paths: [good] });
    expect(await commandDone(scan.body.commandId)).toMatchObject({ outcome: 'succeeded' });
  }, 60_000);
});

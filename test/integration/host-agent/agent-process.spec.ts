/**
 * A real safeharbor-agent process consuming its BullMQ queue on the real Redis. Redis is
 * treated as hostile: forged, misaddressed, expired, replayed, reordered and injected jobs are
 * all refused and reported with a signed result; good commands run on real files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import {
  agentQueueName,
  RESULTS_QUEUE,
  ed25519Sign,
  signingInput,
  type SignedMessage,
  type CommandResult,
} from '../../../src/shared/agent-protocol';
import { verifyHeartbeat, verifyResult } from '../../../src/agents/domain/service-channel';
import { approve, newKek, newSigner, sealKek, TestIssuer } from './fixtures';

const REPO = resolve(__dirname, '../../..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function agentCli(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/host-agent/main.ts'), ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`safeharbor-agent ${args[0]} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('safeharbor-agent process over real Redis', () => {
  const prefix = `sh-test-agent-${randomUUID().slice(0, 8)}`;
  let root: string;
  let data: string;
  let stateDir: string;
  let child: ChildProcess;
  let queue: Queue;
  let resultsWorker: Worker;
  let conn: IORedis;
  let workerConn: IORedis;
  const results: { msg: SignedMessage; result: CommandResult }[] = [];
  const heartbeats: number[] = [];
  const issuer = new TestIssuer('host-a');
  const officers = [
    { ...newSigner(), id: 'sec-bob' },
    { ...newSigner(), id: 'sec-carol' },
  ];
  let pub: { signingPublicKey: string; sealPublicKey: string; kid: string };
  let agentStderr = '';

  const waitFor = async <T>(pred: () => T | undefined, what: string, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; agent stderr:\n${agentStderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const send = async (msg: unknown, jobId?: string) => {
    const job = await queue.add('command', msg, { jobId: jobId ?? randomUUID() });
    return job.id!;
  };
  const resultFor = (jobId: string) => waitFor(() => results.find((r) => r.result.jobId === jobId)?.result, `result of job ${jobId}`);
  const resultForCommand = (commandId: string, n = 1) =>
    waitFor(() => {
      const rs = results.filter((r) => r.result.commandId === commandId);
      return rs.length >= n ? rs.map((x) => x.result) : undefined;
    }, `result of command ${commandId}`);
  const commandIdOf = (m: SignedMessage) => JSON.parse(Buffer.from(m.payload, 'base64').toString()).commandId as string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sh-agent-proc-'));
    data = join(root, 'phi');
    mkdirSync(data);
    for (let i = 0; i < 5; i++) writeFileSync(join(data, `record-${i}.csv`), `SYNTHETIC-PATIENT-${i},${randomUUID()}\n`.repeat(50));
    stateDir = join(root, 'state');
    pub = agentCli(['init', '--state', stateDir, '--agent-id', 'host-a', '--allowed-root', data]);
    // Trust is set locally only before enrollment (the service key pinned last).
    for (const o of officers) agentCli(['pin-approver', '--state', stateDir, '--id', o.id, '--public-key', o.publicKey]);
    agentCli(['allow', '--state', stateDir, 'dataset.shred']);
    agentCli(['pin-service', '--state', stateDir, '--public-key', issuer.service.publicKey]);

    conn = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(agentQueueName('host-a'), { connection: conn, prefix });
    const agentKey = {
      kid: pub.kid,
      key: createPublicKey({ key: Buffer.from(pub.signingPublicKey, 'base64'), format: 'der', type: 'spki' }),
    };
    resultsWorker = new Worker(
      RESULTS_QUEUE,
      async (job) => {
        if (job.name === 'heartbeat') {
          const hb = verifyHeartbeat(job.data, 'host-a', agentKey);
          if (!hb.ok) throw new Error(`bad heartbeat: ${hb.reason}`);
          heartbeats.push(hb.heartbeat.lastSeq);
          return;
        }
        const v = verifyResult(job.data, 'host-a', agentKey);
        if (!v.ok) throw new Error(`result did not verify: ${v.reason}`);
        results.push({ msg: job.data, result: v.result });
      },
      { connection: (workerConn = new IORedis(REDIS_URL, { maxRetriesPerRequest: null })), prefix },
    );
    child = spawn(
      process.execPath,
      [
        '-r',
        join(REPO, 'scripts/swc-register.js'),
        join(REPO, 'src/host-agent/main.ts'),
        'run',
        '--state',
        stateDir,
        '--redis',
        REDIS_URL,
        '--prefix',
        prefix,
        '--heartbeat',
        '1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (d) => (agentStderr += d.toString()));
    await waitFor(() => heartbeats.length > 0 || undefined, 'first heartbeat', 30_000);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await resultsWorker?.close();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    const q = new Queue(RESULTS_QUEUE, { connection: conn, prefix });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await queue?.close();
    const keys = await conn.keys(`${prefix}:*`);
    if (keys.length) await conn.del(...keys);
    conn.disconnect();
    workerConn?.disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs dataset.encrypt on real files and signs the result', async () => {
    const msg = issuer.command(
      'dataset.encrypt',
      {
        datasetId: 'ds-1',
        path: data,
        keyId: 'key-1',
        keyVersion: 1,
        sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-1', 1, newKek()),
      },
      new Date(),
    );
    await send(msg);
    const [r] = await resultForCommand(commandIdOf(msg));
    expect(r).toMatchObject({ status: 'succeeded', seq: 1, evidence: { filesEncrypted: 5, cleartextRemaining: 0 } });
    expect(readdirSync(data).filter((n) => n.endsWith('.csv'))).toEqual([]);
    expect(r.commandDigest).toBe(createHash('sha256').update(Buffer.from(msg.payload, 'base64')).digest('hex'));
  });

  it('refuses a dataset path that links out of its allowed root, and reports it signed', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep.txt'), 'NOT-PHI-KEEP\n');
    symlinkSync(outside, join(data, 'escape'));
    const msg = issuer.command(
      'dataset.encrypt',
      {
        datasetId: 'ds-escape',
        path: join(data, 'escape'),
        keyId: 'key-9',
        keyVersion: 1,
        sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-9', 1, newKek()),
      },
      new Date(),
    );
    await send(msg);
    const [r] = await resultForCommand(commandIdOf(msg));
    expect(r).toMatchObject({ status: 'failed', reason: 'symlink-refused' });
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('NOT-PHI-KEEP\n');
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    rmSync(join(data, 'escape'));
  });

  it('refuses a forged signature and reports it', async () => {
    const forger = newSigner();
    const real = issuer.command('host.scan', { paths: [data] }, new Date());
    const body = JSON.parse(Buffer.from(real.payload, 'base64').toString());
    const payload = Buffer.from(JSON.stringify(body)); // same body, signed by the wrong key under the pinned kid
    const forged: SignedMessage = { ...real, sig: ed25519Sign(forger.key, signingInput('command', payload)).toString('base64') };
    const r = await resultFor(await send(forged));
    expect(r).toMatchObject({ status: 'refused', reason: 'bad-signature', commandId: null });
  });

  it('refuses a command addressed to another agent', async () => {
    const r = await resultFor(await send(issuer.command('host.scan', { paths: [data] }, new Date(), { agentId: 'host-b', seq: 100 })));
    expect(r).toMatchObject({ status: 'refused', reason: 'wrong-agent' });
  });

  it('refuses an expired command', async () => {
    const r = await resultFor(await send(issuer.command('host.scan', { paths: [data] }, new Date(Date.now() - 20 * 60_000), { seq: 101 })));
    expect(r).toMatchObject({ status: 'refused', reason: 'expired' });
  });

  it('answers a redelivered job with its stored result, and refuses and reports a replay under another job', async () => {
    const msg = issuer.command('host.scan', { paths: [data] }, new Date());
    const firstJob = await send(msg);
    const [first] = await resultForCommand(commandIdOf(msg));
    expect(first.status).toBe('succeeded');
    const seqBefore = JSON.parse(readFileSync(join(stateDir, 'seq.json'), 'utf8')).lastSeq;
    const firstMsg = results.find((x) => x.result.commandId === commandIdOf(msg))!.msg;
    // The same job again (BullMQ redelivers a stalled job under its id): the stored bytes, deduplicated.
    await queue.remove(firstJob);
    await send(msg, firstJob);
    const line = await waitFor(
      () => agentStderr.split('\n').filter((l) => l.includes(`"jobId":"${firstJob}"`))[1],
      'the redelivery to be handled',
    );
    expect(JSON.parse(line).digest).toBe(createHash('sha256').update(Buffer.from(firstMsg.payload, 'base64')).digest('hex'));
    // The same signed bytes under another job id, as an attacker replays: refused, reported, not run.
    const replayJob = await send(msg);
    const replay = await resultFor(replayJob);
    expect(replay).toMatchObject({ status: 'refused', reason: 'replayed-command', commandId: commandIdOf(msg), seq: first.seq });
    expect(JSON.parse(readFileSync(join(stateDir, 'seq.json'), 'utf8')).lastSeq).toBe(seqBefore);
    expect(results.filter((x) => x.result.commandId === commandIdOf(msg) && x.result.status === 'succeeded')).toHaveLength(1);
  });

  it('refuses a sequence number far ahead without locking out the real commands after it', async () => {
    const seqNow = JSON.parse(readFileSync(join(stateDir, 'seq.json'), 'utf8')).lastSeq as number;
    const far = issuer.command('host.scan', { paths: [data] }, new Date(), { seq: seqNow + 1_000_000 });
    await send(far);
    const [rf] = await resultForCommand(commandIdOf(far));
    expect(rf).toMatchObject({ status: 'refused', reason: 'seq-too-far-ahead', seq: seqNow + 1_000_000 });
    expect(JSON.parse(readFileSync(join(stateDir, 'seq.json'), 'utf8')).lastSeq).toBe(seqNow);
    const next = issuer.command('host.scan', { paths: [data] }, new Date(), { seq: seqNow + 1 });
    await send(next);
    const [rn] = await resultForCommand(commandIdOf(next));
    expect(rn).toMatchObject({ status: 'succeeded', seq: seqNow + 1, gap: null });
    issuer.seq = seqNow + 1;
  });

  it('refuses an out-of-order sequence number and reports the gap', async () => {
    const seqNow = JSON.parse(readFileSync(join(stateDir, 'seq.json'), 'utf8')).lastSeq as number;
    const later = issuer.command('host.scan', { paths: [data] }, new Date(), { seq: seqNow + 3 });
    const earlier = issuer.command('host.scan', { paths: [data] }, new Date(), { seq: seqNow + 2 });
    await send(later);
    const [rl] = await resultForCommand(commandIdOf(later));
    expect(rl).toMatchObject({ status: 'succeeded', gap: { from: seqNow + 1, to: seqNow + 2 } });
    await send(earlier);
    const [re] = await resultForCommand(commandIdOf(earlier));
    expect(re).toMatchObject({ status: 'refused', reason: 'stale-seq', seq: seqNow + 2 });
    issuer.seq = seqNow + 3;
  });

  it('refuses jobs written straight into Redis', async () => {
    const junk = await resultFor(await send({ action: 'dataset.shred', params: { datasetId: 'ds-1' } }));
    expect(junk).toMatchObject({ status: 'refused', reason: 'malformed-envelope' });
    // A legitimate command edited in Redis (params changed, signature kept).
    const real = issuer.command('host.scan', { paths: [data] }, new Date());
    const body = JSON.parse(Buffer.from(real.payload, 'base64').toString());
    body.action = 'dataset.shred';
    body.params = { datasetId: 'ds-1' };
    const edited = await resultFor(await send({ ...real, payload: Buffer.from(JSON.stringify(body)).toString('base64') }));
    expect(edited).toMatchObject({ status: 'refused', reason: 'bad-signature' });
    // Raw BullMQ job hash added by hand with the Redis client.
    const id = `raw-${randomUUID()}`;
    await conn.hset(`${prefix}:${agentQueueName('host-a')}:${id}`, {
      name: 'command',
      data: JSON.stringify({ v: 1, type: 'command', kid: issuer.service.kid, payload: 'AAAA', sig: 'A'.repeat(86) + '==' }),
      opts: '{}',
      timestamp: String(Date.now()),
      delay: '0',
      priority: '0',
    });
    await conn.lpush(`${prefix}:${agentQueueName('host-a')}:wait`, id);
    await queue.add('nudge', { v: 0 }, { jobId: `nudge-${randomUUID()}` }); // wake the worker's blocking wait
    const raw = await resultFor(id);
    expect(raw).toMatchObject({ status: 'refused', reason: 'bad-signature' });
    // Data that is not JSON at all: BullMQ cannot parse it, yet it is refused, reported and finished.
    const junkId = `raw-${randomUUID()}`;
    await conn.hset(`${prefix}:${agentQueueName('host-a')}:${junkId}`, {
      name: 'command',
      data: '{"v":1,"type":"command", <<not json',
      opts: '{}',
      timestamp: String(Date.now()),
      delay: '0',
      priority: '0',
    });
    await conn.lpush(`${prefix}:${agentQueueName('host-a')}:wait`, junkId);
    await queue.add('nudge', { v: 0 }, { jobId: `nudge-${randomUUID()}` });
    expect(await resultFor(junkId)).toMatchObject({ status: 'refused', reason: 'unreadable-job', commandId: null });
    let state = await queue.getJobState(junkId);
    for (let i = 0; i < 100 && state === 'active'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await queue.getJobState(junkId);
    }
    expect(state).toBe('completed');
    expect(existsSync(join(data, 'record-0.csv.shenc'))).toBe(true); // nothing destructive happened
  });

  it('re-wraps (ciphertext unchanged) and shreds with two officer approvals', async () => {
    const hashes = () =>
      readdirSync(data)
        .filter((n) => n.endsWith('.shenc'))
        .map((n) =>
          createHash('sha256')
            .update(readFileSync(join(data, n)))
            .digest('hex'),
        );
    const before = hashes();
    const rw = issuer.command(
      'key.rewrap',
      { datasetId: 'ds-1', keyId: 'key-1', toVersion: 2, sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-1', 2, newKek()) },
      new Date(),
    );
    await send(rw);
    const [r1] = await resultForCommand(commandIdOf(rw));
    expect(r1).toMatchObject({ status: 'succeeded', evidence: { rewrapped: 5, toVersion: 2 } });
    expect(hashes()).toEqual(before);
    const sh = issuer.command('dataset.shred', { datasetId: 'ds-1' }, new Date(), {
      approvals: (c) => officers.map((o) => approve(o, new Date())(c)),
    });
    await send(sh);
    const [r2] = await resultForCommand(commandIdOf(sh));
    expect(r2).toMatchObject({ status: 'succeeded', evidence: { wrappedDeksDestroyed: 5 } });
    expect(readdirSync(data)).toEqual([]);
    await waitFor(() => heartbeats.some((s) => s >= r2.seq!) || undefined, 'a heartbeat carrying the last seq');
  });
});

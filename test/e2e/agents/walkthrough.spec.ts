/**
 * The operator walk-through of docs/agents.md, end to end: a real Safe Harbor (HTTP), the real
 * Redis, and a real safeharbor-agent process on this machine enrolling over HTTP.
 * enroll → approve → register → encrypt → rotate → grant (agent enforces) → revoke → shred
 * (two signed officer approvals) → "secured at T?" at several moments.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { SystemClock } from '../../../src/platform/clock';
import { signApproval } from '../../../src/shared/agent-protocol';
import { startTestApp, type TestApp } from '../../support/test-app';
import { makeTempDir } from '../../support/temp-dir';
import { newSigner } from '../../integration/host-agent/fixtures';

const REPO = resolve(__dirname, '../../..');
const agentArgs = (args: string[]) =>
  [process.execPath, ['-r', join(REPO, 'scripts/swc-register.js'), join(REPO, 'src/host-agent/main.ts'), ...args]] as const;
/** Async: the agent talks HTTP to this very process, so the event loop must keep running. */
function agentCli(args: string[], opts: SpawnOptions = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [cmd, a] = agentArgs(args);
  return new Promise((res) => {
    const p = spawn(cmd, a, { ...opts, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    p.stdout!.on('data', (d) => (stdout += d.toString()));
    p.stderr!.on('data', (d) => (stderr += d.toString()));
    p.on('close', (status) => res({ status, stdout, stderr }));
  });
}

describe('operator walk-through with a real agent', () => {
  let t: TestApp;
  let child: ChildProcess;
  let base: string;
  let stderr = '';
  const dir = makeTempDir('sh-walk-');
  const data = join(dir.path, 'phi');
  const state = join(dir.path, 'agent-state');
  // The gate's socket lives where any account can reach it (the test folder is 0700).
  const gateDir = mkdtempSync(join(tmpdir(), 'sh-gate-'));
  chmodSync(gateDir, 0o755);
  const gateSocket = join(gateDir, 'gate.sock');
  // Who asks is the kernel's answer: as root, the test reads as the unprivileged account "nobody".
  const isRoot = process.getuid?.() === 0;
  const reader = isRoot ? 'nobody' : userInfo().username;
  const asReader: SpawnOptions = isRoot ? { uid: 65534, gid: 65534, cwd: '/' } : {};
  // "nobody" runs the CLI from this checkout: folders above it that others cannot enter (a CI clone
  // under a 0700 temp folder) are opened for search (o+x) for the test, and put back after.
  const opened: { dir: string; mode: number }[] = [];
  const originals = new Map<string, string>();
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let c: { id: string; apiKey: string };
  let comp: { id: string; apiKey: string };
  const bKey = newSigner();
  const cKey = newSigner();

  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });
  const waitFor = async <T>(fn: () => Promise<T | undefined | false>, what: string, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nagent stderr:\n${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const commandDone = (commandId: string) =>
    waitFor(async () => {
      const r = await as(a).get('/v1/agents/host-e2e');
      const cmd = (r.body.commands as { commandId: string; outcome: string }[]).find((x) => x.commandId === commandId);
      return cmd && cmd.outcome !== 'pending' ? cmd : undefined;
    }, `command ${commandId}`);

  beforeAll(async () => {
    if (isRoot)
      for (let d = REPO; d !== dirname(d); d = dirname(d)) {
        const mode = statSync(d).mode & 0o7777;
        if (!(mode & 0o001)) {
          opened.push({ dir: d, mode });
          chmodSync(d, mode | 0o001);
        }
      }
    mkdirSync(data);
    for (let i = 0; i < 3; i++) {
      const content = `SYNTHETIC-${randomUUID()},lab,${i}\n`.repeat(20);
      writeFileSync(join(data, `chart-${i}.txt`), content);
      originals.set(`chart-${i}.txt`, content);
    }
    t = await startTestApp({ clock: new SystemClock() });
    await new Promise<void>((r) => t.app.getHttpServer().listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    a = await t.principal('security-officer', 'Officer A');
    b = await t.principal('security-officer', 'Officer B');
    c = await t.principal('security-officer', 'Officer C');
    comp = await t.principal('compliance-officer', 'Compliance');
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    dir.cleanup();
    rmSync(gateDir, { recursive: true, force: true });
    for (const { dir, mode } of opened) chmodSync(dir, mode);
  });

  it('enrolls, encrypts, rotates, enforces grants, shreds, and answers "secured at T?"', async () => {
    // 1. Enrollment: officer A issues a single-use token, the agent enrolls over HTTP, officer B approves.
    const tok = await as(a).post('/v1/agents/tokens', { agentId: 'host-e2e' });
    expect(tok.status).toBe(201);
    expect((await agentCli(['init', '--state', state, '--agent-id', 'host-e2e', '--allowed-root', data])).status).toBe(0);
    // Officers' approval keys and the allow-list are pinned before enrollment; afterwards only agent.trust changes them.
    for (const [who, k] of [
      [b, bKey],
      [c, cKey],
    ] as const)
      expect((await agentCli(['pin-approver', '--state', state, '--id', who.id, '--public-key', k.publicKey])).status).toBe(0);
    expect((await agentCli(['allow', '--state', state, 'dataset.shred'])).status).toBe(0);
    const enr = await agentCli(['enroll', '--state', state, '--service', base, '--token', tok.body.token]);
    expect(enr.stderr).toBe('');
    expect(enr.status).toBe(0);
    const reuse = await agentCli(['enroll', '--state', state, '--service', base, '--token', tok.body.token]);
    expect(reuse.status).not.toBe(0); // single use
    expect((await as(a).post('/v1/agents/host-e2e/approve')).status).toBe(422); // the token issuer cannot approve
    expect((await as(b).post('/v1/agents/host-e2e/approve')).body.status).toBe('active');
    const [cmd, args] = agentArgs([
      'run',
      '--state',
      state,
      '--redis',
      t.config.REDIS_URL,
      '--prefix',
      t.config.REDIS_PREFIX,
      '--heartbeat',
      '1',
      '--gate-socket',
      gateSocket,
    ]);
    child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr += d.toString()));

    // 2. Key and dataset.
    expect((await as(a).post('/v1/keys', { keyId: 'key-e2e', name: 'Lab results volume' })).status).toBe(201);
    expect((await as(a).post('/v1/keys/key-e2e/activate')).body.status).toBe('active');
    const key = await as(a).get('/v1/keys/key-e2e');
    expect(JSON.stringify(key.body)).not.toMatch(/wrapped|material|"kek"/i);
    expect((await as(a).post('/v1/datasets', { datasetId: 'ds-e2e', agentId: 'host-e2e', path: data })).status).toBe(201);
    const beforeEncrypt = new Date().toISOString();

    // 3. Encrypt on the host.
    const enc = await as(a).post('/v1/datasets/ds-e2e/encrypt', { keyId: 'key-e2e' });
    expect(enc.status).toBe(202);
    expect(await commandDone(enc.body.commandId)).toMatchObject({ outcome: 'succeeded' });
    await waitFor(async () => (await as(a).get('/v1/datasets/ds-e2e')).body.encryption, 'dataset encrypted');
    expect(readdirSync(data).sort()).toEqual(['.safeharbor-manifest.json', 'chart-0.txt.shenc', 'chart-1.txt.shenc', 'chart-2.txt.shenc']);
    const afterEncrypt = new Date().toISOString();
    expect((await as(a).get(`/v1/datasets/ds-e2e/secured?at=${beforeEncrypt}`)).body).toMatchObject({ secured: false, encryption: null });
    expect((await as(a).get(`/v1/datasets/ds-e2e/secured?at=${afterEncrypt}`)).body).toMatchObject({
      secured: true,
      encryption: 'nist-800-111',
      keyCompromised: false,
    });

    // 4. Rotate: data keys re-wrapped, file bytes unchanged.
    const digest = () =>
      readdirSync(data)
        .filter((n) => n.endsWith('.shenc'))
        .map((n) =>
          createHash('sha256')
            .update(readFileSync(join(data, n)))
            .digest('hex'),
        );
    const before = digest();
    const rot = await as(a).post('/v1/keys/key-e2e/rotate');
    expect(rot.body.currentVersion).toBe(2);
    expect(await commandDone(rot.body.commands[0].commandId)).toMatchObject({ outcome: 'succeeded' });
    await waitFor(async () => (await as(a).get('/v1/datasets/ds-e2e')).body.encryption?.keyVersion === 2, 'dataset on version 2');
    expect(digest()).toEqual(before);

    // 5. Grant: requested by compliance, approved by another officer; the agent's gate enforces it.
    // Identity comes from the kernel (the gate socket's peer), never from flags or SUDO_USER.
    const read = (opts: SpawnOptions) => agentCli(['read', join(data, 'chart-1.txt'), '--socket', gateSocket], opts);
    const readAsReader = () => read(asReader);
    expect((await readAsReader()).status).toBe(3);
    expect(
      (
        await as(comp).post('/v1/access/grants', {
          grantId: 'g-e2e',
          principal: 'root',
          datasetId: 'ds-e2e',
          permission: 'read',
          purpose: 'ops',
          durationDays: 1,
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await as(comp).post('/v1/access/grants', {
          grantId: 'g-e2e',
          principal: reader,
          datasetId: 'ds-e2e',
          permission: 'read',
          purpose: 'treatment',
          durationDays: 7,
        })
      ).status,
    ).toBe(201);
    expect((await as(comp).post('/v1/access/grants/g-e2e/approve')).status).toBe(422); // requester cannot approve
    const ok = await as(a).post('/v1/access/grants/g-e2e/approve');
    expect(ok.body.status).toBe('active');
    await commandDone(ok.body.command.commandId);
    const r1 = await readAsReader();
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    expect(r1.stdout).toBe(originals.get('chart-1.txt'));
    if (isRoot) {
      // Root claiming to be the grantee through the environment is still root to the kernel.
      const claimed = await read({ env: { ...process.env, SUDO_USER: reader, USER: reader, LOGNAME: reader } });
      expect(claimed.status).toBe(3);
      expect(claimed.stderr).toMatch(/root has no cleartext access/);
    }
    // Every decision reached the ledger: the allowed read by the kernel's account, the refusals as anomalies.
    const view = await waitFor(async () => {
      const v = (await as(a).get('/v1/agents/host-e2e')).body;
      return v.gateAccess.length >= 1 &&
        v.anomalies.recent.filter((x: { kind: string }) => x.kind === 'gate-denied').length >= (isRoot ? 2 : 1)
        ? v
        : undefined;
    }, 'gate decisions in the ledger');
    expect(view.gateAccess[0]).toMatchObject({ principal: reader, datasetId: 'ds-e2e', grantId: 'g-e2e' });
    expect(JSON.stringify(view)).not.toContain('chart-1.txt'); // file names may be PHI: never reported
    const rv = await as(a).post('/v1/access/grants/g-e2e/revoke', { reason: 'left the team' });
    await commandDone(rv.body.command.commandId);
    expect((await readAsReader()).status).toBe(3);

    // 6. Shred: proposed by A, approved by B and C with approval keys pinned on the host.
    const sh = await as(a).post('/v1/datasets/ds-e2e/shred');
    expect(sh.body.status).toBe('awaiting-approval');
    const agentView = await as(a).get('/v1/agents/host-e2e');
    const pending = agentView.body.awaitingApproval.find((p: { commandId: string }) => p.commandId === sh.body.commandId);
    const sign = (who: { id: string }, k: typeof bKey) =>
      signApproval(
        { commandId: sh.body.commandId, agentId: 'host-e2e', action: pending.action, params: pending.params },
        { approverId: who.id, role: 'security-officer', approvedAt: new Date().toISOString(), kid: k.kid, privateKey: k.key },
      );
    expect((await as(a).post(`/v1/agents/host-e2e/commands/${sh.body.commandId}/approvals`, { approval: sign(a, bKey) })).status).toBe(422);
    expect((await as(b).post(`/v1/agents/host-e2e/commands/${sh.body.commandId}/approvals`, { approval: sign(b, bKey) })).body.status).toBe(
      'awaiting-approval',
    );
    expect((await as(c).post(`/v1/agents/host-e2e/commands/${sh.body.commandId}/approvals`, { approval: sign(c, cKey) })).body.status).toBe(
      'issued',
    );
    expect(await commandDone(sh.body.commandId)).toMatchObject({ outcome: 'succeeded' });
    await waitFor(async () => (await as(a).get('/v1/datasets/ds-e2e')).body.shreddedAt, 'dataset shredded');
    expect(readdirSync(data)).toEqual([]);
    const now = new Date().toISOString();
    expect((await as(a).get(`/v1/datasets/ds-e2e/secured?at=${now}`)).body).toMatchObject({ secured: true, destruction: 'nist-800-88' });
    expect((await as(a).get(`/v1/datasets/ds-e2e/secured?at=${afterEncrypt}`)).body).toMatchObject({
      secured: true,
      encryption: 'nist-800-111',
    });
    expect((await as(a).get('/v1/datasets/ds-e2e/secured?at=yesterday')).status).toBe(400);
    expect(existsSync(join(state, 'datasets', 'ds-e2e'))).toBe(false);

    // 7. Trust changes after enrollment: the local command only proposes; two pinned officers decide.
    const local = await agentCli(['deny', '--state', state, 'dataset.shred']);
    expect(local.status).toBe(0);
    const proposal = JSON.parse(local.stdout);
    expect(proposal).toMatchObject({ proposed: true, applied: false });
    expect(JSON.parse((await agentCli(['status', '--state', state])).stdout).allowList).toContain('dataset.shred');
    const tr = await as(a).post('/v1/agents/host-e2e/trust', proposal.body);
    expect(tr.status).toBe(202);
    const pendingTrust = (await as(a).get('/v1/agents/host-e2e')).body.awaitingApproval.find(
      (p: { commandId: string }) => p.commandId === tr.body.commandId,
    );
    const signTrust = (who: { id: string }, k: typeof bKey) =>
      signApproval(
        { commandId: tr.body.commandId, agentId: 'host-e2e', action: pendingTrust.action, params: pendingTrust.params },
        { approverId: who.id, role: 'security-officer', approvedAt: new Date().toISOString(), kid: k.kid, privateKey: k.key },
      );
    await as(b).post(`/v1/agents/host-e2e/commands/${tr.body.commandId}/approvals`, { approval: signTrust(b, bKey) });
    await as(c).post(`/v1/agents/host-e2e/commands/${tr.body.commandId}/approvals`, { approval: signTrust(c, cKey) });
    expect(await commandDone(tr.body.commandId)).toMatchObject({ outcome: 'succeeded' });
    expect(JSON.parse((await agentCli(['status', '--state', state])).stdout).allowList).not.toContain('dataset.shred');
  }, 120_000);
});

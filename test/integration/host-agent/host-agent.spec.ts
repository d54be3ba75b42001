import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
  lstatSync,
  realpathSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/clock';
import { AgentState } from '../../../src/host-agent/state';
import { HostAgent } from '../../../src/host-agent/agent';
import { MANIFEST } from '../../../src/host-agent/actions';
import { gateRead } from '../../../src/host-agent/decrypt-gate';
import { verifyResult } from '../../../src/agents/domain/service-channel';
import { aeadOpen, type SignedMessage } from '../../../src/shared/agent-protocol';
import { decryptFile } from '../../../src/host-agent/file-crypto';
import { approve, newKek, newSigner, sealKek, TestIssuer } from './fixtures';

const T0 = '2026-03-01T10:00:00.000Z';

function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

/** True when `needle` appears in any file under `dir` (the test's way of looking for leftover cleartext). */
function containsBytes(dir: string, needle: Buffer): boolean {
  return allFiles(dir).some((f) => readFileSync(f).includes(needle));
}

function sha(f: string): string {
  return createHash('sha256').update(readFileSync(f)).digest('hex');
}

describe('host agent on real files', () => {
  let root: string;
  let data: string;
  let state: AgentState;
  let agent: HostAgent;
  let clock: FakeClock;
  let issuer: TestIssuer;
  const officers = [
    { ...newSigner(), id: 'sec-bob' },
    { ...newSigner(), id: 'sec-carol' },
  ];
  const originals = new Map<string, Buffer>();
  const marker = () => Buffer.from(`PHI-MARKER-${randomBytes(8).toString('hex')}`);
  let pub: { sealPublicKey: string; signingPublicKey: string; kid: string };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sh-agent-'));
    data = join(root, 'phi');
    mkdirSync(join(data, 'labs', '2026'), { recursive: true });
    originals.clear();
    const files: [string, Buffer][] = [
      ['patients.csv', Buffer.concat([marker(), Buffer.from(',synthetic,row\n')])],
      ['labs/2026/result-1.txt', Buffer.concat([marker(), randomBytes(200_000), marker()])], // several chunks
      ['labs/empty.dat', Buffer.alloc(0)],
      ['labs/exact.bin', Buffer.concat([marker(), randomBytes(64 * 1024 - 27)])],
    ];
    for (const [rel, content] of files) {
      writeFileSync(join(data, rel), content);
      originals.set(rel, content);
    }
    clock = new FakeClock(T0);
    issuer = new TestIssuer('host-a');
    state = AgentState.init(join(root, 'state'), 'host-a', { allowedRoots: [realpathSync(data)] });
    state.pinService(issuer.service.publicKey);
    for (const o of officers) state.pinApprover(o.id, o.publicKey);
    agent = new HostAgent(state, clock);
    pub = state.publicInfo();
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (msg: SignedMessage) => {
    const signed = agent.handle(msg);
    const v = verifyResult(signed, 'host-a', {
      kid: pub.kid,
      key: createPublicKey({ key: Buffer.from(pub.signingPublicKey, 'base64'), format: 'der', type: 'spki' }),
    });
    if (!v.ok) throw new Error(`result did not verify: ${v.reason}`);
    return v.result;
  };

  const encrypt = (kek: Buffer, version = 1) =>
    run(
      issuer.command(
        'dataset.encrypt',
        {
          datasetId: 'ds-1',
          path: data,
          keyId: 'key-1',
          keyVersion: version,
          sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-1', version, kek),
        },
        clock.now(),
      ),
    );

  const grant = (principal: string, expiresAt = '2026-06-01T00:00:00.000Z') =>
    run(
      issuer.command(
        'access.apply',
        { datasetId: 'ds-1', grants: [{ grantId: 'g-1', principal, permission: 'read', expiresAt }] },
        clock.now(),
      ),
    );

  const readAs = (rel: string, principal: string): Buffer => {
    const chunks: Buffer[] = [];
    gateRead(agent.execContext(), join(data, rel), principal, (c) => chunks.push(c));
    return Buffer.concat(chunks);
  };

  it('encrypts every file in place with no cleartext left, keys apart, and a manifest', () => {
    const kek = newKek();
    const r = encrypt(kek);
    expect(r.status).toBe('succeeded');
    expect(r.evidence).toMatchObject({ filesEncrypted: 4, filesTotal: 4, cleartextRemaining: 0, keyApart: true, algorithm: 'AES-256-GCM' });
    for (const [rel, content] of originals) {
      expect(existsSync(join(data, rel))).toBe(false);
      expect(existsSync(join(data, rel + '.shenc'))).toBe(true);
      expect(statSync(join(data, rel + '.shenc')).mode & 0o777).toBe(0o600);
      if (content.length > 40) expect(containsBytes(root, content.subarray(0, 27))).toBe(false);
    }
    const manifest = JSON.parse(readFileSync(join(data, MANIFEST), 'utf8'));
    expect(manifest.files).toHaveLength(4);
    expect(
      createHash('sha256')
        .update(readFileSync(join(data, MANIFEST)))
        .digest('hex'),
    ).toBe(r.evidence.manifestDigest);
    // The KEK never appears in clear on disk.
    expect(containsBytes(root, kek)).toBe(false);
    // Every private key file and state file is 0600.
    for (const f of allFiles(state.dir)) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(state.dir).mode & 0o777).toBe(0o700);
  });

  it('the decrypt gate serves cleartext only to principals with an active grant; never root', () => {
    encrypt(newKek());
    expect(() => readAs('patients.csv', 'dr_lee')).toThrow(/no active grant/);
    grant('dr_lee');
    expect(readAs('patients.csv', 'dr_lee').equals(originals.get('patients.csv')!)).toBe(true);
    expect(readAs('labs/2026/result-1.txt', 'dr_lee').equals(originals.get('labs/2026/result-1.txt')!)).toBe(true);
    expect(readAs('labs/empty.dat', 'dr_lee').length).toBe(0);
    expect(() => readAs('patients.csv', 'root')).toThrow(/no cleartext access by policy/);
    expect(() => readAs('patients.csv', 'nurse_kim')).toThrow(/no active grant/);
    // A grant to root is refused at the host too.
    const r = run(
      issuer.command(
        'access.apply',
        { datasetId: 'ds-1', grants: [{ grantId: 'g-9', principal: 'root', permission: 'read', expiresAt: '2026-06-01T00:00:00.000Z' }] },
        clock.now(),
      ),
    );
    expect(r.evidence.rejected).toEqual([{ grantId: 'g-9', reason: 'privileged-principal' }]);
    expect(() => readAs('patients.csv', 'root')).toThrow();
    // Expiry and revocation.
    grant('dr_lee', '2026-03-01T11:00:00.000Z');
    expect(readAs('patients.csv', 'dr_lee').length).toBeGreaterThan(0);
    clock.set('2026-03-01T11:00:01.000Z');
    expect(() => readAs('patients.csv', 'dr_lee')).toThrow(/no active grant/);
    clock.set(T0);
    grant('dr_lee');
    const rv = run(issuer.command('access.revoke', { datasetId: 'ds-1', grantId: 'g-1' }, clock.now()));
    expect(rv.evidence).toMatchObject({ removed: true, activeGrants: 0 });
    expect(() => readAs('patients.csv', 'dr_lee')).toThrow(/no active grant/);
    const log = readFileSync(join(state.dir, 'access.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((l) => l.decision.startsWith('allowed')).length).toBe(4);
    expect(log.some((l) => l.decision === 'denied:privileged-principal')).toBe(true);
  });

  it('detects tampered ciphertext instead of releasing it', () => {
    encrypt(newKek());
    grant('dr_lee');
    const f = join(data, 'labs/2026/result-1.txt.shenc');
    const buf = readFileSync(f);
    buf[buf.length - 100] ^= 1;
    writeFileSync(f, buf);
    const chunks: Buffer[] = [];
    expect(() => gateRead(agent.execContext(), f, 'dr_lee', (c) => chunks.push(c))).toThrow();
    // Only the chunks before the tampered one were released, each already authenticated.
    expect(Buffer.concat(chunks).length).toBeLessThan(originals.get('labs/2026/result-1.txt')!.length);
  });

  it('key.rewrap moves every data key to the new version without changing one byte of file ciphertext', () => {
    const k1 = newKek();
    encrypt(k1);
    const before = new Map(
      allFiles(data)
        .filter((f) => f.endsWith('.shenc'))
        .map((f) => [f, sha(f)]),
    );
    const k2 = newKek();
    const r = run(
      issuer.command(
        'key.rewrap',
        { datasetId: 'ds-1', keyId: 'key-1', toVersion: 2, sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-1', 2, k2) },
        clock.now(),
      ),
    );
    expect(r.status).toBe('succeeded');
    expect(r.evidence).toMatchObject({ rewrapped: 4, fromVersions: [1], toVersion: 2 });
    for (const [f, h] of before) expect(sha(f)).toBe(h);
    // Data keys now open with version 2 only.
    const entries = state.wrappedDeks('ds-1');
    expect(entries.every((e) => e.v === 2)).toBe(true);
    const e = entries[0];
    const aad = Buffer.from(`dek|ds-1|${e.fileId}|key-1|2`);
    expect(aeadOpen(k2, Buffer.from(e.w, 'base64'), aad)).toHaveLength(32);
    expect(() => aeadOpen(k1, Buffer.from(e.w, 'base64'), Buffer.from(`dek|ds-1|${e.fileId}|key-1|1`))).toThrow();
    grant('dr_lee');
    for (const [rel, content] of originals) expect(readAs(rel, 'dr_lee').equals(content)).toBe(true);
    // A KEK sealed for another agent is refused.
    const other = AgentState.init(join(root, 'state-b'), 'host-b').publicInfo();
    const bad = run(
      issuer.command(
        'key.rewrap',
        { datasetId: 'ds-1', keyId: 'key-1', toVersion: 3, sealedKey: sealKek(other.sealPublicKey, 'host-b', 'key-1', 3, newKek()) },
        clock.now(),
      ),
    );
    expect(bad).toMatchObject({ status: 'failed', reason: 'kek-unseal-failed' });
  });

  it('key.revoke destroys the wrapped keys: the data stays ciphertext and is unrecoverable, even with the KEK', () => {
    const k1 = newKek();
    encrypt(k1);
    grant('dr_lee');
    const deks = state.wrappedDeks('ds-1');
    state.setAllowed('key.revoke', true);
    agent = new HostAgent(state, clock);
    const both = (c: Parameters<ReturnType<typeof approve>>[0]) => officers.map((o) => approve(o, clock.now())(c));
    const r = run(issuer.command('key.revoke', { keyId: 'key-1' }, clock.now(), { approvals: both }));
    expect(r.status).toBe('succeeded');
    expect(r.evidence).toMatchObject({ datasets: ['ds-1'], wrappedDeksDestroyed: 4, kekVersionsDestroyed: 1 });
    expect(state.wrappedDeks('ds-1')).toHaveLength(0);
    expect(existsSync(join(state.dir, 'keys', 'key-1'))).toBe(false);
    expect(() => readAs('patients.csv', 'dr_lee')).toThrow(/revoked/);
    // No copy of any wrapped data key survives anywhere under the test root.
    for (const d of deks) expect(containsBytes(root, Buffer.from(d.w, 'base64').subarray(12, 44))).toBe(false);
    // Even holding the KEK, an attacker with the disk has no data key to open: the files do not decrypt with any key we can derive.
    const f = join(data, 'patients.csv.shenc');
    expect(() => decryptFile(f, k1, () => undefined)).toThrow();
  });

  it('dataset.shred destroys data keys and files: nothing of the data remains', () => {
    encrypt(newKek());
    state.setAllowed('dataset.shred', true);
    agent = new HostAgent(state, clock);
    const one = run(
      issuer.command('dataset.shred', { datasetId: 'ds-1' }, clock.now(), { approvals: (c) => [approve(officers[0], clock.now())(c)] }),
    );
    expect(one).toMatchObject({ status: 'refused', reason: 'approvals-missing' });
    expect(existsSync(join(data, 'patients.csv.shenc'))).toBe(true);
    const r = run(
      issuer.command('dataset.shred', { datasetId: 'ds-1' }, clock.now(), {
        approvals: (c) => officers.map((o) => approve(o, clock.now())(c)),
      }),
    );
    expect(r.status).toBe('succeeded');
    expect(r.evidence).toMatchObject({ wrappedDeksDestroyed: 4, filesDestroyed: 5 });
    expect(allFiles(data)).toEqual([]);
    expect(existsSync(join(state.dir, 'datasets', 'ds-1'))).toBe(false);
    for (const content of originals.values()) if (content.length > 40) expect(containsBytes(root, content.subarray(0, 27))).toBe(false);
  });

  it('stores the signed result: a redelivered command gets the same bytes and does not run again', () => {
    const msg = issuer.command(
      'dataset.encrypt',
      {
        datasetId: 'ds-1',
        path: data,
        keyId: 'key-1',
        keyVersion: 1,
        sealedKey: sealKek(pub.sealPublicKey, 'host-a', 'key-1', 1, newKek()),
      },
      clock.now(),
    );
    const first = agent.handle(msg);
    writeFileSync(join(data, 'late.txt'), 'new cleartext');
    const again = agent.handle(msg);
    expect(again).toEqual(first);
    expect(existsSync(join(data, 'late.txt'))).toBe(true);
    expect(state.lastSeq()).toBe(1);
  });

  it('a crash mid-command becomes a stored failed result; the seq never runs twice', () => {
    const msg = issuer.command('host.scan', { paths: [data] }, clock.now());
    const cmd = JSON.parse(Buffer.from(msg.payload, 'base64').toString());
    state.writeLastSeq(1);
    state.markInflight(cmd.commandId, 1, clock.now().toISOString());
    agent = new HostAgent(state, clock);
    const r = run(msg);
    expect(r).toMatchObject({ status: 'failed', reason: 'interrupted', commandId: cmd.commandId });
  });

  it('host.scan reports sshd, listening services, world-writable PHI paths, unencrypted data and updates', () => {
    const host = join(root, 'host');
    mkdirSync(join(host, 'etc/ssh/sshd_config.d'), { recursive: true });
    mkdirSync(join(host, 'proc/net'), { recursive: true });
    mkdirSync(join(host, 'var/lib/update-notifier'), { recursive: true });
    writeFileSync(
      join(host, 'etc/ssh/sshd_config'),
      'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n# PasswordAuthentication no\nMatch User x\n  PasswordAuthentication no\n',
    );
    writeFileSync(join(host, 'etc/ssh/sshd_config.d/10-cloud.conf'), 'PermitRootLogin yes\n');
    writeFileSync(
      join(host, 'proc/net/tcp'),
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
        '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n' +
        '   1: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n' +
        '   2: 0100007F:A1B2 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n',
    );
    writeFileSync(
      join(host, 'var/lib/update-notifier/updates-available'),
      '\n12 updates can be applied immediately.\n5 of these updates are standard security updates.\n',
    );
    rmSync(state.dir, { recursive: true });
    state = AgentState.init(join(root, 'state'), 'host-a', { hostRoot: host, allowedRoots: [realpathSync(data)] });
    state.pinService(issuer.service.publicKey);
    agent = new HostAgent(state, clock);
    pub = state.publicInfo();
    chmodSync(join(data, 'labs'), 0o777);
    const r = run(issuer.command('host.scan', { paths: [data], checkUpdates: true }, clock.now()));
    const f = r.evidence.findings as { check: string; severity: string; target: string; detail: string }[];
    expect(f.find((x) => x.check === 'ssh-root-login')).toMatchObject({ severity: 'high', detail: 'PermitRootLogin yes' });
    expect(f.find((x) => x.check === 'ssh-password-auth')).toMatchObject({ severity: 'medium' });
    expect(f.filter((x) => x.check === 'listening-service').map((x) => x.target)).toEqual(['0.0.0.0:22']);
    expect(f.find((x) => x.check === 'world-writable')).toMatchObject({ target: data, severity: 'high' });
    expect(JSON.stringify(f)).not.toContain('labs');
    expect(readFileSync(join(state.dir, 'scan-world-writable.log'), 'utf8')).toContain(join(data, 'labs'));
    expect(f.find((x) => x.check === 'unencrypted-dataset')).toMatchObject({ severity: 'high' });
    expect(f.find((x) => x.check === 'security-updates')).toMatchObject({ title: '5 security updates pending' });
    chmodSync(join(data, 'labs'), 0o755);
  });
});

/**
 * The agent stays inside its allowed roots on real files: a dataset path through a symbolic link,
 * outside every root, or under a root later swapped for a link is refused (and reported as a
 * signed failed result); files outside are never encrypted, overwritten or removed.
 */
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/platform/clock';
import { AgentState } from '../../../src/host-agent/state';
import { HostAgent } from '../../../src/host-agent/agent';
import { PathRefused, resolveInRoots } from '../../../src/host-agent/allowed-roots';
import { verifyResult } from '../../../src/agents/domain/service-channel';
import type { SignedMessage } from '../../../src/shared/agent-protocol';
import { approve, newKek, newSigner, sealKek, TestIssuer } from './fixtures';

const T0 = '2026-03-01T10:00:00.000Z';
const digestOf = (dir: string) =>
  readdirSync(dir)
    .sort()
    .filter((n) => !statSync(join(dir, n)).isDirectory())
    .map(
      (n) =>
        `${n}:${createHash('sha256')
          .update(readFileSync(join(dir, n)))
          .digest('hex')}`,
    )
    .join('|');

describe('host agent allowed roots (real files, real links)', () => {
  let root: string;
  let phiRoot: string;
  let outside: string;
  let outsideBefore: string;
  let state: AgentState;
  let agent: HostAgent;
  const clock = new FakeClock(T0);
  const issuer = new TestIssuer('host-a');
  const officers = [
    { ...newSigner(), id: 'sec-bob' },
    { ...newSigner(), id: 'sec-carol' },
  ];

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'sh-agent-roots-')));
    phiRoot = join(root, 'phi');
    outside = join(root, 'outside');
    mkdirSync(join(phiRoot, 'ds'), { recursive: true });
    mkdirSync(outside);
    for (let i = 0; i < 3; i++) writeFileSync(join(phiRoot, 'ds', `rec-${i}.csv`), `SYNTHETIC-${i}-${randomBytes(8).toString('hex')}\n`);
    for (let i = 0; i < 3; i++) writeFileSync(join(outside, `other-${i}.txt`), `NOT-PHI-${i}-${randomBytes(8).toString('hex')}\n`);
    outsideBefore = digestOf(outside);
    state = AgentState.init(join(root, 'state'), 'host-a', { allowedRoots: [phiRoot] });
    state.pinService(issuer.service.publicKey);
    for (const o of officers) state.pinApprover(o.id, o.publicKey);
    state.setAllowed('dataset.shred', true);
    agent = new HostAgent(state, clock);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (msg: SignedMessage) => {
    const pub = state.publicInfo();
    const v = verifyResult(agent.handle(msg), 'host-a', {
      kid: pub.kid,
      key: createPublicKey({ key: Buffer.from(pub.signingPublicKey, 'base64'), format: 'der', type: 'spki' }),
    });
    if (!v.ok) throw new Error(`result did not verify: ${v.reason}`);
    return v.result;
  };
  const encrypt = (path: string, datasetId = 'ds-1') =>
    run(
      issuer.command(
        'dataset.encrypt',
        {
          datasetId,
          path,
          keyId: 'key-1',
          keyVersion: 1,
          sealedKey: sealKek(state.publicInfo().sealPublicKey, 'host-a', 'key-1', 1, newKek()),
        },
        clock.now(),
      ),
    );
  const shred = (datasetId = 'ds-1') =>
    run(issuer.command('dataset.shred', { datasetId }, clock.now(), { approvals: (c) => officers.map((o) => approve(o, clock.now())(c)) }));

  it('refuses a dataset path that is a symlink from the PHI root to a folder outside it', () => {
    symlinkSync(outside, join(phiRoot, 'escape'));
    const r = encrypt(join(phiRoot, 'escape'));
    expect(r).toMatchObject({ status: 'failed', reason: 'symlink-refused' });
    expect(digestOf(outside)).toBe(outsideBefore);
    expect(state.dataset('ds-1')).toBeUndefined();
  });

  it('refuses a path under a symlinked folder inside the root, a path outside every root', () => {
    symlinkSync(outside, join(phiRoot, 'link'));
    mkdirSync(join(outside, 'deeper'));
    expect(encrypt(join(phiRoot, 'link', 'deeper'))).toMatchObject({ status: 'failed', reason: 'symlink-refused' });
    expect(encrypt(outside)).toMatchObject({ status: 'failed', reason: 'outside-allowed-roots' });
    expect(digestOf(outside)).toBe(outsideBefore);
  });

  it('an agent with no allowed roots acts on no dataset', () => {
    rmSync(state.dir, { recursive: true });
    state = AgentState.init(join(root, 'state'), 'host-a');
    state.pinService(issuer.service.publicKey);
    agent = new HostAgent(state, clock);
    expect(encrypt(join(phiRoot, 'ds'))).toMatchObject({ status: 'failed', reason: 'no-allowed-roots' });
    expect(readdirSync(join(phiRoot, 'ds')).every((n) => n.endsWith('.csv'))).toBe(true);
  });

  it('never follows a file link inside the dataset: the linked file outside stays as it was', () => {
    symlinkSync(join(outside, 'other-0.txt'), join(phiRoot, 'ds', 'linked.txt'));
    const r = encrypt(join(phiRoot, 'ds'));
    expect(r).toMatchObject({ status: 'succeeded', evidence: { filesEncrypted: 3, nonRegularSkipped: 1 } });
    expect(digestOf(outside)).toBe(outsideBefore);
  });

  it('a root swapped for a symlink between commands: shred is refused and nothing outside is touched', () => {
    expect(encrypt(join(phiRoot, 'ds'))).toMatchObject({ status: 'succeeded' });
    // The insider moves the real root away and points its name at another folder with the same layout.
    renameSync(phiRoot, join(root, 'phi-moved'));
    mkdirSync(join(outside, 'ds'));
    writeFileSync(join(outside, 'ds', 'victim.txt'), 'NOT-PHI-VICTIM\n');
    const victimBefore = digestOf(join(outside, 'ds'));
    outsideBefore = digestOf(outside);
    symlinkSync(outside, phiRoot);
    expect(shred()).toMatchObject({ status: 'failed', reason: 'root-moved' });
    expect(digestOf(join(outside, 'ds'))).toBe(victimBefore);
    expect(existsSync(join(outside, 'other-1.txt'))).toBe(true);
    // Re-encrypting through the swapped root is refused too.
    expect(encrypt(join(phiRoot, 'ds'), 'ds-2')).toMatchObject({ status: 'failed', reason: 'root-moved' });
    expect(digestOf(outside)).toBe(outsideBefore);
  });

  it('resolveInRoots names the reason without naming the path', () => {
    try {
      resolveInRoots(join(outside, 'secret-patient-name'), [phiRoot]);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toBeInstanceOf(PathRefused);
      expect((e as PathRefused).code).toBe('outside-allowed-roots');
      expect((e as Error).message).not.toContain('secret-patient-name');
    }
  });
});

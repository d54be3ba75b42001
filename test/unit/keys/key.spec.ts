import { canDecrypt, canEncrypt, decideKey, evolveKey, initialKeyState, rotationDueAt, versionState, type KeyCommand, type KeyEvent, type KeyState } from '../../../src/keys/domain/key';
import { KeyLocker, kekFingerprint, type KeyMaterialStore, type KeyWrapper } from '../../../src/keys/domain/key-locker';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { generateSealKeyPair, kekSealContext, openSealed, privateKeyFromPem } from '../../../src/shared/agent-protocol';

const alice = { id: 'sec-alice', role: 'security-officer' };
const bob = { id: 'sec-bob', role: 'security-officer' };
const day = 86_400_000;
const at = (d: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + d * day).toISOString();

function run(cmds: KeyCommand[], s: KeyState = initialKeyState()): { state: KeyState; events: KeyEvent[] } {
  const events: KeyEvent[] = [];
  for (const c of cmds) for (const e of decideKey(c, s)) {
    events.push(e);
    s = evolveKey(s, e);
  }
  return { state: s, events };
}

const gen: KeyCommand = { kind: 'generate', keyId: 'key-1', name: 'EHR volume', fingerprint: 'f1', by: alice, at: at(0) };
const active = () => run([gen, { kind: 'activate', by: alice, at: at(0) }]).state;

describe('key lifecycle (NIST SP 800-57)', () => {
  it('goes generated → pre-activation → active, and only active keys encrypt', () => {
    const pre = run([gen]).state;
    expect(pre.status).toBe('pre-activation');
    expect(canEncrypt(pre, 1)).toBe(false);
    const s = active();
    expect(s.status).toBe('active');
    expect(canEncrypt(s, 1)).toBe(true);
  });

  it('allows exactly the transitions of §1', () => {
    const s = active();
    expect(run([{ kind: 'suspend', reason: 'audit', by: alice, at: at(1) }, { kind: 'reactivate', by: alice, at: at(2) }], s).state.status).toBe('active');
    expect(() => run([{ kind: 'activate', by: alice, at: at(1) }], s)).toThrow(/cannot activate a key that is active/);
    expect(() => run([{ kind: 'reactivate', by: alice, at: at(1) }], s)).toThrow(/cannot reactivate/);
    expect(() => run([{ kind: 'schedule-destruction', waitDays: 7, reason: 'r', by: alice, at: at(1) }], s)).toThrow(/cannot schedule destruction of a key that is active/);
    const deact = run([{ kind: 'deactivate', reason: 'retired', by: alice, at: at(1) }], s).state;
    expect(deact.status).toBe('deactivated');
    expect(canEncrypt(deact, 1)).toBe(false);
    expect(canDecrypt(deact, 1, { rewrap: true })).toBe(true);
    expect(canDecrypt(deact, 1, { rewrap: false })).toBe(false);
    expect(() => run([{ kind: 'rotate', fingerprint: 'f2', by: alice, at: at(2) }], deact)).toThrow(/only an active key/);
  });

  it('compromise: from any state but destroyed; no encrypt; decrypt only to re-wrap under an incident', () => {
    const c = run([{ kind: 'mark-compromised', compromisedAt: at(3), reason: 'laptop stolen', incidentId: 'inc-1', by: alice, at: at(5) }], active()).state;
    expect(c.status).toBe('compromised');
    expect(c.compromisedAt).toBe(at(3));
    expect(canEncrypt(c, 1)).toBe(false);
    expect(canDecrypt(c, 1, { rewrap: true })).toBe(false);
    expect(canDecrypt(c, 1, { rewrap: true, incidentId: 'inc-1' })).toBe(true);
    expect(() => run([{ kind: 'mark-compromised', compromisedAt: at(6), reason: 'x', by: alice, at: at(5) }], active())).toThrow(/future/);
    expect(() => run([{ kind: 'mark-compromised', compromisedAt: at(5), reason: 'again', by: alice, at: at(5) }], c)).toThrow(/already compromised/);
  });

  it('destruction: 7–30 day wait, cancellable, then a second approver who is not the requester', () => {
    const deact = run([{ kind: 'deactivate', reason: 'retired', by: alice, at: at(1) }], active()).state;
    expect(() => run([{ kind: 'schedule-destruction', waitDays: 3, reason: 'r', by: alice, at: at(2) }], deact)).toThrow(/waitDays/);
    const sched = run([{ kind: 'schedule-destruction', waitDays: 7, reason: 'end of retention', by: alice, at: at(2) }], deact).state;
    expect(sched.status).toBe('destruction-scheduled');
    expect(run([{ kind: 'cancel-destruction', by: bob, at: at(3) }], sched).state.status).toBe('deactivated');
    expect(() => run([{ kind: 'destroy', by: bob, at: at(8) }], sched)).toThrow(/waiting period/);
    expect(() => run([{ kind: 'destroy', by: alice, at: at(9) }], sched)).toThrow(/two-person rule/);
    expect(() => run([{ kind: 'destroy', by: { id: 'aud-x', role: 'auditor' }, at: at(9) }], sched)).toThrow(/security officer/);
    const { state, events } = run([{ kind: 'destroy', by: bob, at: at(9) }], sched);
    expect(state.status).toBe('destroyed');
    expect(events[0]).toMatchObject({ type: 'KeyDestroyed', data: { requestedBy: 'sec-alice', approvedBy: 'sec-bob', versions: [1] } });
    expect(versionState(state, 1)).toBe('destroyed');
    expect(() => run([{ kind: 'mark-compromised', compromisedAt: at(9), reason: 'x', by: alice, at: at(10) }], state)).toThrow(/destroyed/);
  });

  it('revoking an active key needs a second person; a suspended key is revoked at once', () => {
    const req = run([{ kind: 'request-revocation', reason: 'custodian left', by: alice, at: at(1) }], active());
    expect(req.state.status).toBe('active');
    expect(req.events[0].type).toBe('KeyRevocationRequested');
    expect(() => run([{ kind: 'approve-revocation', by: alice, at: at(1) }], req.state)).toThrow(/two-person/);
    const done = run([{ kind: 'approve-revocation', by: bob, at: at(1) }], req.state);
    expect(done.state).toMatchObject({ status: 'deactivated', revoked: true });
    const susp = run([{ kind: 'suspend', reason: 'x', by: alice, at: at(1) }, { kind: 'request-revocation', reason: 'y', by: alice, at: at(2) }], active());
    expect(susp.events.map((e) => e.type)).toEqual(['KeySuspended', 'KeyRevoked']);
  });

  it('versions: newest encrypts, older decrypt down to the minimum, below it archived, trimmed ones destroyed (two people)', () => {
    const s = run(
      [
        { kind: 'rotate', fingerprint: 'f2', by: alice, at: at(100) },
        { kind: 'rotate', fingerprint: 'f3', by: alice, at: at(200) },
      ],
      active(),
    ).state;
    expect([1, 2, 3].map((v) => versionState(s, v))).toEqual(['decrypt-only', 'decrypt-only', 'current']);
    expect(canEncrypt(s, 2)).toBe(false);
    expect(canEncrypt(s, 3)).toBe(true);
    expect(() => run([{ kind: 'rotate', fingerprint: 'f2', by: alice, at: at(201) }], s)).toThrow(/differ/);
    const m = run([{ kind: 'set-min-decryption-version', version: 2, by: alice, at: at(201) }], s);
    expect(m.events[0]).toMatchObject({ data: { archived: [1] } });
    expect(versionState(m.state, 1)).toBe('archived');
    expect(canDecrypt(m.state, 1, { rewrap: true })).toBe(false);
    expect(() => run([{ kind: 'set-min-decryption-version', version: 1, by: alice, at: at(202) }], m.state)).toThrow(/never goes down/);
    expect(() => run([{ kind: 'request-trim', below: 3, reason: 'r', by: alice, at: at(202) }], m.state)).toThrow(/archived/);
    const t = run([{ kind: 'request-trim', below: 2, reason: 'old', by: alice, at: at(202) }], m.state);
    expect(() => run([{ kind: 'approve-trim', by: alice, at: at(203) }], t.state)).toThrow(/two-person/);
    const trimmed = run([{ kind: 'approve-trim', by: bob, at: at(203) }], t.state);
    expect(trimmed.events[0]).toMatchObject({ type: 'KeyVersionsDestroyed', data: { versions: [1] } });
    expect(versionState(trimmed.state, 1)).toBe('destroyed');
    expect(rotationDueAt(trimmed.state)).toBe(at(200 + 365));
  });

  it('custodians: at most the configured number, never someone holding a grant to data under the key', () => {
    const s = run([{ ...gen, maxCustodians: 2 } as KeyCommand, { kind: 'activate', by: alice, at: at(0) }]).state;
    const two = run([
      { kind: 'assign-custodian', principal: 'cust_a', principalsWithGrants: ['dr_lee'], by: alice, at: at(1) },
      { kind: 'assign-custodian', principal: 'cust_b', principalsWithGrants: ['dr_lee'], by: alice, at: at(1) },
    ], s).state;
    expect(two.custodians).toEqual(['cust_a', 'cust_b']);
    expect(() => run([{ kind: 'assign-custodian', principal: 'cust_c', principalsWithGrants: [], by: alice, at: at(1) }], two)).toThrow(/at most 2/);
    expect(() => run([{ kind: 'assign-custodian', principal: 'dr_lee', principalsWithGrants: ['dr_lee'], by: alice, at: at(1) }], s)).toThrow(/separation of duties/);
  });
});

class MemStore implements KeyMaterialStore {
  m = new Map<string, Buffer>();
  put(k: string, v: number, w: Buffer) {
    this.m.set(`${k}/${v}`, w);
  }
  get(k: string, v: number) {
    return this.m.get(`${k}/${v}`);
  }
  destroy(k: string, v: number) {
    this.m.delete(`${k}/${v}`);
  }
}
class AesWrapper implements KeyWrapper {
  constructor(private key = randomBytes(32)) {}
  wrap(p: Buffer, ctx: string) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(ctx));
    const ct = Buffer.concat([c.update(p), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), ct]);
  }
  unwrap(w: Buffer, ctx: string) {
    const d = createDecipheriv('aes-256-gcm', this.key, w.subarray(0, 12));
    d.setAAD(Buffer.from(ctx));
    d.setAuthTag(w.subarray(12, 28));
    return Buffer.concat([d.update(w.subarray(28)), d.final()]);
  }
}

describe('key locker', () => {
  it('stores KEKs only wrapped, hands them out only sealed to one agent, and forgets destroyed versions', async () => {
    const store = new MemStore();
    const locker = new KeyLocker(new AesWrapper(), store);
    const { fingerprint } = await locker.generate('key-1', 1);
    expect(fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const agent = generateSealKeyPair();
    const box = await locker.sealForAgent('key-1', 1, 'host-a', agent.publicKey);
    const kek = openSealed(privateKeyFromPem(agent.privateKeyPem, 'x25519'), box, kekSealContext('host-a', 'key-1', 1));
    expect(kek).toHaveLength(32);
    expect(kekFingerprint(kek, 'key-1', 1)).toBe(fingerprint);
    expect(store.get('key-1', 1)!.includes(kek)).toBe(false);
    expect(await locker.verify('key-1', 1, fingerprint)).toBe(true);
    // No method of the locker returns key material in clear.
    expect(Object.getOwnPropertyNames(KeyLocker.prototype).sort()).toEqual(['constructor', 'destroy', 'generate', 'sealForAgent', 'verify']);
    await locker.destroy('key-1', [1]);
    await expect(locker.sealForAgent('key-1', 1, 'host-a', agent.publicKey)).rejects.toThrow(/no material/);
  });
});

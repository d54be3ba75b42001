import { canDecrypt, canEncrypt, keyDecider, rotationDueAt, versionState, type KeyCommand } from '../../../src/keys/domain/key';
import { KeyLocker, kekFingerprint, type KeyMaterialStore, type KeyWrapper } from '../../../src/keys/domain/key-locker';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { generateSealKeyPair, kekSealContext, openSealed, privateKeyFromPem } from '../../../src/shared/agent-protocol';
import { deciderSpec } from '../../support/decider-spec';

const alice = { id: 'sec-alice', role: 'security-officer' };
const bob = { id: 'sec-bob', role: 'security-officer' };
const day = 86_400_000;
const at = (d: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + d * day).toISOString();

const spec = deciderSpec(keyDecider);
const gen: KeyCommand = { kind: 'generate', keyId: 'key-1', name: 'EHR volume', fingerprint: 'f1', actor: alice, at: at(0) };
const activate: KeyCommand = { kind: 'activate', actor: alice, at: at(0) };
const generated = spec.history([gen]);
const active = spec.history([activate], generated);
const deactivated = spec.history([{ kind: 'deactivate', reason: 'retired', actor: alice, at: at(1) }], active);

describe('key lifecycle (NIST SP 800-57)', () => {
  it('generates a pre-activation key with its first version and policy defaults', () => {
    spec.when(gen).then([
      {
        type: 'KeyGenerated',
        data: {
          keyId: 'key-1',
          name: 'EHR volume',
          algorithm: 'AES-256-GCM',
          version: 1,
          fingerprint: 'f1',
          cryptoperiodDays: 365,
          maxCustodians: 3,
          by: 'sec-alice',
          at: at(0),
        },
      },
    ]);
    spec
      .given(generated)
      .when(gen)
      .thenThrows(/already exists/);
    spec.when({ ...gen, keyId: 'Key_1' }).thenThrows(/keyId/);
    spec.when({ ...gen, cryptoperiodDays: 0 }).thenThrows(/cryptoperiodDays/);
    spec
      .given([])
      .when(activate)
      .thenThrows(/does not exist/);
    expect(canEncrypt(spec.given(generated).state(), 1)).toBe(false);
  });

  it('activation schedules rotation at the end of the cryptoperiod; only active keys encrypt', () => {
    spec
      .given(generated)
      .when(activate)
      .then([{ type: 'KeyActivated', data: { keyId: 'key-1', by: 'sec-alice', rotateBy: '2027-01-01', custodians: [] } }]);
    const s = spec.given(active).state();
    expect(s.status).toBe('active');
    expect(canEncrypt(s, 1)).toBe(true);
  });

  it('allows exactly the transitions of §1', () => {
    spec
      .given(active)
      .when([
        { kind: 'suspend', reason: 'audit', actor: alice, at: at(1) },
        { kind: 'reactivate', actor: alice, at: at(2) },
      ])
      .then([{ type: 'KeySuspended', data: { reason: 'audit' } }, { type: 'KeyReactivated' }]);
    spec
      .given(active)
      .when(activate)
      .thenThrows(/cannot activate a key that is active/);
    spec
      .given(active)
      .when({ kind: 'reactivate', actor: alice, at: at(1) })
      .thenThrows(/cannot reactivate/);
    spec
      .given(active)
      .when({ kind: 'schedule-destruction', waitDays: 7, reason: 'r', actor: alice, at: at(1) })
      .thenThrows(/cannot schedule destruction of a key that is active/);
    const deact = spec.given(deactivated).state();
    expect(deact.status).toBe('deactivated');
    expect(canEncrypt(deact, 1)).toBe(false);
    expect(canDecrypt(deact, 1, { rewrap: true })).toBe(true);
    expect(canDecrypt(deact, 1, { rewrap: false })).toBe(false);
    spec
      .given(deactivated)
      .when({ kind: 'rotate', fingerprint: 'f2', actor: alice, at: at(2) })
      .thenThrows(/only an active key/);
  });

  it('compromise: from any state but destroyed; no encrypt; decrypt only to re-wrap under an incident', () => {
    const compromise: KeyCommand = {
      kind: 'mark-compromised',
      compromisedAt: at(3),
      reason: 'laptop stolen',
      incidentId: 'inc-1',
      actor: alice,
      at: at(5),
    };
    const { state } = spec
      .given(active)
      .when(compromise)
      .then([
        {
          type: 'KeyCompromised',
          data: { keyId: 'key-1', compromisedAt: at(3), reason: 'laptop stolen', incidentId: 'inc-1', by: 'sec-alice', at: at(5) },
        },
      ]);
    expect(state).toMatchObject({ status: 'compromised', compromisedAt: at(3) });
    expect(canEncrypt(state, 1)).toBe(false);
    expect(canDecrypt(state, 1, { rewrap: true })).toBe(false);
    expect(canDecrypt(state, 1, { rewrap: true, incidentId: 'inc-1' })).toBe(true);
    spec
      .given(active)
      .when({ ...compromise, compromisedAt: at(6) })
      .thenThrows(/future/);
    spec
      .given(spec.history([compromise], active))
      .when(compromise)
      .thenThrows(/already compromised/);
    spec
      .given(deactivated)
      .when({ ...compromise, at: at(6) })
      .then([{ type: 'KeyCompromised' }]);
  });

  it('destruction: 7–30 day wait, cancellable, then a second security officer after the wait', () => {
    spec
      .given(deactivated)
      .when({ kind: 'schedule-destruction', waitDays: 3, reason: 'r', actor: alice, at: at(2) })
      .thenThrows(/waitDays/);
    const scheduled = spec.history(
      [{ kind: 'schedule-destruction', waitDays: 7, reason: 'end of retention', actor: alice, at: at(2) }],
      deactivated,
    );
    expect(spec.given(scheduled).state()).toMatchObject({
      status: 'destruction-scheduled',
      destruction: { earliestAt: at(9), previousStatus: 'deactivated' },
    });
    spec
      .given(scheduled)
      .when({ kind: 'cancel-destruction', actor: bob, at: at(3) })
      .then([{ type: 'KeyDestructionCancelled', data: { restoredStatus: 'deactivated' } }]);
    spec
      .given(scheduled)
      .when({ kind: 'destroy', actor: bob, at: at(8) })
      .thenThrows(/waiting period/);
    spec
      .given(scheduled)
      .when({ kind: 'destroy', actor: alice, at: at(9) })
      .thenThrows(/two-person rule/);
    spec
      .given(scheduled)
      .when({ kind: 'destroy', actor: { id: 'aud-x', role: 'auditor' }, at: at(9) })
      .thenThrows(/security officer/);
    const { state } = spec
      .given(scheduled)
      .when({ kind: 'destroy', actor: bob, at: at(9) })
      .then([{ type: 'KeyDestroyed', data: { requestedBy: 'sec-alice', approvedBy: 'sec-bob', versions: [1] } }]);
    expect(state.status).toBe('destroyed');
    expect(versionState(state, 1)).toBe('destroyed');
    spec
      .given(spec.history([{ kind: 'destroy', actor: bob, at: at(9) }], scheduled))
      .when({ kind: 'mark-compromised', compromisedAt: at(9), reason: 'x', actor: alice, at: at(10) })
      .thenThrows(/destroyed/);
  });

  it('revoking an active key needs a second person; a suspended key is revoked at once', () => {
    const requested = spec.history([{ kind: 'request-revocation', reason: 'custodian left', actor: alice, at: at(1) }], active);
    spec
      .given(active)
      .when({ kind: 'request-revocation', reason: 'custodian left', actor: alice, at: at(1) })
      .then([{ type: 'KeyRevocationRequested', data: { by: 'sec-alice' } }]);
    expect(spec.given(requested).state().status).toBe('active');
    spec
      .given(requested)
      .when({ kind: 'approve-revocation', actor: alice, at: at(1) })
      .thenThrows(/two-person/);
    const done = spec
      .given(requested)
      .when({ kind: 'approve-revocation', actor: bob, at: at(1) })
      .then([{ type: 'KeyRevoked', data: { requestedBy: 'sec-alice', approvedBy: 'sec-bob', fromStatus: 'active' } }]);
    expect(done.state).toMatchObject({ status: 'deactivated', revoked: true });
    spec
      .given(active)
      .when([
        { kind: 'suspend', reason: 'x', actor: alice, at: at(1) },
        { kind: 'request-revocation', reason: 'y', actor: alice, at: at(2) },
      ])
      .then([{ type: 'KeySuspended' }, { type: 'KeyRevoked', data: { approvedBy: null, fromStatus: 'suspended' } }]);
  });

  it('versions: newest encrypts, older decrypt down to the minimum, below it archived, trimmed ones destroyed (two people)', () => {
    const rotated = spec.history(
      [
        { kind: 'rotate', fingerprint: 'f2', actor: alice, at: at(100) },
        { kind: 'rotate', fingerprint: 'f3', actor: alice, at: at(200) },
      ],
      active,
    );
    const s = spec.given(rotated).state();
    expect([1, 2, 3].map((v) => versionState(s, v))).toEqual(['decrypt-only', 'decrypt-only', 'current']);
    expect(canEncrypt(s, 2)).toBe(false);
    expect(canEncrypt(s, 3)).toBe(true);
    spec
      .given(rotated)
      .when({ kind: 'rotate', fingerprint: 'f2', actor: alice, at: at(201) })
      .thenThrows(/differ/);
    const min = spec
      .given(rotated)
      .when({ kind: 'set-min-decryption-version', version: 2, actor: alice, at: at(201) })
      .then([{ type: 'KeyMinDecryptionVersionSet', data: { version: 2, archived: [1] } }]);
    expect(versionState(min.state, 1)).toBe('archived');
    expect(canDecrypt(min.state, 1, { rewrap: true })).toBe(false);
    const archived = spec.history([{ kind: 'set-min-decryption-version', version: 2, actor: alice, at: at(201) }], rotated);
    spec
      .given(archived)
      .when({ kind: 'set-min-decryption-version', version: 1, actor: alice, at: at(202) })
      .thenThrows(/never goes down/);
    spec
      .given(archived)
      .when({ kind: 'set-min-decryption-version', version: 2, actor: alice, at: at(202) })
      .thenNothing();
    spec
      .given(archived)
      .when({ kind: 'request-trim', below: 3, reason: 'r', actor: alice, at: at(202) })
      .thenThrows(/archived/);
    const trimRequested = spec.history([{ kind: 'request-trim', below: 2, reason: 'old', actor: alice, at: at(202) }], archived);
    spec
      .given(trimRequested)
      .when({ kind: 'approve-trim', actor: alice, at: at(203) })
      .thenThrows(/two-person/);
    const trimmed = spec
      .given(trimRequested)
      .when({ kind: 'approve-trim', actor: bob, at: at(203) })
      .then([{ type: 'KeyVersionsDestroyed', data: { versions: [1], requestedBy: 'sec-alice', approvedBy: 'sec-bob' } }]);
    expect(versionState(trimmed.state, 1)).toBe('destroyed');
    expect(rotationDueAt(trimmed.state)).toBe(at(200 + 365));
  });

  it('custodians: at most the configured number, never someone holding a grant to data under the key', () => {
    const twoMax = spec.history([{ ...gen, maxCustodians: 2 }, activate]);
    const withTwo = spec.history(
      [
        { kind: 'assign-custodian', principal: 'cust_a', principalsWithGrants: ['dr_lee'], actor: alice, at: at(1) },
        { kind: 'assign-custodian', principal: 'cust_b', principalsWithGrants: ['dr_lee'], actor: alice, at: at(1) },
      ],
      twoMax,
    );
    expect(spec.given(withTwo).state().custodians).toEqual(['cust_a', 'cust_b']);
    spec
      .given(withTwo)
      .when({ kind: 'assign-custodian', principal: 'cust_c', principalsWithGrants: [], actor: alice, at: at(1) })
      .thenThrows(/at most 2/);
    spec
      .given(twoMax)
      .when({ kind: 'assign-custodian', principal: 'dr_lee', principalsWithGrants: ['dr_lee'], actor: alice, at: at(1) })
      .thenThrows(/separation of duties/);
    spec
      .given(withTwo)
      .when({ kind: 'remove-custodian', principal: 'cust_a', actor: alice, at: at(2) })
      .then([{ type: 'KeyCustodianRemoved', data: { principal: 'cust_a' } }]);
    // Rotation carries the custodians to the key-rotation timeline's assignees.
    spec
      .given(withTwo)
      .when({ kind: 'rotate', fingerprint: 'f2', actor: alice, at: at(3) })
      .then([{ type: 'KeyVersionAdded', data: { version: 2, custodians: ['cust_a', 'cust_b'], rotateBy: '2027-01-04' } }]);
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
    expect(Object.getOwnPropertyNames(KeyLocker.prototype).sort()).toEqual([
      'constructor',
      'destroy',
      'generate',
      'sealForAgent',
      'verify',
    ]);
    await locker.destroy('key-1', [1]);
    await expect(locker.sealForAgent('key-1', 1, 'host-a', agent.publicKey)).rejects.toThrow(/no material/);
  });
});

import { datasetDecider, type DatasetCommand, type DatasetEvent } from '../../../src/datasets/domain/dataset';
import { combineSafeguards, securedAt } from '../../../src/datasets/domain/secured-at';
import { keyDecider, type KeyCommand, type KeyEvent } from '../../../src/keys/domain/key';
import { deciderSpec } from '../../support/decider-spec';

const alice = { id: 'sec-alice', role: 'security-officer' };
const bob = { id: 'sec-bob', role: 'security-officer' };
const agent = { id: 'agent:host-a', role: 'agent' };
const t = (h: number) => new Date(Date.parse('2026-02-01T00:00:00.000Z') + h * 3_600_000).toISOString();

const keys = deciderSpec(keyDecider);
const datasets = deciderSpec(datasetDecider);
const keyEvents = (cmds: KeyCommand[]): KeyEvent[] => keys.history(cmds);
const dsEvents = (cmds: DatasetCommand[]): DatasetEvent[] => datasets.history(cmds);

const keyBase: KeyCommand[] = [
  { kind: 'generate', keyId: 'key-1', name: 'k', fingerprint: 'f1', actor: alice, at: t(0) },
  { kind: 'activate', actor: alice, at: t(1) },
];
const reg: DatasetCommand = {
  kind: 'register',
  datasetId: 'ds-1',
  agentId: 'host-a',
  path: '/srv/phi',
  datasetKind: 'directory',
  actor: alice,
  at: t(2),
};
const enc = (at: string, extra: Partial<Extract<DatasetCommand, { kind: 'record-encrypted' }>> = {}): DatasetCommand => ({
  kind: 'record-encrypted',
  keyId: 'key-1',
  keyVersion: 1,
  files: 10,
  manifestDigest: 'a'.repeat(64),
  keyApart: true,
  cleartextRemaining: 0,
  commandId: 'c1',
  actor: agent,
  at,
  ...extra,
});

describe('was dataset D secured at time T?', () => {
  const ds = dsEvents([reg, enc(t(3))]);

  it('not registered or not yet encrypted: unsecured, and says why', () => {
    const k = keyEvents(keyBase);
    expect(securedAt('ds-1', ds, () => k, t(1))).toMatchObject({ secured: false, encryption: null, keyCompromised: false });
    const before = securedAt('ds-1', ds, () => k, t(2.5));
    expect(before).toMatchObject({ secured: false, encryption: null });
    expect(before.reasons[0]).toMatch(/no agent had reported the dataset encrypted/);
  });

  it('encrypted under an active key: secured, nist-800-111', () => {
    const a = securedAt('ds-1', ds, () => keyEvents(keyBase), t(4));
    expect(a).toMatchObject({
      secured: true,
      encryption: 'nist-800-111',
      keyCompromised: false,
      destruction: null,
      keyId: 'key-1',
      keyVersion: 1,
    });
    expect(a.reasons[0]).toMatch(/AES-256-GCM under key key-1 version 1/);
  });

  it('a compromise counts from compromisedAt, even when recorded later; before it the data was secured', () => {
    const k = keyEvents([
      ...keyBase,
      { kind: 'mark-compromised', compromisedAt: t(10), reason: 'exfiltrated', incidentId: 'inc-1', actor: alice, at: t(20) },
    ]);
    expect(securedAt('ds-1', ds, () => k, t(9))).toMatchObject({ secured: true, keyCompromised: false });
    const after = securedAt('ds-1', ds, () => k, t(12)); // compromise not yet recorded at T, but it had happened
    expect(after).toMatchObject({ secured: false, encryption: 'nist-800-111', keyCompromised: true });
    expect(after.reasons.join(' ')).toMatch(/compromised at/);
    expect(securedAt('ds-1', ds, () => k, t(30))).toMatchObject({ secured: false, keyCompromised: true });
  });

  it('deactivated keys still secure; suspended keys do not', () => {
    const deact = keyEvents([...keyBase, { kind: 'deactivate', reason: 'rotation done', actor: alice, at: t(5) }]);
    expect(securedAt('ds-1', ds, () => deact, t(6))).toMatchObject({ secured: true, encryption: 'nist-800-111' });
    const susp = keyEvents([...keyBase, { kind: 'suspend', reason: 'integrity in question', actor: alice, at: t(5) }]);
    const a = securedAt('ds-1', ds, () => susp, t(6));
    expect(a).toMatchObject({ secured: false, encryption: null });
    expect(a.reasons[0]).toMatch(/suspended/);
  });

  it('a key version destroyed while the data was still under it: not secured from then on', () => {
    const k = keyEvents([
      ...keyBase,
      { kind: 'deactivate', reason: 'r', actor: alice, at: t(5) },
      { kind: 'schedule-destruction', waitDays: 7, reason: 'r', actor: alice, at: t(6) },
      { kind: 'destroy', actor: bob, at: t(6 + 7 * 24) },
    ]);
    expect(securedAt('ds-1', ds, () => k, t(7))).toMatchObject({ secured: true }); // pending destruction of a deactivated key
    const a = securedAt('ds-1', ds, () => k, t(6 + 7 * 24 + 1));
    expect(a).toMatchObject({ secured: false, encryption: null });
    expect(a.reasons[0]).toMatch(/destroyed .* while the dataset was still under it/);
  });

  it('re-wrapped data follows the new version', () => {
    const k = keyEvents([...keyBase, { kind: 'rotate', fingerprint: 'f2', actor: alice, at: t(5) }]);
    const d = dsEvents([
      reg,
      enc(t(3)),
      {
        kind: 'record-rewrapped',
        keyId: 'key-1',
        fromVersions: [1],
        toVersion: 2,
        files: 10,
        manifestDigest: 'b'.repeat(64),
        commandId: 'c2',
        actor: agent,
        at: t(6),
      },
    ]);
    expect(securedAt('ds-1', d, () => k, t(7))).toMatchObject({ secured: true, keyVersion: 2 });
    expect(securedAt('ds-1', d, () => k, t(5.5))).toMatchObject({ secured: true, keyVersion: 1 });
  });

  it('key not held apart, or cleartext seen since: not secured', () => {
    const k = keyEvents(keyBase);
    expect(securedAt('ds-1', dsEvents([reg, enc(t(3), { keyApart: false })]), () => k, t(4))).toMatchObject({
      secured: false,
      encryption: null,
    });
    const d = dsEvents([reg, enc(t(3)), { kind: 'record-cleartext-found', files: 2, commandId: 'c3', actor: agent, at: t(5) }]);
    expect(securedAt('ds-1', d, () => k, t(4))).toMatchObject({ secured: true });
    expect(securedAt('ds-1', d, () => k, t(6))).toMatchObject({ secured: false });
    const again = dsEvents([
      reg,
      enc(t(3)),
      { kind: 'record-cleartext-found', files: 2, commandId: 'c3', actor: agent, at: t(5) },
      enc(t(7), { commandId: 'c5' }),
    ]);
    expect(securedAt('ds-1', again, () => k, t(8))).toMatchObject({ secured: true });
  });

  it('shredded or crypto-erased on the host: secured by destruction', () => {
    const k = keyEvents([...keyBase, { kind: 'mark-compromised', compromisedAt: t(10), reason: 'x', actor: alice, at: t(10) }]);
    const shred = dsEvents([
      reg,
      enc(t(3)),
      { kind: 'record-shredded', filesDestroyed: 10, wrappedKeysDestroyed: 10, commandId: 'c4', actor: agent, at: t(8) },
    ]);
    expect(securedAt('ds-1', shred, () => k, t(11))).toMatchObject({
      secured: true,
      encryption: null,
      destruction: 'nist-800-88',
      keyCompromised: false,
    });
  });

  it('combines several datasets: one unsecured dataset makes the incident unsecured', () => {
    const k = keyEvents(keyBase);
    const a = securedAt('ds-1', ds, () => k, t(4));
    const b = securedAt('ds-2', [], () => k, t(4));
    expect(combineSafeguards([a, a])).toMatchObject({ secured: true, encryption: 'nist-800-111', keyCompromised: false });
    const both = combineSafeguards([a, b]);
    expect(both).toMatchObject({ secured: false, encryption: null });
    expect(both.reasons.some((r) => r.startsWith('ds-2:'))).toBe(true);
  });
});

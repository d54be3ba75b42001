import { datasetDecider, type DatasetCommand } from '../../../src/datasets/domain/dataset';
import { deciderSpec } from '../../support/decider-spec';
import { populationStatus } from '../../../src/datasets/domain/population';

const alice = { id: 'sec-alice', role: 'security-officer' };
const agent = { id: 'agent:host-a', role: 'agent' };
const t = (h: number) => new Date(Date.parse('2026-02-01T00:00:00.000Z') + h * 3_600_000).toISOString();

const spec = deciderSpec(datasetDecider);
const register: DatasetCommand = {
  kind: 'register',
  datasetId: 'ds-1',
  agentId: 'host-a',
  path: '/srv/phi/labs',
  datasetKind: 'directory',
  actor: alice,
  at: t(0),
};
const encrypted = (
  commandId = 'c1',
  keyId = 'key-1',
  over: Partial<Extract<DatasetCommand, { kind: 'record-encrypted' }>> = {},
): DatasetCommand => ({
  kind: 'record-encrypted',
  keyId,
  keyVersion: 1,
  files: 3,
  manifestDigest: 'a'.repeat(64),
  keyApart: true,
  cleartextRemaining: 0,
  commandId,
  actor: agent,
  at: t(1),
  ...over,
});
const registered = spec.history([register]);
const underKey = spec.history([encrypted()], registered);

describe('dataset aggregate', () => {
  it('registers one absolute, normalized path on one agent', () => {
    spec.when(register).then([
      {
        type: 'DatasetRegistered',
        data: { datasetId: 'ds-1', agentId: 'host-a', path: '/srv/phi/labs', kind: 'directory', by: 'sec-alice', at: t(0) },
      },
    ]);
    spec
      .given(registered)
      .when(register)
      .thenThrows(/already registered/);
    spec.when({ ...register, path: '/srv/phi/../etc' }).thenThrows(/path/);
    spec.when({ ...register, path: 'srv/phi' }).thenThrows(/path/);
    spec.when({ ...register, datasetId: 'DS 1' }).thenThrows(/datasetId/);
  });

  it('records what the agent proved: encrypted, and cleartext it left behind', () => {
    spec
      .given(registered)
      .when(encrypted('c1', 'key-1', { cleartextRemaining: 2 }))
      .then([
        { type: 'DatasetEncrypted', data: { datasetId: 'ds-1', keyId: 'key-1', keyVersion: 1, files: 3, keyApart: true, commandId: 'c1' } },
        { type: 'DatasetCleartextFound', data: { files: 2, commandId: 'c1' } },
      ]);
    spec.when(encrypted()).thenThrows(/not registered/);
  });

  it('a result delivered twice is recorded once (command ids are remembered)', () => {
    spec.given(underKey).when(encrypted('c1')).thenNothing();
    spec
      .given(underKey)
      .when({ kind: 'record-cleartext-found', files: 1, commandId: 'c1', actor: agent, at: t(2) })
      .thenNothing();
    spec
      .given(underKey)
      .when({ kind: 'record-cleartext-found', files: 0, commandId: 'c9', actor: agent, at: t(2) })
      .thenNothing();
  });

  it('re-wraps and key revocation only under the key it is encrypted with; another key must re-wrap', () => {
    spec
      .given(underKey)
      .when(encrypted('c2', 'key-2'))
      .thenThrows(/another key/);
    spec
      .given(underKey)
      .when({
        kind: 'record-rewrapped',
        keyId: 'key-2',
        fromVersions: [1],
        toVersion: 2,
        files: 3,
        manifestDigest: 'b'.repeat(64),
        commandId: 'c2',
        actor: agent,
        at: t(2),
      })
      .thenThrows(/not encrypted under this key/);
    const { state } = spec
      .given(underKey)
      .when({
        kind: 'record-rewrapped',
        keyId: 'key-1',
        fromVersions: [1],
        toVersion: 2,
        files: 3,
        manifestDigest: 'b'.repeat(64),
        commandId: 'c2',
        actor: agent,
        at: t(2),
      })
      .then([{ type: 'DatasetRewrapped', data: { fromVersions: [1], toVersion: 2 } }]);
    expect(state.encryption).toMatchObject({ keyId: 'key-1', keyVersion: 2, since: t(1) });
    const revoked = spec.history(
      [{ kind: 'record-key-revoked', keyId: 'key-1', wrappedKeysDestroyed: 3, commandId: 'c3', actor: agent, at: t(3) }],
      underKey,
    );
    spec
      .given(revoked)
      .when({
        kind: 'record-rewrapped',
        keyId: 'key-1',
        fromVersions: [1],
        toVersion: 2,
        files: 3,
        manifestDigest: 'b'.repeat(64),
        commandId: 'c4',
        actor: agent,
        at: t(4),
      })
      .thenThrows(/revoked on its host/);
  });

  it('nothing is recorded on a shredded dataset', () => {
    const shredded = spec.history(
      [{ kind: 'record-shredded', filesDestroyed: 3, wrappedKeysDestroyed: 3, commandId: 'c5', actor: agent, at: t(5) }],
      underKey,
    );
    expect(spec.given(shredded).state().shreddedAt).toBe(t(5));
    spec
      .given(shredded)
      .when(encrypted('c6', 'key-1', { at: t(6) }))
      .thenThrows(/shredded/);
  });
});

describe('dataset population', () => {
  const officer = { id: 'comp-olga', role: 'compliance-officer' };
  const facts = {
    byState: { TX: 600, CA: 0, unknown: 3 },
    dataElements: ['ssn', 'name'] as const,
    recordForms: ['electronic'] as const,
    emailAgreed: 10,
    noContact: 2,
  };
  const declare = (over: object = {}): DatasetCommand => ({
    kind: 'declare-population',
    population: { ...facts, dataElements: [...facts.dataElements], recordForms: [...facts.recordForms], ...over },
    source: 'declared',
    actor: officer,
    at: t(5),
  });

  it('is declared as an event with its source, in canonical order (zero counts dropped)', () => {
    spec
      .given(registered)
      .when(declare())
      .then([
        {
          type: 'DatasetPopulationDeclared',
          data: {
            datasetId: 'ds-1',
            byState: { TX: 600, unknown: 3 },
            dataElements: ['name', 'ssn'],
            recordForms: ['electronic'],
            emailAgreed: 10,
            noContact: 2,
            source: 'declared',
            by: 'comp-olga',
            at: t(5),
          },
        },
      ]);
  });

  it('refuses counts and codes that are not real, naming the field', () => {
    const given = spec.given(registered);
    given.when(declare({ byState: { ZZ: 1 } })).thenThrows(/byState\.ZZ/);
    given.when(declare({ byState: { TX: -1 } })).thenThrows(/byState\.TX/);
    given.when(declare({ byState: { TX: 1.5 } })).thenThrows(/byState\.TX/);
    given.when(declare({ dataElements: [] })).thenThrows(/dataElements/);
    given.when(declare({ dataElements: ['password'] })).thenThrows(/dataElements/);
    given.when(declare({ byState: { TX: 5 }, emailAgreed: 4, noContact: 2 })).thenThrows(/emailAgreed \+ noContact/);
    spec.when(declare()).thenThrows(/not registered/);
  });

  it('a host scan records one by its command id, once', () => {
    const scan: DatasetCommand = {
      kind: 'record-population-scan',
      population: (declare() as Extract<DatasetCommand, { kind: 'declare-population' }>).population,
      commandId: 's1',
      actor: agent,
      at: t(6),
    };
    spec
      .given(registered)
      .when(scan)
      .then([{ type: 'DatasetPopulationDeclared', data: { source: 'host-scan', commandId: 's1', by: 'agent:host-a' } }]);
    spec
      .given(spec.history([scan], registered))
      .when(scan)
      .then([]);
  });

  it('is recertified unchanged; nothing to recertify before a declaration', () => {
    spec
      .given(registered)
      .when({ kind: 'recertify-population', actor: officer, at: t(9) })
      .thenThrows(/no population declared/);
    const declared = spec.history([declare()], registered);
    spec
      .given(declared)
      .when({ kind: 'recertify-population', actor: alice, at: t(9) })
      .then([{ type: 'DatasetPopulationRecertified', data: { datasetId: 'ds-1', by: 'sec-alice', at: t(9) } }]);
  });

  it('is stale once not certified within the period', () => {
    const p = {
      ...facts,
      byState: { TX: 600 },
      dataElements: ['name' as const],
      recordForms: ['electronic' as const],
      source: 'declared' as const,
      declaredAt: '2026-01-10T09:00:00.000Z',
      declaredBy: 'x',
      certifiedAt: '2026-01-10T09:00:00.000Z',
      certifiedBy: 'x',
    };
    expect(populationStatus(p, '2026-07-09')).toMatchObject({ total: 600, ageDays: 180, stale: false, recertifyBy: '2026-07-09' });
    expect(populationStatus(p, '2026-07-10')).toMatchObject({ ageDays: 181, stale: true });
    expect(populationStatus(p, '2026-02-01', 14).stale).toBe(true);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FREE_TEXT_FIELDS } from '../../../src/app/free-text-fields';
import { handleCommand, type Decider } from '../../../src/ledger/decider';
import { Ledger, type DomainEvent } from '../../../src/ledger/ledger';
import { EventRegistry } from '../../../src/ledger/registry';
import { SEALED_TEXT, SHREDDED_TEXT, textCell } from '../../../src/ledger/sealing';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { FreeTextSealer, freeTextScope, holdsSealedText, openFreeText } from '../../../src/phi/free-text-sealer';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

const NAME = 'Quillon Brackenridge';
const SSN = '519-44-2871';
const CANARY = `${NAME} SSN ${SSN}`;

/** Every file under dir, read as bytes: does any hold the canary's name or SSN? */
function filesHolding(dir: string, needles: string[]): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const path = join(f.parentPath, f.name);
    const bytes = readFileSync(path);
    if (needles.some((n) => bytes.includes(Buffer.from(n)))) out.push(path);
  }
  return out;
}

describe('free text sealed at append (the ledger with the free-text sealer)', () => {
  const dir = makeTempDir('safeharbor-freetext-');
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  const store = new SqliteEventStore({ path: join(dir.path, 'data', 'ledger.db'), clock });
  const keys = new DataKeyStore(join(dir.path, 'data', 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'secrets', 'master.key')));
  const vault = new PhiVault(keys, clock);
  const registry = new EventRegistry().registerNames(...Object.keys(FREE_TEXT_FIELDS));
  const ledger = new Ledger(store, registry, clock, new FreeTextSealer(vault, FREE_TEXT_FIELDS));
  const ctx = { actor: { id: 'u-1', role: 'incident-responder' }, correlationId: 'c-1' };
  const incidentId = '01936f1e-0000-7000-8000-000000000001';

  afterAll(async () => {
    await keys.close();
    await store.close();
    dir.cleanup();
  });

  it('seals every declared field under the incident key; the ledger file holds neither name nor SSN', async () => {
    const reported = {
      incidentId,
      title: `Laptop of ${CANARY}`,
      summary: CANARY,
      discoveredOn: '2025-03-01',
      discovery: { basis: 'reported', note: CANARY },
      breachType: 'theft',
    };
    const events: DomainEvent[] = [
      { type: 'IncidentReported', data: reported },
      {
        type: 'RiskAssessmentRecorded',
        data: {
          incidentId,
          factors: { mitigation: { risk: 'low', rationale: CANARY }, acquiredOrViewed: { risk: 'high', rationale: CANARY } },
        },
      },
      {
        type: 'TriageDecided',
        data: {
          incidentId,
          changes: [
            { change: 'withdrawn', obligationId: 'o-1', reason: CANARY },
            { change: 'added', obligationId: 'o-2' },
          ],
        },
      },
    ];
    await ledger.append(`incident-${incidentId}`, events, 'no-stream', ctx);
    // The caller's events now hold what was stored; the input object itself was not mutated.
    expect(reported.summary).toBe(CANARY);
    expect(holdsSealedText(events[0]!.data)).toBe(true);

    const stored = await ledger.readStream(`incident-${incidentId}`);
    const json = JSON.stringify(stored.map((e) => e.data));
    expect(json).not.toContain(NAME);
    expect(json).not.toContain(SSN);
    const d0 = stored[0]!.data as Record<string, { scope?: string } & Record<string, unknown>>;
    expect(d0.title).toMatchObject({ $phi: 1, scope: `incident:${incidentId}` });
    expect(d0.discoveredOn).toBe('2025-03-01'); // facts stay in clear
    expect(d0.breachType).toBe('theft');
    expect((stored[2]!.data.changes as { reason?: unknown }[])[1]).toEqual({ change: 'added', obligationId: 'o-2' });

    // Readers of PHI get the text back; others the placeholder.
    expect(await openFreeText(vault, stored[0]!.data, true)).toMatchObject({
      summary: CANARY,
      discovery: { basis: 'reported', note: CANARY },
    });
    expect(await openFreeText(vault, stored[1]!.data, false)).toEqual({
      incidentId,
      factors: { mitigation: { risk: 'low', rationale: SEALED_TEXT }, acquiredOrViewed: { risk: 'high', rationale: SEALED_TEXT } },
    });
    // A read-model cell holding the sealed value as JSON opens the same way.
    expect(await openFreeText(vault, { title: textCell(d0.title) }, true)).toEqual({ title: `Laptop of ${CANARY}` });
    // …and one composed into a longer string (a to-do title built from a sealed cell).
    const composed = { title: `${textCell(d0.title)}: individual-notice` };
    expect(holdsSealedText(composed)).toBe(true);
    expect(await openFreeText(vault, composed, true)).toEqual({ title: `Laptop of ${CANARY}: individual-notice` });
    expect(await openFreeText(vault, composed, false)).toEqual({ title: `${SEALED_TEXT}: individual-notice` });

    await store.close();
    await keys.close();
    expect(filesHolding(join(dir.path, 'data'), [NAME, SSN])).toEqual([]);
  });

  it('crypto-shredding the incident makes its free text unreadable to everyone, wherever it was written', async () => {
    const clock2 = new FakeClock('2025-03-11T09:00:00.000Z');
    const store2 = new SqliteEventStore({ path: join(dir.path, 'data2', 'ledger.db'), clock: clock2 });
    const keys2 = new DataKeyStore(join(dir.path, 'data2', 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'secrets', 'master.key')));
    const vault2 = new PhiVault(keys2, clock2);
    const ledger2 = new Ledger(store2, registry, clock2, new FreeTextSealer(vault2, FREE_TEXT_FIELDS));
    try {
      await ledger2.append(
        `incident-${incidentId}`,
        [{ type: 'ExceptionAssessed', data: { incidentId, exception: null, rationale: CANARY } }],
        'no-stream',
        ctx,
      );
      // Another stream's event naming the incident seals under the incident's key too.
      await ledger2.append(
        'containment-x1',
        [{ type: 'ContainmentProposed', data: { containmentId: 'x1', incidentId, reason: CANARY } }],
        'no-stream',
        ctx,
      );
      await ledger2.append('key-k1', [{ type: 'KeySuspended', data: { keyId: 'k1', reason: 'rotation drill' } }], 'no-stream', ctx);
      const [k] = await ledger2.readStream('key-k1');
      expect(k!.data.reason).toMatchObject({ scope: 'text:key-k1' });

      await vault2.shred(`incident:${incidentId}`);
      const [a] = await ledger2.readStream(`incident-${incidentId}`);
      const [c] = await ledger2.readStream('containment-x1');
      expect(await openFreeText(vault2, a!.data, true)).toMatchObject({ rationale: SHREDDED_TEXT });
      expect(await openFreeText(vault2, c!.data, true)).toMatchObject({ reason: SHREDDED_TEXT });
      expect(await openFreeText(vault2, k!.data, true)).toMatchObject({ reason: 'rotation drill' });
    } finally {
      await keys2.close();
      await store2.close();
    }
  });

  it('handleCommand folds the sealed events: state returned to a handler holds no free text', async () => {
    type S = { title: unknown };
    const decider: Decider<S, { title: string }, DomainEvent> = {
      initialState: () => ({ title: null }),
      evolve: (s, e) => (e.type === 'RiskAssessmentStarted' ? { title: (e.data as { title: unknown }).title } : s),
      decide: (c) => [{ type: 'RiskAssessmentStarted', data: { title: c.title } }],
    };
    const clock3 = new FakeClock('2025-03-12T09:00:00.000Z');
    const store3 = new SqliteEventStore({ path: join(dir.path, 'data3', 'ledger.db'), clock: clock3 });
    const keys3 = new DataKeyStore(join(dir.path, 'data3', 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'secrets', 'master.key')));
    const ledger3 = new Ledger(store3, registry, clock3, new FreeTextSealer(new PhiVault(keys3, clock3), FREE_TEXT_FIELDS));
    try {
      const r = await handleCommand(ledger3, 'risk-assessment-a1', decider, { title: CANARY }, ctx);
      expect(JSON.stringify(r.state)).not.toContain(NAME);
      expect(r.state.title).toMatchObject({ $phi: 1, scope: 'text:risk-assessment-a1' });
    } finally {
      await keys3.close();
      await store3.close();
    }
  });

  it('scopes: the incident of the stream, else the incident named, else the stream', () => {
    expect(freeTextScope('incident-abc', {})).toBe('incident:abc');
    expect(freeTextScope('grant-1', { incidentId: 'i-9' })).toBe('incident:i-9');
    expect(freeTextScope('grant-1', { incidentId: null })).toBe('text:grant-1');
    expect(freeTextScope('weird stream/1', {})).toBe('text:weird_stream_1');
  });
});

/**
 * No silent adoption of KurrentDB events: the adapter tags every event it appends; the mirror
 * (the integrity layer's contiguous copy) adopts only tagged events, or untagged ones an officer
 * adopted with `ledger adopt-untagged`. Source: the adapter over the in-process server double;
 * the forger writes straight through the client, as an insider with the server's credentials would.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EventAuthKey } from '../../../src/ledger/integrity/event-auth';
import { adoptUntagged, AdoptionRefusedError, verifyEventTags, acceptedUntagged } from '../../../src/ledger/kurrentdb/event-auth-check';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { LedgerMirror, MirrorRefusedError, ReplayClock, type MirrorRefusal } from '../../../src/ledger/kurrentdb/ledger-mirror';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { newEvent, testStream } from '../../ledger/event-store.contract';
import { makeTempDir } from '../../support/temp-dir';
import { KurrentDbDouble } from '../../unit/scaleout/support/kurrentdb-double';

describe('KurrentDB events authenticated at append, checked before the mirror adopts them', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let clock: FakeClock;
  let server: KurrentDbDouble;
  let key: EventAuthKey;
  let store: KurrentDbEventStore;
  const opened: Array<{ close(): Promise<void> }> = [];

  beforeEach(() => {
    dir = makeTempDir('safeharbor-kdb-auth-');
    clock = new FakeClock('2025-04-01T09:00:00.000Z');
    server = new KurrentDbDouble();
    key = EventAuthKey.fromBytes(randomBytes(32));
    store = new KurrentDbEventStore({ client: server, clock, eventAuth: key });
    opened.push(store);
  });

  afterEach(async () => {
    for (const s of opened.splice(0).reverse()) await s.close();
    dir.cleanup();
  });

  function openMirror(accepted?: ReadonlySet<bigint>) {
    const alarms: MirrorRefusal[] = [];
    const replay = new ReplayClock();
    const target = new SqliteEventStore({ path: join(dir.path, 'mirror.db'), clock: replay, pollIntervalMs: 20 });
    const mirror = new LedgerMirror({
      source: store,
      target,
      clock: replay,
      auth: { key, accepted, onRefused: (r) => void alarms.push(r), now: () => clock.now().toISOString() },
    });
    return { mirror, target, alarms };
  }

  /** A PrincipalCreated for a new admin written straight to the server, without the service's key. */
  async function forge(tag?: unknown): Promise<bigint> {
    const s = testStream('principal');
    const e = newEvent('PrincipalCreated', { principalId: 'p-evil', role: 'admin' });
    await server.appendToStream(
      s,
      [
        {
          id: e.id,
          contentType: 'application/json',
          type: e.type,
          data: e.data,
          metadata: { ...e.metadata, recordedAt: clock.now().toISOString(), $schemaVersion: 1, ...(tag ? { $eventAuth: tag } : {}) },
        },
      ],
      { streamState: 'no_stream' },
    );
    return (await store.readStream(s))[0]!.position;
  }

  it('refuses a forged event: nothing after it adopted, recorded once, alarm once, survives a restart', async () => {
    const a = testStream('incident');
    await store.append(a, [newEvent('IncidentReported'), newEvent('IncidentAmended')], 'no-stream');
    const forgedAt = await forge();
    await store.append(a, [newEvent('IncidentAmended')], 2n); // a real event after the forgery

    const m1 = openMirror();
    const err = await m1.mirror.catchUp().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MirrorRefusedError);
    expect((err as MirrorRefusedError).first).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`source position ${forgedAt}: no authentication tag`));
    expect(await m1.target.headPosition()).toBe(2n); // the two before it; neither the forgery nor what follows
    await m1.mirror.alarmsSettled();
    expect(m1.alarms.map((r) => r.sourcePosition)).toEqual([forgedAt]);

    // retries (the scheduler restarts the task) are refused by the record, with no new alarm
    for (let i = 0; i < 3; i++) {
      const again = await m1.mirror.catchUp().catch((e: unknown) => e);
      expect(again).toBeInstanceOf(MirrorRefusedError);
      expect((again as MirrorRefusedError).first).toBe(false);
    }
    await m1.mirror.alarmsSettled();
    expect(m1.alarms).toHaveLength(1);
    await m1.target.close();

    // a restart: the refusal is on record in the mirror file, the alarm is not raised again
    const m2 = openMirror();
    opened.push(m2.target);
    expect(m2.mirror.blockingRefusal()).toMatchObject({ sourcePosition: forgedAt, refusedAt: '2025-04-01T09:00:00.000Z' });
    await expect(m2.mirror.catchUp()).rejects.toBeInstanceOf(MirrorRefusedError);
    await m2.mirror.alarmsSettled();
    expect(m2.alarms).toHaveLength(0);
    expect(await m2.target.headPosition()).toBe(2n);
  });

  it('refuses a wrong tag (another key, or a tag moved from another event) the same way', async () => {
    await store.append(testStream('incident'), [newEvent()], 'no-stream');
    const stolen = (await server.log.find((r) => !r.type.startsWith('$'))!.metadata) as Record<string, unknown>;
    const at = await forge(stolen.$eventAuth);
    const m = openMirror();
    opened.push(m.target);
    await expect(m.mirror.catchUp()).rejects.toThrow(new RegExp(`source position ${at}: authentication tag does not match`));
    const other = EventAuthKey.fromBytes(randomBytes(32));
    expect(m.mirror.blockingRefusal()?.sourcePosition).toBe(at);
    expect(other.kid).not.toBe(key.kid);
  });

  it('a raise interrupted by a crash is raised on the next start, then never again', async () => {
    await forge();
    const m1 = openMirror();
    m1.target.db.exec('SELECT 1');
    // an alarm that fails (the process dies before it completes) leaves the refusal un-alarmed
    const replay = new ReplayClock();
    const target = new SqliteEventStore({ path: join(dir.path, 'mirror.db'), clock: replay });
    const failing = new LedgerMirror({
      source: store,
      target,
      clock: replay,
      auth: { key, onRefused: () => Promise.reject(new Error('killed')) },
    });
    await expect(failing.catchUp()).rejects.toBeInstanceOf(MirrorRefusedError);
    await failing.alarmsSettled();
    await target.close();
    await m1.target.close();
    const m2 = openMirror();
    opened.push(m2.target);
    await m2.mirror.alarmsSettled();
    expect(m2.alarms).toHaveLength(1);
    const m3 = openMirror();
    opened.push(m3.target);
    await m3.mirror.alarmsSettled();
    expect(m3.alarms).toHaveLength(0);
  });

  it('`ledger verify` checks every tag and names the first bad position', async () => {
    const a = testStream('incident');
    await store.append(a, [newEvent(), newEvent()], 'no-stream');
    expect(await verifyEventTags(store, key)).toEqual({ ok: true, checked: 2, adoptedUntagged: 0 });
    const at = await forge();
    await store.append(a, [newEvent()], 2n);
    await forge();
    const r = await verifyEventTags(store, key);
    expect(r).toMatchObject({ ok: false, checked: 3, position: String(at), reason: expect.stringMatching(/no authentication tag/) });
  });

  it('adopt-untagged: an officer accepts the events from before tagging (digest recorded); nothing else rides on it', async () => {
    // the same ledger written by the adapter before tagging existed
    const legacy = new KurrentDbEventStore({ client: server, clock });
    const a = testStream('incident');
    await legacy.append(a, [newEvent('IncidentReported'), newEvent('IncidentAmended')], 'no-stream');
    const lastLegacy = await legacy.headPosition();
    await store.append(a, [newEvent('IncidentAmended')], 2n); // tagged from here on

    const m1 = openMirror();
    await expect(m1.mirror.catchUp()).rejects.toBeInstanceOf(MirrorRefusedError); // never automatic
    expect(await m1.target.headPosition()).toBe(0n);
    await m1.mirror.alarmsSettled();
    expect(m1.alarms).toHaveLength(1);
    await m1.target.close();
    expect(await verifyEventTags(store, key)).toMatchObject({ ok: false, checked: 1 });

    const officer = { id: 'officer-1', role: 'security-officer' };
    const ids = () => ({ eventId: uuidv7(), correlationId: uuidv7(), occurredAt: clock.now().toISOString() });
    const adoption = await adoptUntagged(store, lastLegacy, officer, ids());
    expect(adoption).toMatchObject({ through: String(lastLegacy), count: 2, digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const recorded = (await store.readStream('integrity-untagged-adoption'))[0]!;
    expect(recorded).toMatchObject({ type: 'LedgerUntaggedAdopted', metadata: { actor: officer } });

    const accepted = await acceptedUntagged(store, key);
    expect(accepted.size).toBe(2);
    const m2 = openMirror(accepted);
    opened.push(m2.target);
    expect(await m2.mirror.catchUp()).toBe(4); // two adopted, the tagged one, the adoption itself
    expect(m2.mirror.refusals()).toMatchObject([{ adopted: true }]); // the refusal stays on record
    expect(await verifyEventTags(store, key)).toEqual({ ok: true, checked: 4, adoptedUntagged: 2 });

    // an untagged event after the adoption is refused, the adoption does not cover it
    const later = await forge();
    await expect(m2.mirror.catchUp()).rejects.toThrow(new RegExp(`source position ${later}: no authentication tag`));
    expect((await verifyEventTags(store, key)).position).toBe(String(later));
    // and it cannot be adopted over a forgery with a wrong tag
    await forge({ v: 1, kid: key.kid, mac: randomBytes(32).toString('base64') });
    await expect(adoptUntagged(store, await store.headPosition(), officer, ids())).rejects.toBeInstanceOf(AdoptionRefusedError);
    await expect(adoptUntagged(store, 1n, officer, ids())).rejects.toThrow(/nothing to adopt/);
  });
});

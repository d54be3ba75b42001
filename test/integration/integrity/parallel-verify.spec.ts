import Database from 'better-sqlite3';
import * as path from 'node:path';
import { IntegrityService } from '../../../src/ledger/integrity/integrity.service';
import { parallelScanner } from '../../../src/ledger/integrity/parallel-verify';
import { verifyLedger } from '../../../src/ledger/integrity/verify';
import type { NewEvent } from '../../../src/ledger/port';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { tempDir } from './helpers';

const events = (n: number, tag: string): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `0192f0c4-0000-7000-8000-${tag}${String(i).padStart(12 - tag.length, '0')}`,
    type: 'IncidentNoteAdded',
    schemaVersion: 1,
    data: { n: i, tag },
    metadata: { actor: { id: 'u', role: 'incident-responder' }, correlationId: `c${i}`, occurredAt: '2025-06-01T00:00:00.000Z' },
  }));

describe('parallel verify (worker threads) agrees with the sequential scan', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let svc: IntegrityService;
  const clock = new FakeClock('2025-06-01T00:00:00Z');
  const dbPath = () => path.join(tmp.dir, 'ledger.db');

  beforeAll(async () => {
    tmp = tempDir();
    store = new SqliteEventStore({ path: dbPath(), clock });
    svc = new IntegrityService(store, {
      origin: 'safeharbor.test/ledger',
      keyDir: path.join(tmp.dir, 'integrity'),
      checkpointEveryEvents: 1e9,
      checkpointEverySeconds: 0,
      fileWitnessDirs: [path.join(tmp.dir, 'w')],
      httpWitnesses: [],
      quorum: 1,
      clock,
    });
    svc.attach();
    for (let b = 0; b < 9; b++) {
      await store.append(`incident-p${b}`, events(97, `p${b}`), 'any');
      await svc.checkpointNow(); // checkpoints at unaligned sizes, inside chunks
    }
  });
  afterAll(async () => {
    await svc.stop();
    await store.close();
    tmp.cleanup();
  });

  const both = async (opts: { since?: boolean } = {}) => {
    const head = svc.store.headPosition();
    const seq = await verifyLedger(svc.store, svc.policy, svc.witnessViews(), { ...opts, now: () => 'x', record: false });
    const par = await verifyLedger(svc.store, svc.policy, svc.witnessViews(), {
      ...opts,
      now: () => 'x',
      record: false,
      scanner: parallelScanner(dbPath(), svc.store, head, 2, 64),
    });
    return { seq, par };
  };

  it('honest ledger: same report, including from an unaligned --since start', async () => {
    const { seq, par } = await both();
    expect(seq).toMatchObject({ ok: true, toPosition: 873, checkpointsVerified: 9, witnessCheckpointsVerified: 9 });
    expect(par).toEqual(seq);
    await verifyLedger(svc.store, svc.policy, svc.witnessViews(), { now: () => 'x' }); // records 873 as verified
    await store.append('incident-extra', events(50, 'x'), 'any');
    // --since resumes from the newest witnessed checkpoint (873), not from the verified-state row
    const inc = await both({ since: true });
    expect(inc.seq).toMatchObject({ ok: true, fromPosition: 874, toPosition: 923, incremental: true });
    expect(inc.par).toEqual(inc.seq);
  });

  it('a changed event and a forged checkpoint root: the same first failure', async () => {
    const db = new Database(dbPath());
    db.prepare('UPDATE events SET data = replace(data, \'"tag":"p\', \'"tag":"q\') WHERE position = 500').run();
    db.close();
    let r = await both();
    expect(r.seq).toMatchObject({ ok: false, kind: 'event-changed', position: 500 });
    expect(r.par).toEqual(r.seq);
    const db2 = new Database(dbPath());
    db2.prepare('UPDATE events SET data = replace(data, \'"tag":"q\', \'"tag":"p\') WHERE position = 500').run();
    // forge a stored checkpoint's root (without the key): signature failure at that size
    const cp = db2.prepare('SELECT size, root, note FROM integrity_checkpoints WHERE size = 388').get() as {
      size: number;
      root: Buffer;
      note: string;
    };
    const fake = Buffer.alloc(32, 7);
    db2
      .prepare('UPDATE integrity_checkpoints SET root = ?, note = ? WHERE size = 388')
      .run(fake, cp.note.replace(cp.root.toString('base64'), fake.toString('base64')));
    db2.close();
    r = await both();
    expect(r.seq).toMatchObject({ ok: false, kind: 'checkpoint-signature', position: 388 });
    expect(r.par).toEqual(r.seq);
  });
});

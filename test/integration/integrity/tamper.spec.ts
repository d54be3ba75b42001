import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { leafHashOfText, spliceLeafText } from '../../../src/ledger/integrity/hashing';
import { IntegrityService, TamperFinding } from '../../../src/ledger/integrity/integrity.service';
import { LedgerIntegrityError } from '../../../src/ledger/integrity/sqlite-integrity-store';
import { SigningRefusedError } from '../../../src/ledger/integrity/ledger-signer';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import type { NewEvent } from '../../../src/ledger/port';
import { FakeClock } from '../../../src/platform/clock';
import { EventAuthKey } from '../../../src/ledger/integrity/event-auth';
import { attackerRehash, tempDir } from './helpers';

const ORIGIN = 'safeharbor.test/ledger';

function newEvents(n: number, tag: string): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `0192f0c4-0000-7000-8000-${tag}${String(i).padStart(12 - tag.length, '0')}`,
    type: 'IncidentNoteAdded',
    schemaVersion: 1,
    data: { n: i, note: { $phi: 1, scope: 'incident:x', iv: 'aXY=', ct: Buffer.from(`ct-${tag}-${i}`).toString('base64'), tag: 'dGFn' } },
    metadata: { actor: { id: 'u1', role: 'incident-responder' }, correlationId: `c-${tag}-${i}`, occurredAt: '2025-05-01T00:00:00.000Z' },
  }));
}

describe('tamper detection on real SQLite files', () => {
  let tmp: ReturnType<typeof tempDir>;
  let clock: FakeClock;
  let findings: TamperFinding[];
  let open: Array<{ store: SqliteEventStore; svc: IntegrityService }>;

  beforeEach(() => {
    tmp = tempDir();
    clock = new FakeClock('2025-05-01T00:00:00Z');
    findings = [];
    open = [];
  });
  afterEach(async () => {
    for (const o of open) {
      await o.svc.stop();
      await o.store.close();
    }
    tmp.cleanup();
  });

  const dbPath = () => path.join(tmp.dir, 'data', 'ledger.db');
  function start(): { store: SqliteEventStore; svc: IntegrityService } {
    const store = new SqliteEventStore({ path: dbPath(), clock });
    const svc = new IntegrityService(store, {
      origin: ORIGIN,
      keyDir: path.join(tmp.dir, 'data', 'integrity'),
      checkpointEveryEvents: 1_000_000,
      checkpointEverySeconds: 0,
      fileWitnessDirs: [path.join(tmp.dir, 'witness-a'), path.join(tmp.dir, 'mnt', 'witness-b')],
      httpWitnesses: [],
      quorum: 2,
      clock,
      onTamper: (f) => {
        findings.push(f);
      },
    });
    svc.attach();
    const o = { store, svc };
    open.push(o);
    return o;
  }
  async function stop(o: { store: SqliteEventStore; svc: IntegrityService }) {
    await o.svc.stop();
    await o.store.close();
    open = open.filter((x) => x !== o);
  }
  async function seed(o: { store: SqliteEventStore }, streams: number, perStream: number, tag = 'a') {
    for (let s = 0; s < streams; s++) await o.store.append(`incident-${tag}${s}`, newEvents(perStream, `${tag}${s}`), 'any');
  }
  /** The attacker's SQL console on the ledger file. */
  function attacker<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(dbPath());
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  it('an honest ledger verifies: leaves, checkpoints, cosignatures, witnesses', async () => {
    const o = start();
    await seed(o, 4, 10);
    const cp1 = await o.svc.checkpointNow();
    expect(cp1).toMatchObject({ size: 40, cosignatures: 2 });
    await seed(o, 2, 7, 'b');
    const cp2 = await o.svc.checkpointNow();
    expect(cp2).toMatchObject({ size: 54, cosignatures: 2 });
    // nothing new: no re-signing, no extra cosignature lines, witnesses not asked again
    expect(await o.svc.checkpointNow()).toMatchObject({ size: 54, note: cp2!.note, witnesses: [] });
    const r = await o.svc.verify();
    expect(r).toMatchObject({
      ok: true,
      toPosition: 54,
      checkpointsVerified: 2,
      checkpointsMeetingQuorum: 2,
      witnessCheckpointsVerified: 4,
    });
    // incremental verify resumes after the last verified position
    await seed(o, 1, 3, 'c');
    expect(await o.svc.verify({ since: true })).toMatchObject({ ok: true, fromPosition: 55, toPosition: 57, incremental: true });
    expect(findings).toEqual([]);
  });

  it('one changed byte of one stored event: verify names that position', async () => {
    let o = start();
    await seed(o, 5, 10);
    await o.svc.checkpointNow();
    await stop(o);
    attacker((db) => {
      const row = db.prepare('SELECT data FROM events WHERE position = 37').get() as { data: string };
      const i = row.data.indexOf('"n":') + 4;
      const changed = row.data.slice(0, i) + String.fromCharCode(row.data.charCodeAt(i) + 1) + row.data.slice(i + 1); // one byte
      expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(row.data));
      db.prepare('UPDATE events SET data = ? WHERE position = 37').run(changed);
    });
    o = start();
    const r = await o.svc.verify();
    expect(r).toMatchObject({ ok: false, kind: 'event-changed', position: 37 });
    expect(!r.ok && r.reason).toMatch(/^position 37: /);
    expect(findings).toEqual([expect.objectContaining({ kind: 'event-changed', position: 37, detectedBy: 'verify' })]);
  });

  it('the last events deleted: the signer and the witnesses refuse the next checkpoint, verify reports the rollback', async () => {
    let o = start();
    await seed(o, 6, 10);
    expect(await o.svc.checkpointNow()).toMatchObject({ size: 60, cosignatures: 2 });
    await stop(o);
    // a thorough attacker: drops the tail, the Merkle tables and the local checkpoints beyond it
    attacker((db) => {
      db.prepare('DELETE FROM events WHERE position > 50').run();
      db.prepare("UPDATE streams SET version = 0 WHERE stream = 'incident-a5'").run();
      attackerRehash(db); // the tree rebuilt over the 50 remaining events (their old tags still fit)
      db.prepare('DELETE FROM integrity_checkpoints').run();
    });
    o = start();
    await o.store.append('incident-z1', newEvents(5, 'z1'), 'any');
    await expect(o.svc.checkpointNow()).rejects.toBeInstanceOf(SigningRefusedError);
    expect(findings.map((f) => f.kind)).toContain('signer-rollback');
    // the attacker also removes the signer's memory; now a checkpoint gets signed ...
    fs.rmSync(path.join(tmp.dir, 'data', 'integrity', 'ledger-signing.state'));
    const cp = await o.svc.checkpointNow();
    // ... but every witness refuses it: they cosigned size 60
    expect(cp).toMatchObject({ size: 55, cosignatures: 0 });
    expect(cp!.witnesses.map((w) => w.status)).toEqual(['refused', 'refused']);
    expect(cp!.witnesses.map((w) => w.status === 'refused' && w.reason)).toEqual(['rollback', 'rollback']);
    expect(findings.filter((f) => f.detectedBy === 'witness').map((f) => f.kind)).toEqual(['witness-rollback', 'witness-rollback']);
    const r = await o.svc.verify();
    expect(r).toMatchObject({ ok: false, kind: 'rollback', position: 56 });
    expect(!r.ok && r.reason).toMatch(/witness .* covers 60 events but the ledger holds only 55/);
    // the plain deletion, before anything new is appended, reads the same way
    await stop(o);
    attacker((db) => {
      db.prepare('DELETE FROM events WHERE position > 50').run();
      attackerRehash(db);
      db.prepare('DELETE FROM integrity_checkpoints').run();
    });
    o = start();
    const r2 = await o.svc.verify();
    expect(r2).toMatchObject({ ok: false, kind: 'rollback', position: 51 });
    expect(!r2.ok && r2.reason).toMatch(/covers 60 events but the ledger holds only 50/);
  });

  it('history rewritten and re-hashed without the signing key: signature failure', async () => {
    let o = start();
    await seed(o, 4, 10);
    await o.svc.checkpointNow();
    await stop(o);
    const root = attacker((db) => {
      db.prepare('UPDATE events SET data = replace(data, \'"n":3,\', \'"n":4,\') WHERE position = 14').run();
      return attackerRehash(db); // re-hashes the rewritten history consistently
    });
    o = start();
    attacker((db) => {
      const cp = db.prepare('SELECT size, root, note FROM integrity_checkpoints').get() as { size: number; root: Buffer; note: string };
      const forged = cp.note.replace(cp.root.toString('base64'), root.toString('base64'));
      db.prepare('UPDATE integrity_checkpoints SET root = ?, note = ? WHERE size = ?').run(root, forged, cp.size);
    });
    const r = await o.svc.verify();
    expect(r).toMatchObject({ ok: false, kind: 'checkpoint-signature', position: 40 });
    expect(!r.ok && r.reason).toMatch(/signature/);
  });

  it('history rewritten by someone who stole the signing key: the witnesses expose the fork', async () => {
    let o = start();
    await seed(o, 4, 10);
    await o.svc.checkpointNow();
    await stop(o);
    const stolen = EventAuthKey.loadOrCreate(path.join(tmp.dir, 'data', 'integrity')).key; // the whole key folder
    attacker((db) => {
      db.prepare('UPDATE events SET data = replace(data, \'"n":3,\', \'"n":4,\') WHERE position = 14').run();
      attackerRehash(db, stolen);
      db.prepare('DELETE FROM integrity_checkpoints').run();
    });
    fs.rmSync(path.join(tmp.dir, 'data', 'integrity', 'ledger-signing.state'));
    o = start();
    const cp = await o.svc.checkpointNow(); // validly signed with the stolen key
    expect(cp!.witnesses.map((w) => w.status === 'refused' && w.reason)).toEqual(['fork', 'fork']);
    expect(cp!.cosignatures).toBe(0);
    const r = await o.svc.verify();
    expect(r).toMatchObject({ ok: false, kind: 'fork', position: 40 });
    expect(!r.ok && r.reason).toMatch(/differs from the checkpoint witness .* cosigned at size 40/);
    expect(findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['witness-fork', 'fork']));
  });

  it('columns re-split so that the envelope bytes stay identical are still caught (the row no longer parses)', async () => {
    let o = start();
    await seed(o, 1, 2);
    // metadata whose canonical text contains the structure `,"id":"Q","metadata":{...}` (a nested object)
    const crafted = newEvents(1, 'k')[0];
    (crafted.metadata as unknown as Record<string, unknown>).z = { a: 1, id: 'Q', metadata: { k: 1 } };
    await o.store.append('incident-k', [crafted], 'any');
    await o.svc.checkpointNow();
    await stop(o);
    attacker((db) => {
      const r = db.prepare('SELECT id, data, metadata FROM events WHERE position = 3').get() as {
        id: string;
        data: string;
        metadata: string;
      };
      const cut = r.metadata.indexOf(',"id":"Q","metadata":');
      expect(cut).toBeGreaterThan(0);
      const data2 = `${r.data},"id":${JSON.stringify(r.id)},"metadata":${r.metadata.slice(0, cut)}`;
      const meta2 = r.metadata.slice(cut + ',"id":"Q","metadata":'.length);
      db.prepare('UPDATE events SET id = ?, data = ?, metadata = ? WHERE position = 3').run('Q', data2, meta2);
      // the spliced envelope bytes are exactly the committed ones: only the parse guard can tell
      const row = db.prepare('SELECT * FROM events WHERE position = 3').get() as Record<string, any>;
      const leaf = db.prepare('SELECT hash FROM integrity_nodes WHERE level = 0 AND idx = 2').pluck().get() as Buffer;
      const spliced = spliceLeafText({
        id: row.id,
        stream: row.stream,
        version: row.version,
        position: row.position,
        type: row.type,
        schemaVersion: row.schema_version,
        dataText: row.data,
        metadataText: row.metadata,
      });
      expect(leafHashOfText(spliced).equals(leaf)).toBe(true);
    });
    o = start();
    expect(await o.svc.verify()).toMatchObject({
      ok: false,
      kind: 'event-changed',
      position: 3,
      reason: 'position 3: the stored event is no longer valid JSON',
    });
  });

  it('appends fail closed when events under the tree were removed', async () => {
    let o = start();
    await seed(o, 2, 5);
    await stop(o);
    attacker((db) => db.prepare('DELETE FROM events WHERE position > 8').run());
    o = start();
    await expect(o.store.append('incident-q', newEvents(1, 'q'), 'any')).rejects.toBeInstanceOf(LedgerIntegrityError);
    expect(await o.store.headPosition()).toBe(8n);
    expect(o.svc.health()).toMatchObject({ ok: false, failure: { kind: 'rollback', position: 9 } });
  });
});

describe('a remote (HTTP) witness exposes a fork made with a stolen key', () => {
  it('verify reads the witness over HTTP and names the fork', async () => {
    const tmp = tempDir();
    const clock = new FakeClock('2025-05-02T00:00:00Z');
    const { FileWitness } = await import('../../../src/ledger/integrity/file-witness');
    const { WitnessHttpServer } = await import('../../../src/ledger/integrity/http-witness');
    const dbPath = path.join(tmp.dir, 'data', 'ledger.db');
    const keyDir = path.join(tmp.dir, 'data', 'integrity');
    // the ledger key must exist before the remote witness is told to trust it
    const { LedgerSigner } = await import('../../../src/ledger/integrity/ledger-signer');
    const signer = LedgerSigner.open(keyDir, ORIGIN);
    const remote = FileWitness.open(path.join(tmp.dir, 'elsewhere'), {
      name: 'witness.test/remote',
      trustedLogKeys: [signer.verifierKey],
      clock,
    });
    const server = new WitnessHttpServer(remote);
    const url = await server.listen();
    const open = () => {
      const store = new SqliteEventStore({ path: dbPath, clock });
      const svc = new IntegrityService(store, {
        origin: ORIGIN,
        keyDir,
        checkpointEveryEvents: 1e9,
        checkpointEverySeconds: 0,
        fileWitnessDirs: [],
        httpWitnesses: [{ vkey: remote.verifierKey, url }],
        quorum: 1,
        clock,
      });
      svc.attach();
      return { store, svc };
    };
    try {
      let o = open();
      for (let s = 0; s < 3; s++) await o.store.append(`incident-r${s}`, newEvents(10, `r${s}`), 'any');
      expect(await o.svc.checkpointNow()).toMatchObject({ size: 30, cosignatures: 1 });
      expect(await o.svc.verify()).toMatchObject({ ok: true, witnessCheckpointsVerified: 1 });
      await o.svc.stop();
      await o.store.close();
      const db = new Database(dbPath);
      db.prepare('UPDATE events SET data = replace(data, \'"n":5,\', \'"n":6,\') WHERE position = 6').run();
      attackerRehash(db, EventAuthKey.loadOrCreate(keyDir).key);
      db.prepare('DELETE FROM integrity_checkpoints').run();
      db.close();
      fs.rmSync(path.join(keyDir, 'ledger-signing.state'));
      o = open();
      await o.svc.checkpointNow(); // re-signed with the stolen key, refused remotely
      const r = await o.svc.verify();
      expect(r).toMatchObject({ ok: false, kind: 'fork', position: 30 });
      expect(!r.ok && r.reason).toContain('witness witness.test/remote');
      await o.svc.stop();
      await o.store.close();
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });
});

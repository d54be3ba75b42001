/**
 * The verifier's row paths on a real SQLite file: the fast path (leaf text assembled by SQLite,
 * stored leaves read a page at a time) and the per-row path it falls back to must agree with the
 * tree on honest rows of every shape, and must catch what the per-row path catches.
 */
import Database from 'better-sqlite3';
import * as path from 'node:path';
import { DbRowReader, scanChunk, pushNode } from '../../../src/ledger/integrity/leaf-scan';
import { rootOf } from '../../../src/ledger/integrity/merkle';
import { IntegrityService } from '../../../src/ledger/integrity/integrity.service';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import type { NewEvent } from '../../../src/ledger/port';
import { spliceLeafText } from '../../../src/ledger/integrity/hashing';
import { FakeClock } from '../../../src/platform/clock';
import { tempDir } from './helpers';

/** Honest events whose text exercises the splice: nested "id" keys, quotes, backslashes, non-ASCII. */
function awkwardEvents(n: number, tag: string): NewEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `0192f0c4-0000-7000-8000-${tag}${String(i).padStart(12 - tag.length, '0')}`,
    type: i % 7 === 0 ? 'NoteAdded' : 'IncidentNoteAdded',
    schemaVersion: 1,
    data: { a: 'x', id: `inner-${i}`, quote: 'say "hi" \\ back', accents: 'résumé – ñ', n: i, nested: { id: 'y', list: [1, 'two'] } },
    metadata: { actor: { id: 'u1', role: 'incident-responder' }, correlationId: `c-${tag}-${i}`, occurredAt: '2025-05-01T00:00:00.000Z' },
  }));
}

describe('verify row paths (fast SQL-assembled leaves and the per-row fallback)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let svc: IntegrityService;
  const dbPath = () => path.join(tmp.dir, 'ledger.db');

  beforeEach(async () => {
    tmp = tempDir();
    const clock = new FakeClock('2025-05-01T00:00:00Z');
    store = new SqliteEventStore({ path: dbPath(), clock });
    svc = new IntegrityService(store, {
      origin: 'safeharbor.test/ledger',
      keyDir: path.join(tmp.dir, 'integrity'),
      checkpointEveryEvents: 1_000_000,
      checkpointEverySeconds: 0,
      fileWitnessDirs: [],
      httpWitnesses: [],
      quorum: 0,
      clock,
    });
    svc.attach();
    // more than two 4,000-row pages, so page boundaries are crossed
    for (let s = 0; s < 9; s++) await store.append(`incident-s${s}`, awkwardEvents(1000, `s${s}`), 'any');
  });
  afterEach(async () => {
    await svc.stop();
    await store.close();
    tmp.cleanup();
  });

  function scan() {
    const db = new Database(dbPath(), { readonly: true });
    try {
      const r = scanChunk(new DbRowReader(db), 0, 9000, new Set());
      const levels: number[] = [];
      const hashes: Buffer[] = [];
      for (let i = 0; i < r.levels.length; i++) pushNode(levels, hashes, r.levels[i], r.hashes[i]);
      return { ...r, root: rootOf({ size: r.endSize, frontier: levels.map((level, i) => ({ level, hash: hashes[i] })) }) };
    } finally {
      db.close();
    }
  }
  function attacker(sql: string, ...params: unknown[]) {
    const db = new Database(dbPath());
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  }

  it('an honest ledger with awkward text scans to the tree root', () => {
    const r = scan();
    expect(r.failure).toBeUndefined();
    expect(r.endSize).toBe(9000);
    expect(r.root.equals(svc.store.root())).toBe(true);
  });

  it('an id changed to text that json_quote and JSON.stringify quote differently is caught by the per-row path', () => {
    attacker(`UPDATE events SET id = ? WHERE position = 4500`, 'weird "id" é\u0001');
    const r = scan();
    // the fast hash differs whatever the quoting; the per-row path must call it altered, not crash
    expect(r.failure).toMatchObject({ kind: 'event-changed', position: 4500 });
  });

  it('non-canonical but equal JSON (an old writer) still verifies through the per-row path', () => {
    const db = new Database(dbPath());
    const row = db.prepare('SELECT data FROM events WHERE position = 123').get() as { data: string };
    db.prepare('UPDATE events SET data = ? WHERE position = 123').run(JSON.stringify(JSON.parse(row.data), null, 2));
    db.close();
    const r = scan();
    expect(r.failure).toBeUndefined();
    expect(r.root.equals(svc.store.root())).toBe(true);
  });

  it('text moved between the data and id columns (same bytes when spliced) is caught', () => {
    const db = new Database(dbPath());
    const row = db.prepare('SELECT * FROM events WHERE position = 5000').get() as Record<string, string | number>;
    const data = String(row.data);
    // data holds the splice's own delimiter `,"id":"` at its "id" key: cut there and move the rest into the id
    const idx = data.indexOf(',"id":"');
    expect(idx).toBeGreaterThan(0);
    const forged = { data: data.slice(0, idx), id: `${data.slice(idx + ',"id":"'.length)},"id":"${String(row.id)}` };
    const splice = (d: string, id: string) =>
      spliceLeafText({
        dataText: d,
        id: JSON.parse(`"${id.replace(/"/g, '\\"')}"`) as string,
        metadataText: String(row.metadata),
        position: Number(row.position),
        schemaVersion: Number(row.schema_version),
        stream: String(row.stream),
        type: String(row.type),
        version: Number(row.version),
      });
    // without quoting the id, the forged columns splice to the very same bytes
    const unquoted = (d: string, id: string) => splice(d, 'X').replace(',"id":"X"', `,"id":"${id}"`);
    expect(unquoted(forged.data, forged.id)).toBe(unquoted(data, String(row.id)));
    db.prepare('UPDATE events SET data = ?, id = ? WHERE position = 5000').run(forged.data, forged.id);
    db.close();
    expect(scan().failure).toMatchObject({ kind: 'event-changed', position: 5000 });
  });

  it('a leaf missing in the middle of a page is reported at its position', () => {
    attacker('DELETE FROM integrity_nodes WHERE level = 0 AND idx = ?', 6001);
    expect(scan().failure).toMatchObject({ kind: 'leaf-missing', position: 6002 });
  });

  it('a changed byte in metadata, and metadata that is no longer JSON, are caught', () => {
    attacker(`UPDATE events SET metadata = replace(metadata, 'incident-responder', 'incident-responded') WHERE position = 77`);
    expect(scan().failure).toMatchObject({ kind: 'event-changed', position: 77 });
    attacker(`UPDATE events SET metadata = '{"actor":' WHERE position = 77`);
    expect(scan().failure).toMatchObject({ kind: 'event-changed', position: 77 });
  });
});

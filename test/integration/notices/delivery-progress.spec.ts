import { join } from 'node:path';
import { DeliveryStore, FINAL_STATES, type DeliveryState } from '../../../src/notices/delivery/delivery-store';
import type { NoticeChannel } from '../../../src/notices/domain/channel';
import { makeTempDir } from '../../support/temp-dir';

/** A small deterministic PRNG (mulberry32), so a failure replays from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The oracle: a full recount over every delivery row of the batch. */
function recount(store: DeliveryStore, batchId: string) {
  const byState: Record<string, number> = {};
  const byChannel: Record<string, number> = {};
  let done = 0;
  for (const r of store.db
    .prepare('SELECT state, channel, count(*) AS n FROM notice_deliveries WHERE batch_id = ? GROUP BY state, channel')
    .all(batchId) as Array<{ state: string; channel: string; n: number }>) {
    byState[r.state] = (byState[r.state] ?? 0) + r.n;
    byChannel[r.channel] = (byChannel[r.channel] ?? 0) + r.n;
    if ((FINAL_STATES as readonly string[]).includes(r.state)) done += r.n;
  }
  const t = store.db
    .prepare(
      'SELECT min(delivered_at) AS f, max(delivered_at) AS l, sum(possible_duplicate) AS d FROM notice_deliveries WHERE batch_id = ?',
    )
    .get(batchId) as { f: string | null; l: string | null; d: number | null };
  return { byState, byChannel, done, firstAt: t.f, lastAt: t.l, possibleDuplicates: t.d ?? 0 };
}

describe('delivery progress counters', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.cleanup());

  it('equal a full recount after each of 3,000 random delivery state changes', () => {
    const store = new DeliveryStore(join(dir.path, 'notices.db'), { synchronous: 'NORMAL' });
    const rand = rng(15_3);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const batches = ['b-1', 'b-2', 'b-3'];
    const people = Array.from({ length: 40 }, (_, i) => `ind-${i}`);
    const offline: Array<{ channel: NoticeChannel; state: DeliveryState }> = [
      { channel: 'mail', state: 'printed' },
      { channel: 'mail-next-of-kin', state: 'printed' },
      { channel: 'substitute', state: 'substitute' },
      { channel: 'none', state: 'not-required' },
    ];
    const at = () => new Date(Date.UTC(2025, 2, 10) + Math.floor(rand() * 86_400_000)).toISOString();
    for (let step = 0; step < 3000; step++) {
      const batchId = pick(batches);
      const individualId = pick(people);
      const chunk = Math.floor(rand() * 4);
      const op = Math.floor(rand() * 6);
      if (op === 0) {
        store.claimEmail({ batchId, individualId, letterId: `${batchId}:${individualId}`, chunk, messageId: `<${step}@x>` });
      } else if (op === 1) {
        store.markSent(batchId, individualId, `<${step}@x>`, '250 ok', at(), rand() < 0.3);
      } else if (op === 2) {
        store.markEmailState(batchId, individualId, rand() < 0.5 ? 'failed' : 'held', 'synthetic');
      } else if (op === 3) {
        const rows = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
          const o = pick(offline);
          const id = pick(people);
          return {
            batchId,
            individualId: id,
            letterId: `${batchId}:${id}`,
            chunk,
            channel: o.channel,
            state: o.state,
            pdfSha256: null,
            printFile: null,
            firstPage: null,
            lastPage: null,
            deliveredAt: at(),
          };
        });
        store.recordChunkOutcome([...new Map(rows.map((r) => [r.individualId, r])).values()], null);
      } else if (op === 4) {
        store.markReturned(batchId, individualId, at(), 'synthetic return');
      } else {
        // a failed transaction changes no counter
        expect(() =>
          store.db.transaction(() => {
            store.claimEmail({ batchId, individualId, letterId: `${batchId}:${individualId}`, chunk, messageId: `<${step}@x>` });
            throw new Error('rolled back');
          })(),
        ).toThrow('rolled back');
      }
      for (const b of batches) expect({ step, ...store.progress(b) }).toEqual({ step, ...recount(store, b) });
    }
    expect(store.progress('b-1').done).toBeGreaterThan(0);
    store.close();
  });

  it('a delivery database written before the counters existed is counted when reopened; records are never deleted', () => {
    const path = join(dir.path, 'notices.db');
    const store = new DeliveryStore(path);
    store.claimEmail({ batchId: 'b', individualId: 'i1', letterId: 'l1', chunk: 0, messageId: '<1@x>' });
    store.markSent('b', 'i1', '<1@x>', '250 ok', '2025-03-10T10:00:00.000Z', true);
    store.claimEmail({ batchId: 'b', individualId: 'i2', letterId: 'l2', chunk: 0, messageId: '<2@x>' });
    expect(() => store.db.prepare('DELETE FROM notice_deliveries').run()).toThrow(/never deleted/);
    const before = store.progress('b');
    store.db.exec(
      'DROP TABLE notice_delivery_counts; DROP TABLE notice_delivery_totals; DROP TRIGGER notice_deliveries_count_insert; ' +
        'DROP TRIGGER notice_deliveries_count_move; DROP TRIGGER notice_deliveries_count_totals; ' +
        'DROP TRIGGER notice_deliveries_keep; DROP TRIGGER notice_deliveries_keep_key;',
    );
    store.close();
    const reopened = new DeliveryStore(path);
    expect(reopened.progress('b')).toEqual(before);
    expect(before).toEqual({
      byState: { sent: 1, sending: 1 },
      byChannel: { email: 2 },
      done: 1,
      firstAt: '2025-03-10T10:00:00.000Z',
      lastAt: '2025-03-10T10:00:00.000Z',
      possibleDuplicates: 1,
    });
    reopened.close();
  });
});

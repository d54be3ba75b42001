/**
 * The KurrentDB ledger's tamper path end to end without a server: the scheduler's mirror task over
 * the adapter (server double) with the service's event-auth key. A forged event written straight
 * to the server halts the mirror with one log line (no retry loop), the alarm goes off once
 * (pending file, mail to the security officers, LedgerTamperDetected in the ledger), /health's
 * integrity check fails naming the position, and a new leadership term raises nothing again.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { EventAuthKey } from '../../../src/ledger/integrity/event-auth';
import { KurrentIntegrity } from '../../../src/ledger/integrity/kurrent-integrity';
import type { TamperFinding } from '../../../src/ledger/integrity/integrity-types';
import { KurrentDbEventStore } from '../../../src/ledger/kurrentdb/kurrentdb-event-store';
import { FakeClock } from '../../../src/platform/clock';
import { uuidv7 } from '../../../src/platform/ids';
import { newEvent, testStream, waitFor } from '../../ledger/event-store.contract';
import { makeTempDir } from '../../support/temp-dir';
import { KurrentDbDouble } from '../../unit/scaleout/support/kurrentdb-double';

describe('KurrentIntegrity: the mirror task refuses a forged KurrentDB event and raises the alarm once', () => {
  it('halts, alarms once, fails health, and stays quiet across terms', async () => {
    const dir = makeTempDir('safeharbor-kurrent-integrity-');
    const clock = new FakeClock('2025-04-01T09:00:00.000Z');
    const server = new KurrentDbDouble();
    const store = new KurrentDbEventStore({ client: server, clock, eventAuth: EventAuthKey.fromBytes(randomBytes(32)) });
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
          cb();
        },
      }),
    );
    const mails: Array<{ to: string[]; subject: string; text: string }> = [];
    const recorded: TamperFinding[] = [];
    const integrity = new KurrentIntegrity(store, {
      keyDir: join(dir.path, 'secrets'),
      dataDir: join(dir.path, 'data'),
      now: () => clock.now().toISOString(),
      record: async (f) => {
        recorded.push(f);
        const id = uuidv7();
        await store.append(`integrity-${id}`, [{ ...newEvent('LedgerTamperDetected', { alertId: id, ...f }) }], 'no-stream');
      },
      mailer: { send: async (to, subject, text) => void mails.push({ to, subject, text }) },
      officers: ['security@example.test'],
      log: (level, msg, extra) => logger[level](extra ?? {}, msg),
    });
    try {
      const a = testStream('incident');
      await store.append(a, [newEvent('IncidentReported')], 'no-stream');
      const s = testStream('principal');
      const forged = newEvent('PrincipalCreated', { role: 'admin' });
      await server.appendToStream(
        s,
        [
          {
            id: forged.id,
            contentType: 'application/json',
            type: forged.type,
            data: forged.data,
            metadata: { ...forged.metadata, recordedAt: clock.now().toISOString(), $schemaVersion: 1 },
          },
        ],
        { streamState: 'no_stream' },
      );
      const forgedAt = (await store.readStream(s))[0]!.position;
      await store.append(a, [newEvent('IncidentAmended')], 1n);
      expect(integrity.health()).toEqual({ ok: true, pendingAlerts: 0 });

      const task = integrity.mirrorTask(logger);
      for (let term = 0; term < 3; term++) {
        const ctl = new AbortController();
        const running = task.run({ signal: ctl.signal } as Parameters<typeof task.run>[0]);
        await waitFor(() => lines.filter((l) => /LEDGER MIRROR HALTED/.test(l.msg)).length === term + 1);
        await new Promise((r) => setTimeout(r, 200)); // a retry loop would log again here
        expect(lines.filter((l) => /LEDGER MIRROR HALTED/.test(l.msg))).toHaveLength(term + 1);
        ctl.abort();
        await running; // the term ends without a task failure
      }
      await integrity.alarm.drain();
      expect(mails).toHaveLength(1);
      expect(mails[0]!.subject).toBe('[Safe Harbor] LEDGER TAMPERING DETECTED: event-unauthenticated');
      expect(mails[0]!.text).toContain(`Position:    ${forgedAt}`);
      expect(mails[0]!.text).not.toContain('admin'); // no event data in the mail
      expect(recorded).toHaveLength(1);
      expect(integrity.alarm.pending()).toEqual([]);
      const alerts = (await store.readAll({ after: 0n })).events.filter((e) => e.type === 'LedgerTamperDetected');
      expect(alerts).toHaveLength(1);
      expect(integrity.health()).toMatchObject({
        ok: false,
        failure: { kind: 'event-unauthenticated', position: Number(forgedAt), reason: expect.stringContaining('no authentication tag') },
      });
      expect(lines.filter((l) => l.msg === 'LEDGER TAMPERING DETECTED')).toHaveLength(1);
    } finally {
      await store.close();
      dir.cleanup();
    }
  });
});

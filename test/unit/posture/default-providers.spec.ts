import Database from 'better-sqlite3';
import type { RecordedEvent } from '../../../src/ledger/port';
import { registerDefaultProviders } from '../../../src/posture/default-providers';
import { PostureRegistry } from '../../../src/posture/posture';
import { riskProjection } from '../../../src/risk/projections/risk.projection';
import { scheduleTimeline } from '../../../src/workflows/domain/timeline';
import { loadWorkflowDirOrThrow } from '../../../src/workflows/loader';
import { timelinesProjection } from '../../../src/workflows/projections/timelines.projection';
import { join } from 'node:path';

const defs = new Map(loadWorkflowDirOrThrow(join(__dirname, '../../../workflows')).map((d) => [d.definition.workflow, d.definition]));
let pos = 0n;
const rec = (stream: string, type: string, data: object): RecordedEvent => ({
  id: `e${++pos}`,
  stream,
  version: 1n,
  position: pos,
  type,
  schemaVersion: 1,
  data: data as Record<string, unknown>,
  metadata: {
    actor: { id: 't', role: 'system' },
    correlationId: 'c',
    occurredAt: '2025-06-01T12:00:00Z',
    recordedAt: '2025-06-01T12:00:00Z',
  },
});

describe('default posture sections', () => {
  it('reads obligations, keys, grants and reviews from the timelines with days left', async () => {
    const db = new Database(':memory:');
    timelinesProjection.setup(db);
    riskProjection.setup(db);
    const inc = '0192f1a0-0000-7000-8000-0000000000aa';
    const events = [
      rec(
        `incident-${inc}`,
        'TimelineScheduled',
        scheduleTimeline(defs.get('breach-notification')!, {
          subject: { kind: 'obligation', id: `${inc}.individual-notice` },
          dueOn: '2025-06-05',
        }).data,
      ),
      rec(
        `incident-${inc}`,
        'TimelineScheduled',
        scheduleTimeline(defs.get('breach-notification')!, {
          subject: { kind: 'obligation', id: `${inc}.hhs-notice` },
          dueOn: '2026-03-01',
        }).data,
      ),
      rec(
        'key-k1',
        'TimelineScheduled',
        scheduleTimeline(defs.get('key-rotation')!, { subject: { kind: 'key', id: 'k1' }, dueOn: '2025-05-01' }).data,
      ),
      rec(
        'key-k2',
        'TimelineScheduled',
        scheduleTimeline(defs.get('key-rotation')!, { subject: { kind: 'key', id: 'k2' }, dueOn: '2026-05-01' }).data,
      ),
      rec(
        'grant-g1',
        'TimelineScheduled',
        scheduleTimeline(defs.get('access-grant-expiry')!, { subject: { kind: 'access-grant', id: 'g1' }, dueOn: '2025-06-10' }).data,
      ),
      rec(
        'risk-program-default',
        'TimelineScheduled',
        scheduleTimeline(defs.get('risk-review-annual')!, { subject: { kind: 'risk-program', id: 'default' }, dueOn: '2025-05-15' }).data,
      ),
    ];
    for (const e of events) timelinesProjection.apply(db, e);
    const reg = new PostureRegistry();
    registerDefaultProviders(reg, db);
    const p = await reg.compose({ now: new Date('2025-06-01T14:00:00Z'), today: '2025-06-01', timeZone: 'America/New_York' });
    const by = Object.fromEntries(p.sections.map((s) => [s.key, s]));
    expect(by['incident-obligations'].rows).toEqual([
      { incident: inc, obligation: 'individual-notice', dueOn: '2025-06-05', daysLeft: 4, overdue: false, lastSent: null },
      { incident: inc, obligation: 'hhs-notice', dueOn: '2026-03-01', daysLeft: 273, overdue: false, lastSent: null },
    ]);
    expect(by['incident-obligations'].attention).toBe(1);
    expect(by['keys-past-cryptoperiod'].rows).toEqual([
      { keyId: 'k1', rotateBy: '2025-05-01', daysLeft: -31, pastCryptoperiod: true, escalations: 0 },
    ]);
    expect(by['grants-expiring'].rows).toEqual([{ grantId: 'g1', expiresOn: '2025-06-10', daysLeft: 9, remindersSent: 0 }]);
    expect(by['reviews']).toMatchObject({
      attention: 1,
      rows: [{ workflow: 'risk-review-annual', dueOn: '2025-05-15', daysLeft: -17, overdue: true }],
    });
    expect(by['high-risks'].rows).toEqual([]);
    expect(by['unencrypted-datasets'].available).toBe(false);
    db.close();
  });
});

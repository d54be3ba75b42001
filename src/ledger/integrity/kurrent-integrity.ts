/**
 * The integrity layer's part on a KurrentDB ledger, without Nest: the mirror (the contiguous copy
 * the tree is built on) adopts only events carrying the service's authentication tag; a refusal
 * raises the tamper alarm once (pending file beside the keys, mail to the security officers,
 * LedgerTamperDetected once the ledger takes it), fails /health and the integrity gauge.
 * See README.md "Per-event authentication" and "Adopting untagged events".
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { KurrentDbEventStore } from '../kurrentdb/kurrentdb-event-store';
import type { MirrorRefusal } from '../kurrentdb/ledger-mirror';
import { ledgerMirrorTask } from '../../platform/roles/mirror-task';
import type { SchedulerTask } from '../../platform/roles/scheduler';
import type { LedgerHealth, TamperFinding } from './integrity-types';
import { TamperAlarm, type AlarmMailer } from './tamper-alarm';

export const EVENT_UNAUTHENTICATED = 'event-unauthenticated';

export class KurrentIntegrity {
  readonly alarm: TamperAlarm;

  constructor(
    readonly store: KurrentDbEventStore,
    private readonly opts: {
      keyDir: string;
      dataDir: string;
      now: () => string;
      record?: (f: TamperFinding) => Promise<void> | void;
      mailer?: AlarmMailer;
      officers: string[] | (() => Promise<string[]>);
      log: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
    },
  ) {
    this.alarm = new TamperAlarm(opts.keyDir, {
      now: opts.now,
      record: opts.record,
      mailer: opts.mailer,
      officers: opts.officers,
      log: opts.log,
    });
  }

  get mirrorFile(): string {
    return path.join(this.opts.dataDir, 'ledger-mirror.db');
  }

  /** The tamper finding of a refused event (no event data: its position, id and why). */
  static finding(r: MirrorRefusal): TamperFinding {
    return {
      kind: EVENT_UNAUTHENTICATED,
      reason: `source position ${r.sourcePosition}: event ${r.eventId} ${r.reason}; not adopted into the mirror or the tree, nothing after it is adopted`,
      position: Number(r.sourcePosition),
      detectedBy: 'mirror',
    };
  }

  /** Raised by the mirror once per refusal. */
  async onRefused(r: MirrorRefusal): Promise<void> {
    this.opts.log('error', 'LEDGER TAMPERING DETECTED', { kind: EVENT_UNAUTHENTICATED, position: String(r.sourcePosition) });
    await this.alarm.raise(`${EVENT_UNAUTHENTICATED}:${r.sourcePosition}`, KurrentIntegrity.finding(r));
  }

  /** The scheduler's mirror task, checking every event's tag before adopting it. */
  mirrorTask(logger: Logger): SchedulerTask {
    const key = this.store.eventAuth;
    if (!key) throw new Error('the KurrentDB ledger has no event authentication key');
    return ledgerMirrorTask(this.store, this.opts.dataDir, logger, {
      auth: { key, onRefused: (r) => this.onRefused(r), now: this.opts.now },
    });
  }

  /** Failed while the mirror holds a refusal no officer adopted (read from the mirror file). */
  health(): LedgerHealth {
    const pendingAlerts = this.alarm.pending().length;
    const refusal = readBlockingRefusal(this.mirrorFile);
    if (!refusal) return { ok: true, pendingAlerts };
    const f = KurrentIntegrity.finding(refusal);
    return { ok: false, failure: { kind: f.kind, reason: f.reason, position: f.position }, pendingAlerts };
  }
}

function readBlockingRefusal(file: string): MirrorRefusal | null {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mirror_refusals'").get();
    if (!table) return null;
    const row = db
      .prepare(
        'SELECT source_position, event_id, reason, refused_at FROM mirror_refusals WHERE adopted = 0 ORDER BY source_position LIMIT 1',
      )
      .safeIntegers(true)
      .get() as { source_position: bigint; event_id: string; reason: string; refused_at: string } | undefined;
    return row ? { sourcePosition: row.source_position, eventId: row.event_id, reason: row.reason, refusedAt: row.refused_at } : null;
  } finally {
    db.close();
  }
}

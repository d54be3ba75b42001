/**
 * A contiguous local copy of a KurrentDB ledger, so the integrity layer works over KurrentDB
 * exactly as over the embedded store.
 *
 * KurrentDB's commit positions increase but leave gaps, and KurrentDB has no in-transaction
 * append hook. The mirror follows `$all` (ledger events only) with a catch-up subscription and
 * appends each event, in order, to a SQLite ledger file through `SqliteEventStore.appendSync`:
 * - same id, stream, version, type, schema version, data and metadata (recordedAt included: a
 *   replay clock hands the store the event's own recordedAt), so the envelope is the source's
 *   except for `position`, which in the mirror is the contiguous leaf index + 1;
 * - the store's append hooks (the integrity layer's leaves and Merkle frontier) run inside the
 *   same transaction that records the source position, so a crash never leaves a leaf without
 *   its event or a mirrored event without its leaf;
 * - restarts resume after the last mirrored source position; an event already mirrored is a
 *   duplicate by id and is skipped;
 * - a source event that does not extend its stream's mirrored history (a version gap, a changed
 *   event at a known version) stops the mirror with MirrorDivergenceError: that is evidence of
 *   tampering or of a second writer, never something to paper over.
 *
 * - with `auth`, every source event must carry a valid tag of the ledger's event authentication
 *   key (made by the adapter at append) or be one of the untagged events an officer adopted
 *   (`ledger adopt-untagged`); anything else is refused: the refusal is recorded in the mirror
 *   file (table mirror_refusals, so it survives restarts), `onRefused` is called once for it
 *   (the tamper alarm), and nothing at or after its position is ever mirrored.
 *
 * Run exactly one mirror writer per mirror file (a scheduler task under the leader lock).
 */
import type { Clock } from '../../platform/clock';
import type { EventAuthKey } from '../integrity/event-auth';
import { eventAuthFailure } from './event-auth-check';
import type { EventStore, RecordedEvent, Subscription } from '../port';
import type { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { WrongExpectedVersionError } from '../errors';

export class MirrorDivergenceError extends Error {
  readonly code = 'LEDGER_MIRROR_DIVERGENCE';
  constructor(
    message: string,
    readonly sourcePosition: bigint,
  ) {
    super(message);
    this.name = 'MirrorDivergenceError';
  }
}

/** The mirror stopped at an event it refused to adopt (no valid authentication tag). */
export class MirrorRefusedError extends Error {
  readonly code = 'LEDGER_MIRROR_REFUSED';
  constructor(
    readonly refusal: MirrorRefusal,
    /** True the one time the refusal is recorded; false when a recorded refusal blocks again. */
    readonly first: boolean,
  ) {
    super(`source position ${refusal.sourcePosition}: ${refusal.reason}; not adopted, nothing after it is mirrored`);
    this.name = 'MirrorRefusedError';
  }
}

export interface MirrorRefusal {
  sourcePosition: bigint;
  eventId: string;
  reason: string;
  refusedAt: string;
}

/** The clock a mirror's SQLite store stamps recordedAt with: the mirrored event's own. */
export class ReplayClock implements Clock {
  private at: Date | null = null;
  set(iso: string): void {
    this.at = new Date(iso);
  }
  now(): Date {
    if (!this.at) throw new Error('ReplayClock read outside a mirrored append');
    return new Date(this.at.getTime());
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mirror_positions (
  position        INTEGER PRIMARY KEY,
  source_position INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS mirror_refusals (
  source_position INTEGER PRIMARY KEY,
  event_id        TEXT NOT NULL,
  reason          TEXT NOT NULL,
  refused_at      TEXT NOT NULL,
  alarmed         INTEGER NOT NULL DEFAULT 0,
  adopted         INTEGER NOT NULL DEFAULT 0
);
`;

export interface LedgerMirrorOptions {
  source: EventStore;
  /** A SQLite store built with `clock: mirror.clock` (construct the clock first: `new ReplayClock()`). */
  target: SqliteEventStore;
  clock: ReplayClock;
  pageSize?: number;
  onError?: (err: unknown) => void;
  /** Adopt only events authenticated by `key` (or untagged ones an officer adopted: `accepted`). */
  auth?: {
    key: EventAuthKey;
    /** Source positions of untagged events adopted by an officer (see acceptedUntagged). */
    accepted?: ReadonlySet<bigint>;
    /** Raised once per refusal (again after a restart only if it did not complete). */
    onRefused?: (refusal: MirrorRefusal) => Promise<void> | void;
    now?: () => string;
  };
}

export class LedgerMirror {
  private readonly source: EventStore;
  private readonly target: SqliteEventStore;
  private readonly clock: ReplayClock;
  private subscription: Subscription | null = null;
  private alarming: Promise<void> = Promise.resolve();

  constructor(private readonly options: LedgerMirrorOptions) {
    this.source = options.source;
    this.target = options.target;
    this.clock = options.clock;
    this.target.db.exec(SCHEMA);
    this.alarmUnalarmed();
  }

  /** The refusal that blocks the mirror (the earliest not adopted since), or null. */
  blockingRefusal(): MirrorRefusal | null {
    const row = this.target.db
      .prepare(
        'SELECT source_position, event_id, reason, refused_at FROM mirror_refusals WHERE adopted = 0 ORDER BY source_position LIMIT 1',
      )
      .safeIntegers(true)
      .get() as { source_position: bigint; event_id: string; reason: string; refused_at: string } | undefined;
    return row ? { sourcePosition: row.source_position, eventId: row.event_id, reason: row.reason, refusedAt: row.refused_at } : null;
  }

  /** Every refusal ever recorded (adopted ones included), oldest first. */
  refusals(): Array<MirrorRefusal & { adopted: boolean }> {
    return (
      this.target.db
        .prepare('SELECT source_position, event_id, reason, refused_at, adopted FROM mirror_refusals ORDER BY source_position')
        .safeIntegers(true)
        .all() as Array<{ source_position: bigint; event_id: string; reason: string; refused_at: string; adopted: bigint }>
    ).map((r) => ({
      sourcePosition: r.source_position,
      eventId: r.event_id,
      reason: r.reason,
      refusedAt: r.refused_at,
      adopted: r.adopted === 1n,
    }));
  }

  /** Resolves when every alarm raised so far has been handed over (tests and shutdown). */
  alarmsSettled(): Promise<void> {
    return this.alarming;
  }

  private alarmUnalarmed(): void {
    const onRefused = this.options.auth?.onRefused;
    if (!onRefused) return;
    for (const r of this.refusals()) {
      if (r.adopted) continue;
      const row = this.target.db.prepare('SELECT alarmed FROM mirror_refusals WHERE source_position = ?').get(r.sourcePosition) as {
        alarmed: number;
      };
      if (row.alarmed === 0) this.raise(r);
    }
  }

  private raise(r: MirrorRefusal): void {
    const onRefused = this.options.auth?.onRefused;
    if (!onRefused) return;
    this.alarming = this.alarming.then(async () => {
      await onRefused(r);
      this.target.db.prepare('UPDATE mirror_refusals SET alarmed = 1 WHERE source_position = ?').run(r.sourcePosition);
    });
    this.alarming = this.alarming.catch(() => undefined);
  }

  /** Refuses (and records, once) an event that is not authenticated; no-op for an adoptable event. */
  private authenticate(event: RecordedEvent): void {
    const auth = this.options.auth;
    if (!auth) return;
    const accepted = auth.accepted;
    const db = this.target.db;
    const blocking = this.blockingRefusal();
    if (blocking) {
      if (accepted?.has(blocking.sourcePosition)) {
        // an officer adopted it since (`ledger adopt-untagged`): the refusal stays on record
        db.prepare('UPDATE mirror_refusals SET adopted = 1 WHERE source_position = ?').run(blocking.sourcePosition);
        return this.authenticate(event);
      }
      if (blocking.sourcePosition <= event.position) throw new MirrorRefusedError(blocking, false);
    }
    const failure = eventAuthFailure(auth.key, event);
    if (failure === null) return;
    if (accepted?.has(event.position) && /no authentication tag/.test(failure)) return;
    const refusal: MirrorRefusal = {
      sourcePosition: event.position,
      eventId: event.id,
      reason: failure.replace(`event ${event.id}: `, ''),
      refusedAt: auth.now?.() ?? new Date().toISOString(),
    };
    const inserted = db
      .prepare('INSERT OR IGNORE INTO mirror_refusals (source_position, event_id, reason, refused_at) VALUES (?, ?, ?, ?)')
      .run(refusal.sourcePosition, refusal.eventId, refusal.reason, refusal.refusedAt).changes;
    if (inserted === 1) this.raise(refusal);
    throw new MirrorRefusedError(refusal, inserted === 1);
  }

  /** The last source position mirrored (0n when nothing is). */
  lastSourcePosition(): bigint {
    const row = this.target.db.prepare('SELECT MAX(source_position) AS p FROM mirror_positions').safeIntegers(true).get() as {
      p: bigint | null;
    };
    return row.p ?? 0n;
  }

  /** Mirror position (contiguous, = leaf index + 1) of a source position, or null. */
  mirrorPositionOf(sourcePosition: bigint): bigint | null {
    const row = this.target.db
      .prepare('SELECT position FROM mirror_positions WHERE source_position = ?')
      .safeIntegers(true)
      .get(sourcePosition) as { position: bigint } | undefined;
    return row?.position ?? null;
  }

  /** Source position of a mirror position, or null. */
  sourcePositionOf(position: bigint): bigint | null {
    const row = this.target.db
      .prepare('SELECT source_position FROM mirror_positions WHERE position = ?')
      .safeIntegers(true)
      .get(position) as { source_position: bigint } | undefined;
    return row?.source_position ?? null;
  }

  /** Mirrors one source event (in $all order). Exposed for catch-up loops and tests. */
  mirrorEvent(event: RecordedEvent): void {
    const db = this.target.db;
    if (this.mirrorPositionOf(event.position) !== null) return;
    this.authenticate(event);
    db.transaction(() => {
      if (this.mirrorPositionOf(event.position) !== null) return;
      this.clock.set(event.metadata.recordedAt);
      const expected = event.version === 1n ? 'no-stream' : event.version - 1n;
      let result;
      try {
        result = this.target.appendSync(
          event.stream,
          [
            {
              id: event.id,
              type: event.type,
              schemaVersion: event.schemaVersion,
              data: event.data,
              metadata: stripRecordedAt(event.metadata),
            },
          ],
          expected,
        );
      } catch (err) {
        if (err instanceof WrongExpectedVersionError) {
          throw new MirrorDivergenceError(
            `source event at position ${event.position} is version ${event.version} of its stream, but the mirror holds version ${String(err.actual)}`,
            event.position,
          );
        }
        throw err;
      }
      if (result.duplicate) {
        // Re-deliveries of a mirrored position returned above: the same id at another position is a second copy.
        throw new MirrorDivergenceError(
          `the event at source position ${event.position} repeats an id the mirror already holds`,
          event.position,
        );
      }
      db.prepare('INSERT INTO mirror_positions (position, source_position) VALUES (?, ?)').run(result.lastPosition, event.position);
    }).immediate();
  }

  /** Mirrors everything the source holds now. */
  async catchUp(): Promise<number> {
    let after = this.lastSourcePosition();
    let count = 0;
    for (;;) {
      const page = await this.source.readAll({ after, maxCount: this.options.pageSize ?? 500 });
      for (const e of page.events) {
        this.mirrorEvent(e);
        count += 1;
      }
      after = page.lastPosition;
      if (page.isEnd) return count;
    }
  }

  /** Catches up, then follows the source live until `stop()`. */
  start(): Subscription {
    if (this.subscription) return this.subscription;
    this.subscription = this.source.subscribeToAll({
      after: this.lastSourcePosition(),
      pageSize: this.options.pageSize,
      handler: (e) => this.mirrorEvent(e),
      onError: (err) => this.options.onError?.(err),
    });
    return this.subscription;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
  }
}

function stripRecordedAt(metadata: RecordedEvent['metadata']): RecordedEvent['metadata'] {
  const { recordedAt: _drop, ...rest } = metadata;
  return rest as RecordedEvent['metadata'];
}

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EventAuthKey } from '../../ledger/integrity/event-auth';
import { acceptedUntagged } from '../../ledger/kurrentdb/event-auth-check';
import { LedgerMirror, MirrorRefusedError, ReplayClock, type MirrorRefusal } from '../../ledger/kurrentdb/ledger-mirror';
import type { EventStore } from '../../ledger/port';
import { SqliteEventStore } from '../../ledger/sqlite/sqlite-event-store';
import type { SchedulerTask } from './scheduler';

/**
 * With the ledger in KurrentDB, the leading scheduler keeps a contiguous SQLite mirror of it under
 * the data dir (`ledger-mirror.db`): one more copy of the ledger in another place, and the file the
 * integrity layer's leaves, checkpoints and proofs are built on (see LedgerMirror). One writer at a
 * time: it runs only while this process leads, and restarts after a failure every `everyMs`.
 */
export interface LedgerMirrorTaskOptions {
  /**
   * Called with the mirror's SQLite store before anything is mirrored in a term: the integrity
   * layer attaches its append hook here (`IntegrityService` over `target`), so leaves are built in
   * the same transaction as each mirrored event. Returns an optional detach, called at term end.
   */
  attach?: (target: SqliteEventStore) => void | (() => void | Promise<void>) | Promise<void | (() => void | Promise<void>)>;
  /**
   * Adopt only events tagged with the ledger's event authentication key (or adopted by an officer:
   * `ledger adopt-untagged`). A refusal halts the mirror for the term with one log line, not a
   * retry loop: it is recorded in the mirror file, `onRefused` (the tamper alarm) runs once for it.
   */
  auth?: { key: EventAuthKey; onRefused: (r: MirrorRefusal) => Promise<void> | void; now: () => string };
}

export function ledgerMirrorTask(
  source: EventStore,
  dataDir: string,
  logger: Logger,
  options: LedgerMirrorTaskOptions = {},
): SchedulerTask {
  return {
    name: 'ledger-mirror',
    everyMs: 5_000,
    async run(ctx) {
      let failed: unknown = null;
      let wake!: () => void;
      const done = new Promise<void>((resolve) => (wake = resolve));
      const clock = new ReplayClock();
      const target = new SqliteEventStore({ path: join(dataDir, 'ledger-mirror.db'), clock });
      const auth = options.auth;
      const accepted = auth ? await acceptedUntagged(source, auth.key) : undefined;
      const mirror = new LedgerMirror({
        source,
        target,
        clock,
        ...(auth ? { auth: { ...auth, accepted } } : {}),
        onError: (err) => {
          if (err instanceof MirrorRefusedError) {
            // halted until an officer acts: say so once per term, never in a retry loop
            logger.error(
              { sourcePosition: String(err.refusal.sourcePosition), eventId: err.refusal.eventId, newlyRefused: err.first },
              'LEDGER MIRROR HALTED: a KurrentDB event without a valid authentication tag was refused; nothing at or after it is adopted (run `safeharbor ledger verify`)',
            );
            return;
          }
          failed = err;
          wake();
        },
      });
      ctx.signal.addEventListener('abort', () => wake(), { once: true });
      if (ctx.signal.aborted) wake();
      let detach: void | (() => void | Promise<void>) = undefined;
      try {
        detach = await options.attach?.(target);
        const sub = mirror.start();
        void sub.caughtUp.then(() => logger.info({ sourcePosition: String(mirror.lastSourcePosition()) }, 'ledger mirror caught up'));
        await done;
      } finally {
        await mirror.stop();
        await mirror.alarmsSettled();
        if (typeof detach === 'function') await detach();
        await target.close();
      }
      if (failed) throw failed;
    },
  };
}

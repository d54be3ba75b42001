import type { SubscribeOptions, Subscription } from '../port';
import { errorType, KDB_TRANSIENT, type KdbSubscription } from './client-surface';
import type { KdbClient } from './client-surface';
import { isSystem, ledgerFilter, positionOf, sleep, toKdbPosition, toRecorded } from './kurrentdb-mapping';

export interface CatchUpDeps {
  client: KdbClient;
  headPosition(): Promise<bigint>;
  backoff: { initial: number; max: number };
  /** Called once the subscription has stopped (the store forgets it). */
  onStopped(subscription: Subscription): void;
}

/**
 * A KurrentDB catch-up subscription to $all (server-side filter excluding system events),
 * resumed from the last handled position after transient failures. `onPage` runs when the
 * delivered burst is drained (or every `pageSize` events), with the last handled position.
 * The server's filter checkpoints only move the internal resume point past long runs of
 * filtered-out records; `onPage` always reports the position of a delivered ledger event.
 */
export function catchUpSubscription(deps: CatchUpDeps, options: SubscribeOptions): Subscription {
  const pageSize = options.pageSize ?? 500;
  let after = options.after;
  let resumeFrom = options.after;
  let stopped = false;
  let current: KdbSubscription | null = null;
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));

  const loop = (async () => {
    let backoff = deps.backoff.initial;
    let head: bigint | null = null;
    while (head === null && !stopped) {
      try {
        head = await deps.headPosition();
      } catch (err) {
        const type = errorType(err);
        if (type === undefined || !KDB_TRANSIENT.has(type)) throw err;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, deps.backoff.max);
      }
    }
    if (head === null) {
      resolveCaughtUp();
      return;
    }
    if (head <= after) resolveCaughtUp();
    while (!stopped) {
      const filter = ledgerFilter((pos) => {
        if (pos.commit > resumeFrom) resumeFrom = pos.commit;
      });
      const sub = deps.client.subscribeToAll({ fromPosition: toKdbPosition(resumeFrom), filter });
      current = sub;
      let sincePage = 0;
      try {
        for await (const r of sub) {
          if (stopped) break;
          const ev = r.event;
          if (!ev) continue;
          const p = positionOf(ev);
          if (p <= after) continue;
          if (isSystem(ev)) continue;
          await options.handler(toRecorded(ev));
          after = p;
          if (p > resumeFrom) resumeFrom = p;
          sincePage += 1;
          backoff = deps.backoff.initial;
          if (after >= head) resolveCaughtUp();
          if (sincePage >= pageSize || sub.readableLength === 0) {
            await options.onPage?.(after);
            sincePage = 0;
          }
        }
        if (sincePage > 0) await options.onPage?.(after);
      } catch (err) {
        if (stopped) break;
        if (sincePage > 0) await options.onPage?.(after);
        const type = errorType(err);
        if (type === undefined || !KDB_TRANSIENT.has(type)) throw err;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, deps.backoff.max);
      } finally {
        current = null;
        await sub.unsubscribe().catch(() => undefined);
      }
      if (!stopped) await sleep(backoff); // the server ended the subscription: reconnect
    }
  })().catch((err) => {
    stopped = true;
    resolveCaughtUp();
    options.onError?.(err);
  });

  const subscription: Subscription = {
    caughtUp,
    stop: async () => {
      stopped = true;
      await current?.unsubscribe().catch(() => undefined);
      await loop;
      deps.onStopped(subscription);
    },
  };
  return subscription;
}

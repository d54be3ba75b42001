import type { EventStore, SubscribeOptions, Subscription } from './port';

export interface PollingOptions {
  pollIntervalMs: number;
  /** Wakes the subscription at once when this process appends (other processes are polled). */
  onLocalAppend?: (listener: () => void) => () => void;
}

/**
 * Catch-up then live subscription over `readAll`, usable by any adapter that can page through
 * its global log. Handlers run strictly in order; an error stops the subscription and is reported.
 */
export function startPollingSubscription(
  store: Pick<EventStore, 'readAll'>,
  options: SubscribeOptions,
  polling: PollingOptions,
): Subscription {
  let after = options.after;
  let stopped = false;
  let wake: (() => void) | null = null;
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (resolveCaughtUp = r));
  const unlisten = polling.onLocalAppend?.(() => wake?.());
  const pageSize = options.pageSize ?? 500;

  const loop = (async () => {
    while (!stopped) {
      const page = await store.readAll({ after, maxCount: pageSize });
      for (const event of page.events) {
        if (stopped) return;
        await options.handler(event);
        after = event.position;
      }
      if (page.events.length > 0) await options.onPage?.(after);
      if (page.isEnd) {
        resolveCaughtUp();
        if (stopped) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, polling.pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    }
  })().catch((err) => {
    stopped = true;
    resolveCaughtUp();
    options.onError?.(err);
  });

  return {
    caughtUp,
    async stop() {
      stopped = true;
      wake?.();
      unlisten?.();
      await loop;
    },
  };
}

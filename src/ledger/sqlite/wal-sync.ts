import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

/**
 * Makes committed WAL frames durable off the event loop. Group commits run with
 * `synchronous = NORMAL` (COMMIT writes the WAL but does not fsync it); after a commit the store
 * calls `committed(last)` and waits on `durable(last)`, which resolves once an `fdatasync` of
 * the WAL file that started after that commit has returned. fsync is per file, so one call
 * covers every commit written before it: commits that pile up while one sync runs share the
 * next (group commit).
 *
 * A failed fdatasync leaves the page cache in an unknown state (the kernel may have dropped the
 * dirty pages), so the store fails closed: every waiter and every later append is refused.
 */
export class WalSync {
  private fd: number | null = null;
  private committedTo = 0n;
  private durableTo = 0n;
  /** First position of the oldest commit not yet durable, or null when everything is. */
  private pendingFrom: bigint | null = null;
  private syncing = false;
  private waiters: Array<{ position: bigint; resolve: () => void; reject: (e: Error) => void }> = [];
  private idle: Array<() => void> = [];
  failure: Error | null = null;

  constructor(
    private readonly walPath: string,
    /** Called (on the event loop) each time more positions become durable. */
    private readonly onDurable: (position: bigint) => void,
    /** The head when the file was opened: what an earlier run left there counts as durable. */
    initialHead: bigint,
  ) {
    this.committedTo = initialHead;
    this.durableTo = initialHead;
  }

  /** Reads must not go past this while it is set: those positions could still vanish on power loss. */
  get nonDurableFrom(): bigint | null {
    return this.pendingFrom;
  }

  /** Records a commit of positions [first, last] (the COMMIT has returned). */
  committed(first: bigint, last: bigint): void {
    if (last > this.committedTo) this.committedTo = last;
    if (last > this.durableTo && (this.pendingFrom === null || first < this.pendingFrom)) this.pendingFrom = first;
    this.kick();
  }

  /** Resolves once `position` is durable (at once when it already is). */
  durable(position: bigint): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (position <= this.durableTo) return Promise.resolve();
    // a position read back (a duplicate another process wrote) is committed: it needs a sync too
    if (position > this.committedTo) this.committedTo = position;
    return new Promise((resolve, reject) => {
      this.waiters.push({ position, resolve, reject });
      this.kick();
    });
  }

  /**
   * Records a commit that was fsynced as it committed (synchronous = FULL): the WAL is written
   * in order, so every commit before it is durable too.
   */
  committedDurably(first: bigint, last: bigint): void {
    this.committed(first, last);
    this.markDurable(this.committedTo);
  }

  /** fsyncs now, on the event loop: everything committed so far is durable when it returns. */
  syncAll(): void {
    if (this.failure) throw this.failure;
    if (this.committedTo <= this.durableTo) return;
    const target = this.committedTo;
    try {
      fdatasyncSync(this.open());
    } catch (e) {
      this.fail(e as Error);
      throw this.failure;
    }
    this.markDurable(target);
  }

  /** Resolves when no fsync is running and nothing committed is waiting for one. */
  settled(): Promise<void> {
    if (this.failure || (!this.syncing && this.committedTo <= this.durableTo)) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    // The WAL file exists once the connection has committed in WAL mode; it is never deleted
    // while this connection is open, so the descriptor stays on the file SQLite writes.
    this.fd ??= openSync(this.walPath, 'r+');
    return this.fd;
  }

  private kick(): void {
    if (this.syncing || this.failure) return;
    if (this.committedTo <= this.durableTo) {
      for (const r of this.idle.splice(0)) r();
      return;
    }
    const target = this.committedTo;
    let fd: number;
    try {
      fd = this.open();
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.syncing = true;
    fdatasync(fd, (err) => {
      this.syncing = false;
      if (err) this.fail(err);
      else this.markDurable(target);
      this.kick();
    });
  }

  private markDurable(target: bigint): void {
    if (target <= this.durableTo) return;
    this.durableTo = target;
    if (this.pendingFrom !== null && this.committedTo <= target) this.pendingFrom = null;
    else if (this.pendingFrom !== null && this.pendingFrom <= target) this.pendingFrom = target + 1n;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.position <= target ? w.resolve : () => still.push(w))();
    this.waiters = still;
    this.onDurable(target);
  }

  private fail(err: Error): void {
    this.failure = new Error(`the ledger could not make its commits durable (fdatasync: ${err.message}); appends are refused`);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    for (const r of this.idle.splice(0)) r();
  }
}

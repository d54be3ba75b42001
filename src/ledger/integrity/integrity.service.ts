/**
 * The integrity layer of the embedded ledger, without Nest: hooks the Merkle tree into the
 * SQLite append transaction, signs checkpoints (every N events, every T seconds, on demand),
 * gets them cosigned by witnesses, serves proofs, verifies, and reports tampering.
 */
import * as path from 'node:path';
import type { RecordedEvent } from '../port';
import type { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { CheckpointPolicy, verifyCheckpointNote } from './checkpoint';
import { collectCosignatures, WitnessOutcome } from './cosigning';
import { FileWitness, WitnessEndpoint } from './file-witness';
import { EventAuthKey } from './event-auth';
import { HttpWitnessClient } from './http-witness';
import { LedgerSigner, SigningRefusedError } from './ledger-signer';
import { Ed25519NoteKey } from './note';
import { consistencyProof } from './proofs';
import { consistencyBetween, proveInclusion, type ConsistencyResult } from './ledger-proofs';
import { LedgerIntegrityError, SqliteIntegrityStore, StoredCheckpoint } from './sqlite-integrity-store';
import { TamperAlarm } from './tamper-alarm';
import type { VerifyReport, WitnessView } from './verify';
import { allWitnessViews, fileWitnessViews, verifyIntegrity, type VerificationContext } from './ledger-verification';
import type { CheckpointResult, InclusionProofResult, IntegrityOptions, LedgerHealth, TamperFinding } from './integrity-types';

export type { CheckpointResult, InclusionProofResult, IntegrityOptions, LedgerHealth, TamperFinding } from './integrity-types';

export class IntegrityService {
  readonly store: SqliteIntegrityStore;
  readonly signer: LedgerSigner;
  readonly fileWitnesses: FileWitness[];
  readonly witnesses: WitnessEndpoint[];
  readonly alarm: TamperAlarm;
  /** First position (1-based) of a leaf without a valid authentication tag: never read, nothing appended on top. */
  private forgedFrom: number | null = null;
  private pendingSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private checkpointing: Promise<CheckpointResult | null> | null = null;
  private scheduled = false;
  private readonly reported = new Set<string>();
  private readonly reportedPositions = new Set<number>();
  private stopped = false;

  constructor(
    readonly eventStore: SqliteEventStore,
    readonly opts: IntegrityOptions,
  ) {
    const auth = EventAuthKey.loadOrCreate(opts.keyDir);
    this.store = new SqliteIntegrityStore(eventStore.db, auth.key, auth.created);
    this.signer = LedgerSigner.open(opts.keyDir, opts.origin);
    this.alarm = new TamperAlarm(opts.keyDir, {
      now: () => opts.clock.now().toISOString(),
      record: opts.onTamper,
      mailer: opts.mailer,
      officers: opts.officers ?? [],
      log: (level, msg, extra) => this.log(level, msg, extra),
    });
    this.fileWitnesses = opts.fileWitnessDirs.map((dir, i) =>
      FileWitness.open(dir, { name: `${opts.origin}/file-witness-${i + 1}`, trustedLogKeys: [this.signer.verifierKey], clock: opts.clock }),
    );
    const remote = opts.httpWitnesses.map((w) => {
      const k = Ed25519NoteKey.fromVerifierKey(w.vkey);
      return new HttpWitnessClient(k.name, k.verifierKey, w.url);
    });
    this.witnesses = [...this.fileWitnesses, ...remote];
    if (opts.quorum > this.witnesses.length) {
      throw new Error(`witness quorum ${opts.quorum} is larger than the ${this.witnesses.length} configured witness(es)`);
    }
  }

  get policy(): CheckpointPolicy {
    return {
      origin: this.opts.origin,
      logKeys: this.signer.allPublicKeys(),
      witnessKeys: this.witnesses.map((w) => Ed25519NoteKey.fromVerifierKey(w.verifierKey)),
      quorum: this.opts.quorum,
    };
  }

  /**
   * Attaches the append hook. Rows already in the table without their leaves are never adopted:
   * they are reported (and appends stay refused until they are dealt with).
   */
  attach(): void {
    const store = this.store;
    this.eventStore.addAppendHook({
      onAppend: (db, events) => {
        try {
          if (this.forgedFrom !== null)
            throw new LedgerIntegrityError(
              `position ${this.forgedFrom}: a leaf without the service's authentication tag; refusing to append on top of it`,
              this.forgedFrom,
            );
          store.onAppend(db, events);
        } catch (e) {
          if (e instanceof LedgerIntegrityError) {
            // fail closed: the append is aborted; report after the rollback
            // one alert per cause: a refusal because of a known blocker is that blocker's alert
            setImmediate(() => {
              let cause: { kind: string; reason: string; position?: number } | null = null;
              try {
                cause = this.appendBlocker();
              } catch {
                /* the process closed the ledger meanwhile */
              }
              // the blocker may be gone by now (restored meanwhile): a refusal at a position already
              // reported is that finding's alert, not a new one
              if (!cause && e.position !== undefined && this.reportedPositions.has(e.position)) return;
              cause ??= { kind: 'append-refused', reason: e.message, position: e.position };
              void this.report({ ...cause, detectedBy: 'append' });
            });
          }
          throw e;
        }
        if (this.alarm.hasPending) setImmediate(() => void this.alarm.drain());
        this.pendingSince += events.length;
        if (this.pendingSince >= this.opts.checkpointEveryEvents && !this.scheduled) {
          this.scheduled = true;
          setImmediate(() => {
            this.scheduled = false;
            void this.checkpointNow().catch((err) => this.log('error', 'checkpoint failed', { err: (err as Error).message }));
          });
        }
      },
    });
    // the unsigned tail (after the last signed checkpoint) must carry the service's tags
    const tree = this.store.treeState().size;
    const bad = this.store.badLeafTags(Math.min(this.signer.lastSigned()?.size ?? 0, tree), tree, 1);
    if (bad.length > 0) this.forgedFrom = bad[0] + 1;
    this.eventStore.setReadFence(() => {
      const size = BigInt(this.store.treeSize());
      return this.forgedFrom !== null && BigInt(this.forgedFrom - 1) < size ? BigInt(this.forgedFrom - 1) : size;
    });
    const blocked = this.appendBlocker();
    if (blocked) void this.report({ ...blocked, detectedBy: 'append' });
    else void this.alarm.drain();
  }

  /** Why appends are refused right now (checked live against the table), or null. */
  appendBlocker(): { kind: string; reason: string; position?: number } | null {
    if (this.forgedFrom !== null) {
      return {
        kind: 'leaf-unauthenticated',
        reason: `position ${this.forgedFrom}: an event and its leaf without the service's authentication tag (written outside the ledger); not adopted, appends refused`,
        position: this.forgedFrom,
      };
    }
    const rows = this.store.unadoptedRows();
    if (rows) {
      return {
        kind: 'unadopted-rows',
        reason: `position ${rows.position}: ${rows.count} row(s) in the events table have no leaf (written outside the ledger); not adopted, appends refused`,
        position: rows.position,
      };
    }
    const size = this.store.treeState().size;
    const head = this.store.headPosition();
    if (size > head) {
      return {
        kind: 'rollback',
        reason: `the Merkle tree covers ${size} events but the events table holds ${head}: positions ${head + 1}..${size} were removed; appends refused`,
        position: head + 1,
      };
    }
    return null;
  }

  health(): LedgerHealth {
    const failure = this.appendBlocker() ?? undefined;
    return { ok: !failure, ...(failure ? { failure } : {}), pendingAlerts: this.alarm.pending().length };
  }

  /** Periodic checkpoints (every T seconds when there is something new) and witness catch-up. */
  startTimer(): void {
    if (this.timer || this.opts.checkpointEverySeconds <= 0) return;
    this.timer = setInterval(() => {
      void this.checkpointNow().catch((err) => this.log('error', 'checkpoint failed', { err: (err as Error).message }));
    }, this.opts.checkpointEverySeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.checkpointing) await this.checkpointing.catch(() => undefined);
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>): void {
    this.opts.log?.(level, msg, extra);
  }

  private async report(f: TamperFinding): Promise<void> {
    const key = `${f.kind}:${f.position ?? ''}:${f.witness ?? ''}:${f.checkpointSize ?? ''}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    if (f.position !== undefined) this.reportedPositions.add(f.position);
    this.log('error', 'LEDGER TAMPERING DETECTED', { kind: f.kind, position: f.position, witness: f.witness });
    try {
      await this.alarm.raise(key, f);
    } catch (e) {
      this.log('error', 'tamper alarm failed', { kind: f.kind, err: (e as Error).message });
    }
  }

  consistency = (m: number, n: number): Buffer[] => consistencyProof(this.store, m, n);

  /** Signs a checkpoint of the current tree (if it grew) and offers it to every witness. Serialized. */
  checkpointNow(): Promise<CheckpointResult | null> {
    if (this.checkpointing) return this.checkpointing.then(() => this.runCheckpoint());
    const p = this.runCheckpoint().finally(() => {
      if (this.checkpointing === p) this.checkpointing = null;
    });
    this.checkpointing = p;
    return p;
  }

  private async runCheckpoint(): Promise<CheckpointResult | null> {
    if (this.stopped) return null;
    this.eventStore.syncCommitted(); // group commits fsync off the event loop: sign only durable leaves
    const tree = this.store.treeState();
    if (tree.size === 0) return null;
    this.pendingSince = 0;
    let cp = this.store.checkpointBySize(tree.size);
    if (!cp) {
      const from = this.signer.lastSigned()?.size ?? 0;
      const bad = this.store.badLeafTags(from, tree.size, 1);
      if (bad.length > 0) {
        const position = bad[0] + 1;
        this.forgedFrom = position;
        await this.report({
          kind: 'leaf-unauthenticated',
          reason: `position ${position}: its leaf carries no valid authentication tag of the service (row and leaf written outside the ledger); refusing to sign`,
          position,
          detectedBy: 'signer',
          checkpointSize: tree.size,
        });
        throw new LedgerIntegrityError(`position ${position}: leaf not authenticated by the service; checkpoint not signed`, position);
      }
      const root = this.store.root();
      let signed;
      try {
        signed = this.signer.sign(tree.size, root, this.consistency);
      } catch (e) {
        if (e instanceof SigningRefusedError) {
          await this.report({ kind: `signer-${e.kind}`, reason: e.message, detectedBy: 'signer', checkpointSize: tree.size });
        }
        throw e;
      }
      const signedAt = this.opts.clock.now().toISOString();
      cp = { size: tree.size, root, note: signed.note, signedAt, cosigned: 0 };
      try {
        this.store.putCheckpoint(cp);
      } catch (e) {
        // another process signed the same size first; use the stored one
        const existing = this.store.checkpointBySize(tree.size);
        if (!existing) throw e;
        cp = existing;
      }
    }
    return this.offerToWitnesses(cp);
  }

  private async offerToWitnesses(cp: StoredCheckpoint): Promise<CheckpointResult> {
    const checkpoint = { origin: this.opts.origin, size: cp.size, root: cp.root };
    // only witnesses whose cosignature this checkpoint still lacks (a down witness catches up here)
    const have = cosignerNames(cp.note, this.policy);
    const pending = this.witnesses.filter((w) => !have.has(w.name));
    if (pending.length === 0)
      return { size: cp.size, root: cp.root.toString('base64'), note: cp.note, cosignatures: cp.cosigned, witnesses: [] };
    const result = await collectCosignatures(cp.note, checkpoint, pending, (name) => this.store.witnessSize(name), this.consistency);
    const at = this.opts.clock.now().toISOString();
    for (const o of result.outcomes) {
      if (o.status === 'cosigned') this.store.recordWitnessSuccess(o.witness, o.size, at);
      else {
        this.store.recordWitnessError(o.witness, o.message);
        if (o.status === 'refused' && (o.httpStatus === 409 || o.httpStatus === 422)) {
          const kind = o.reason ?? (o.heldSize !== undefined && o.heldSize > cp.size ? 'rollback' : 'fork');
          await this.report({
            kind: `witness-${kind}`,
            reason: `witness ${o.witness} refused checkpoint ${cp.size}: ${o.message}`,
            detectedBy: 'witness',
            witness: o.witness,
            checkpointSize: cp.size,
          });
        } else {
          this.log('warn', 'witness did not cosign', { witness: o.witness, status: o.status });
        }
      }
    }
    const cosigned = this.policy.witnessKeys.length ? countCosignatures(result.note, this.policy) : 0;
    this.store.updateCheckpointNote(cp.size, result.note, cosigned);
    return { size: cp.size, root: cp.root.toString('base64'), note: result.note, cosignatures: cosigned, witnesses: result.outcomes };
  }

  /** The best checkpoint covering `size`: the newest with quorum, else sign/offer a fresh one. */
  async checkpointCovering(size: number): Promise<StoredCheckpoint> {
    let cp = this.store.bestCheckpointCovering(size, this.opts.quorum);
    if (cp) return cp;
    await this.checkpointNow();
    cp = this.store.bestCheckpointCovering(size, this.opts.quorum);
    if (cp) return cp;
    const latest = this.store.latestCheckpoint();
    if (!latest || latest.size < size) throw new LedgerIntegrityError(`no signed checkpoint covers position ${size}`);
    throw new LedgerIntegrityError(
      `no checkpoint covering position ${size} has the ${this.opts.quorum} witness cosignature(s) required (witnesses unreachable?)`,
    );
  }

  /** An inclusion proof of one event against the best checkpoint covering it (see ledger-proofs.ts). */
  prove(eventId: string): Promise<InclusionProofResult> {
    return proveInclusion(this.store, eventId, (size) => this.checkpointCovering(size));
  }

  consistencyBetween(m: number, n: number): ConsistencyResult {
    return consistencyBetween(this.store, m, n);
  }

  /** Verification reads the service's parts; its logic lives in ledger-verification.ts. */
  private get verification(): VerificationContext {
    return {
      store: this.store,
      signer: this.signer,
      policy: this.policy,
      witnesses: this.witnesses,
      fileWitnesses: this.fileWitnesses,
      origin: this.opts.origin,
      clock: this.opts.clock,
      databaseFile: this.eventStore.db.name,
      parallelVerifyThreshold: this.opts.parallelVerifyThreshold ?? 200_000,
      report: (f) => this.report(f),
      log: (level, msg, extra) => this.log(level, msg, extra),
    };
  }

  witnessViews(): WitnessView[] {
    return fileWitnessViews(this.verification);
  }

  /** File witnesses' full histories plus each reachable HTTP witness's latest cosigned checkpoint. */
  allWitnessViews(): Promise<{ views: WitnessView[]; unreachable: string[] }> {
    return allWitnessViews(this.verification);
  }

  verify(
    opts: { since?: boolean; onProgress?: (p: number, head: number) => void; pinnedLogKey?: string } = {},
  ): Promise<VerifyReport & { witnessesUnreachable?: string[] }> {
    return verifyIntegrity(this.verification, opts);
  }

  /**
   * `ledger rotate-key`: a transition checkpoint of the current tree signed by the old and the new
   * key, offered to every witness (they learn the new key from it); later checkpoints are signed by
   * the new key only.
   */
  async rotateKey(): Promise<{ from: string; to: string; size: number; witnesses: WitnessOutcome[]; cosignatures: number }> {
    const tree = this.store.treeState();
    if (tree.size === 0) throw new LedgerIntegrityError('the ledger is empty: nothing to sign a transition over');
    const root = this.store.root();
    const t = this.signer.rotate(tree.size, root, this.consistency);
    const result = await collectCosignatures(
      t.note,
      { origin: this.opts.origin, size: tree.size, root },
      this.witnesses,
      (name) => this.store.witnessSize(name),
      this.consistency,
    );
    const at = this.opts.clock.now().toISOString();
    for (const o of result.outcomes) {
      if (o.status === 'cosigned') this.store.recordWitnessSuccess(o.witness, o.size, at);
      else this.log('warn', 'witness did not cosign the key transition', { witness: o.witness, status: o.status });
    }
    this.signer.updateTransitionNote(t.to, result.note);
    this.log('warn', 'LEDGER SIGNING KEY ROTATED: give auditors the new verifier key', { to: t.to, size: t.size });
    return { from: t.from, to: t.to, size: t.size, witnesses: result.outcomes, cosignatures: result.cosigned };
  }

  eventsOfStream(stream: string): RecordedEvent[] {
    return this.store.eventsOfStream(stream);
  }
}

function cosignerNames(note: string, policy: CheckpointPolicy): Set<string> {
  try {
    return new Set(verifyCheckpointNote(note, { ...policy, quorum: 0 }).cosignatures.map((c) => c.name));
  } catch {
    return new Set();
  }
}

function countCosignatures(note: string, policy: CheckpointPolicy): number {
  try {
    return verifyCheckpointNote(note, { ...policy, quorum: 0 }).cosignatures.length;
  } catch {
    return 0;
  }
}

export function defaultKeyDir(dataDir: string): string {
  return path.join(dataDir, 'integrity');
}

/**
 * The integrity layer of the embedded ledger, without Nest: hooks the Merkle tree into the
 * SQLite append transaction, signs checkpoints (every N events, every T seconds, on demand),
 * gets them cosigned by witnesses, serves proofs, verifies, and reports tampering.
 */
import * as path from 'node:path';
import type { Clock } from '../../platform/clock';
import type { RecordedEvent } from '../port';
import type { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { CheckpointPolicy, verifyCheckpointNote } from './checkpoint';
import { collectCosignatures, WitnessOutcome } from './cosigning';
import { FileWitness, WitnessEndpoint } from './file-witness';
import { eventLeafHash } from './hashing';
import { subtreeHash } from './merkle';
import { HttpWitnessClient } from './http-witness';
import { LedgerSigner, SigningRefusedError } from './ledger-signer';
import { Ed25519NoteKey } from './note';
import { consistencyProof, inclusionProof } from './proofs';
import { LedgerIntegrityError, SqliteIntegrityStore, StoredCheckpoint } from './sqlite-integrity-store';
import { parallelScanner } from './parallel-verify';
import { verifyLedger, VerifyReport, WitnessView } from './verify';

export interface IntegrityOptions {
  origin: string;
  /** Where the ledger signing key lives (under the data dir; never the master key's place). */
  keyDir: string;
  checkpointEveryEvents: number;
  checkpointEverySeconds: number;
  fileWitnessDirs: string[];
  httpWitnesses: Array<{ vkey: string; url: string }>;
  quorum: number;
  clock: Clock;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
  /** Verify with worker threads when more than this many events are to be scanned (default 200k). */
  parallelVerifyThreshold?: number;
  /** Called once per distinct finding: the module records LedgerTamperDetected. */
  onTamper?: (finding: TamperFinding) => Promise<void> | void;
}

export interface TamperFinding {
  kind: string;
  reason: string;
  position?: number;
  detectedBy: 'verify' | 'witness' | 'signer' | 'append';
  witness?: string;
  checkpointSize?: number;
}

export interface InclusionProofResult {
  eventId: string;
  position: number;
  leafIndex: number;
  leafHash: string;
  treeSize: number;
  root: string;
  proof: string[];
  checkpoint: string;
  cosignatures: number;
}

export interface CheckpointResult {
  size: number;
  root: string;
  note: string;
  cosignatures: number;
  witnesses: WitnessOutcome[];
}

export class IntegrityService {
  readonly store: SqliteIntegrityStore;
  readonly signer: LedgerSigner;
  readonly fileWitnesses: FileWitness[];
  readonly witnesses: WitnessEndpoint[];
  private pendingSince = 0;
  private timer: NodeJS.Timeout | null = null;
  private checkpointing: Promise<CheckpointResult | null> | null = null;
  private scheduled = false;
  private readonly reported = new Set<string>();
  private stopped = false;

  constructor(
    readonly eventStore: SqliteEventStore,
    readonly opts: IntegrityOptions,
  ) {
    this.store = new SqliteIntegrityStore(eventStore.db);
    this.signer = LedgerSigner.open(opts.keyDir, opts.origin);
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
      logKeys: [this.signer.publicKey],
      witnessKeys: this.witnesses.map((w) => Ed25519NoteKey.fromVerifierKey(w.verifierKey)),
      quorum: this.opts.quorum,
    };
  }

  /** Attaches the append hook (and hashes any events appended before it was attached). */
  attach(): void {
    const store = this.store;
    this.eventStore.addAppendHook({
      onAppend: (db, events) => {
        try {
          store.onAppend(db, events);
        } catch (e) {
          if (e instanceof LedgerIntegrityError) {
            // fail closed: the append is aborted; report after the rollback
            setImmediate(() => void this.report({ kind: 'append-refused', reason: e.message, position: e.position, detectedBy: 'append' }));
          }
          throw e;
        }
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
    this.store.catchUp();
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
    this.log('error', 'LEDGER TAMPERING DETECTED', { kind: f.kind, position: f.position, witness: f.witness });
    try {
      await this.opts.onTamper?.(f);
    } catch (e) {
      this.log('error', 'could not record LedgerTamperDetected', { err: (e as Error).message });
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
    const tree = this.store.treeState();
    if (tree.size === 0) return null;
    this.pendingSince = 0;
    let cp = this.store.checkpointBySize(tree.size);
    if (!cp) {
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

  async prove(eventId: string): Promise<InclusionProofResult> {
    const event = this.store.eventById(eventId);
    if (!event) throw new LedgerIntegrityError(`no event with id ${eventId}`);
    const position = Number(event.position);
    const leaf = this.store.node(0, position - 1);
    if (!leaf) throw new LedgerIntegrityError(`position ${position}: no leaf hash recorded`, position);
    if (!leaf.equals(eventLeafHash(event)))
      throw new LedgerIntegrityError(`position ${position}: the stored event does not match its leaf hash`, position);
    const cp = await this.checkpointCovering(position);
    return {
      eventId,
      position,
      leafIndex: position - 1,
      leafHash: leaf.toString('hex'),
      treeSize: cp.size,
      root: cp.root.toString('base64'),
      proof: inclusionProof(this.store, position - 1, cp.size).map((p) => p.toString('base64')),
      checkpoint: cp.note,
      cosignatures: cp.cosigned,
    };
  }

  consistencyBetween(
    m: number,
    n: number,
  ): { from: number; to: number; fromRoot: string; toRoot: string; proof: string[]; fromCheckpoint?: string; toCheckpoint?: string } {
    const size = this.store.treeState().size;
    if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || n < m) throw new RangeError('sizes must satisfy 1 ≤ from ≤ to');
    if (n > size) throw new RangeError(`to size ${n} is larger than the tree (${size})`);
    const root = (s: number) => (s === size ? this.store.root() : rootOfPrefix(this.store, s));
    return {
      from: m,
      to: n,
      fromRoot: root(m).toString('base64'),
      toRoot: root(n).toString('base64'),
      proof: consistencyProof(this.store, m, n).map((p) => p.toString('base64')),
      fromCheckpoint: this.store.checkpointBySize(m)?.note,
      toCheckpoint: this.store.checkpointBySize(n)?.note,
    };
  }

  witnessViews(): WitnessView[] {
    return this.fileWitnesses.map((w) => ({
      name: w.name,
      history: w.history(this.opts.origin).map((h) => ({ size: h.size, root: h.root })),
      trustedLogKeys: w.trustedLogKeys(),
    }));
  }

  /** File witnesses' full histories plus each reachable HTTP witness's latest cosigned checkpoint. */
  async allWitnessViews(): Promise<{ views: WitnessView[]; unreachable: string[] }> {
    const views = this.witnessViews();
    const unreachable: string[] = [];
    for (const w of this.witnesses) {
      if (!(w instanceof HttpWitnessClient)) continue;
      let note: string | null;
      try {
        note = await w.latest(this.opts.origin);
      } catch (e) {
        unreachable.push(w.name);
        this.log('warn', 'witness not consulted by verify', { witness: w.name, err: (e as Error).message });
        continue;
      }
      if (!note) continue;
      try {
        // only what carries both the log signature and this witness's own cosignature counts
        const v = verifyCheckpointNote(note, { ...this.policy, witnessKeys: [Ed25519NoteKey.fromVerifierKey(w.verifierKey)], quorum: 1 });
        views.push({ name: w.name, history: [{ size: v.checkpoint.size, root: v.checkpoint.root }] });
      } catch (e) {
        views.push({
          name: w.name,
          history: [],
          error: `the checkpoint witness ${w.name} holds does not verify under the ledger's current key: ${(e as Error).message}`,
        });
      }
    }
    return { views, unreachable };
  }

  async verify(
    opts: { since?: boolean; onProgress?: (p: number, head: number) => void } = {},
  ): Promise<VerifyReport & { witnessesUnreachable?: string[] }> {
    const { views, unreachable } = await this.allWitnessViews();
    const head = this.store.headPosition();
    const from = opts.since ? (this.store.verifiedState()?.size ?? 0) : 0;
    const threshold = this.opts.parallelVerifyThreshold ?? 200_000;
    const scanner =
      head - from > threshold && this.eventStore.db.name !== ':memory:'
        ? parallelScanner(this.eventStore.db.name, this.store, head)
        : undefined;
    const report = await verifyLedger(this.store, this.policy, views, { ...opts, scanner, now: () => this.opts.clock.now().toISOString() });
    if (unreachable.length > 0) (report as VerifyReport & { witnessesUnreachable?: string[] }).witnessesUnreachable = unreachable;
    if (!report.ok) await this.report({ kind: report.kind, reason: report.reason, position: report.position, detectedBy: 'verify' });
    return report;
  }

  eventsOfStream(stream: string): RecordedEvent[] {
    return this.store.eventsOfStream(stream);
  }
}

function rootOfPrefix(store: SqliteIntegrityStore, size: number): Buffer {
  return subtreeHash(store, 0, size);
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

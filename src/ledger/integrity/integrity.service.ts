/**
 * The integrity layer of the embedded ledger, without Nest: hooks the Merkle tree into the
 * SQLite append transaction, signs checkpoints (every N events, every T seconds, on demand),
 * gets them cosigned by witnesses, serves proofs, verifies, and reports tampering.
 */
import * as path from 'node:path';
import type { Clock } from '../../platform/clock';
import type { RecordedEvent } from '../port';
import type { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { CheckpointPolicy, parseCheckpoint, verifyCheckpointNote } from './checkpoint';
import { collectCosignatures, WitnessOutcome } from './cosigning';
import { FileWitness, WitnessEndpoint } from './file-witness';
import { EventAuthKey } from './event-auth';
import { eventLeafHash } from './hashing';
import { subtreeHash } from './merkle';
import { HttpWitnessClient } from './http-witness';
import { LedgerSigner, SigningRefusedError } from './ledger-signer';
import { checkTransitions } from './key-rotation';
import { Ed25519NoteKey, parseNote } from './note';
import { consistencyProof, inclusionProof } from './proofs';
import { LedgerIntegrityError, SqliteIntegrityStore, StoredCheckpoint } from './sqlite-integrity-store';
import { parallelScanner } from './parallel-verify';
import { AlarmMailer, TamperAlarm } from './tamper-alarm';
import { verifyLedger, VerifyReport, WitnessView } from './verify';

export interface IntegrityOptions {
  origin: string;
  /**
   * Where the ledger signing key and the event authentication key live: beside the master key,
   * outside the data folder (never the master key itself).
   */
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
  /** Called once per distinct finding: the module records LedgerTamperDetected (retried while it throws). */
  onTamper?: (finding: TamperFinding) => Promise<void> | void;
  /** Direct mail to the security officers (the ledger may be what is broken). */
  mailer?: AlarmMailer;
  officers?: string[];
}

export interface LedgerHealth {
  ok: boolean;
  /** Why appends are refused (rows without leaves, a tree longer than the table). */
  failure?: { kind: string; reason: string; position?: number };
  pendingAlerts: number;
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
  readonly alarm: TamperAlarm;
  /** First position (1-based) of a leaf without a valid authentication tag: never read, nothing appended on top. */
  private forgedFrom: number | null = null;
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
    opts: { since?: boolean; onProgress?: (p: number, head: number) => void; pinnedLogKey?: string } = {},
  ): Promise<VerifyReport & { witnessesUnreachable?: string[] }> {
    const rotation = checkTransitions(this.signer.transitions(), this.store.checkpoints(), this.policy.origin);
    if (rotation) {
      await this.report({ kind: rotation.kind, reason: rotation.reason, position: rotation.position, detectedBy: 'verify' });
      return rotation;
    }
    // a pinned key is good if it is the current key or one the chain of transitions retired
    const chain = new Set([this.signer.verifierKey, ...this.signer.transitions().map((t) => t.from)]);
    if (opts.pinnedLogKey !== undefined && !chain.has(opts.pinnedLogKey)) {
      const report: VerifyReport = {
        ok: false,
        kind: 'untrusted-key',
        reason: `the ledger's signing key (${this.signer.verifierKey}) is not the pinned key: the key folder was replaced, or the pin is stale (rotated?)`,
      };
      await this.report({ kind: report.kind, reason: report.reason, detectedBy: 'verify' });
      return report;
    }
    const { views, unreachable } = await this.allWitnessViews();
    const head = this.store.headPosition();
    const from = opts.since ? (this.store.verifiedState()?.size ?? 0) : 0;
    const threshold = this.opts.parallelVerifyThreshold ?? 200_000;
    const scanner =
      head - from > threshold && this.eventStore.db.name !== ':memory:'
        ? parallelScanner(this.eventStore.db.name, this.store, head)
        : undefined;
    // each transition checkpoint is an expectation like a witness's copy: its root must be the tree's
    for (const t of this.signer.transitions()) {
      const c = parseCheckpoint(parseNote(t.note).text);
      views.push({
        name: `key transition to ${Ed25519NoteKey.fromVerifierKey(t.to).keyId.toString('hex')}`,
        history: [{ size: c.size, root: c.root }],
      });
    }
    const report = await verifyLedger(this.store, this.policy, views, { ...opts, scanner, now: () => this.opts.clock.now().toISOString() });
    if (unreachable.length > 0) (report as VerifyReport & { witnessesUnreachable?: string[] }).witnessesUnreachable = unreachable;
    if (!report.ok) await this.report({ kind: report.kind, reason: report.reason, position: report.position, detectedBy: 'verify' });
    return report;
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

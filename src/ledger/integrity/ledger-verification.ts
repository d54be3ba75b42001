/**
 * `ledger verify` as run by the service: the key-rotation chain, the pinned log key, every
 * witness's view of the log (file witnesses' histories, HTTP witnesses' latest cosigned
 * checkpoint, key-transition checkpoints), then the full scan (worker threads for large ledgers).
 */
import { CheckpointPolicy, parseCheckpoint, verifyCheckpointNote } from './checkpoint';
import type { FileWitness, WitnessEndpoint } from './file-witness';
import { HttpWitnessClient } from './http-witness';
import type { TamperFinding } from './integrity-types';
import { checkTransitions } from './key-rotation';
import type { LedgerSigner } from './ledger-signer';
import { Ed25519NoteKey, parseNote } from './note';
import { parallelScanner } from './parallel-verify';
import type { SqliteIntegrityStore } from './sqlite-integrity-store';
import { verifyLedger, VerifyReport, WitnessView } from './verify';
import type { Clock } from '../../platform/clock';

export interface VerificationContext {
  store: SqliteIntegrityStore;
  signer: LedgerSigner;
  policy: CheckpointPolicy;
  witnesses: WitnessEndpoint[];
  fileWitnesses: FileWitness[];
  origin: string;
  clock: Clock;
  /** The SQLite file the worker threads open (':memory:' scans in this thread). */
  databaseFile: string;
  parallelVerifyThreshold: number;
  report: (f: TamperFinding) => Promise<void>;
  log: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
}

export function fileWitnessViews(ctx: VerificationContext): WitnessView[] {
  return ctx.fileWitnesses.map((w) => ({
    name: w.name,
    history: w.history(ctx.origin).map((h) => ({ size: h.size, root: h.root })),
    trustedLogKeys: w.trustedLogKeys(),
  }));
}

/** File witnesses' full histories plus each reachable HTTP witness's latest cosigned checkpoint. */
export async function allWitnessViews(ctx: VerificationContext): Promise<{ views: WitnessView[]; unreachable: string[] }> {
  const views = fileWitnessViews(ctx);
  const unreachable: string[] = [];
  for (const w of ctx.witnesses) {
    if (!(w instanceof HttpWitnessClient)) continue;
    let note: string | null;
    try {
      note = await w.latest(ctx.origin);
    } catch (e) {
      unreachable.push(w.name);
      ctx.log('warn', 'witness not consulted by verify', { witness: w.name, err: (e as Error).message });
      continue;
    }
    if (!note) continue;
    try {
      // only what carries both the log signature and this witness's own cosignature counts
      const v = verifyCheckpointNote(note, { ...ctx.policy, witnessKeys: [Ed25519NoteKey.fromVerifierKey(w.verifierKey)], quorum: 1 });
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

export async function verifyIntegrity(
  ctx: VerificationContext,
  opts: { since?: boolean; onProgress?: (p: number, head: number) => void; pinnedLogKey?: string } = {},
): Promise<VerifyReport & { witnessesUnreachable?: string[] }> {
  const { store, signer } = ctx;
  const rotation = checkTransitions(signer.transitions(), store.checkpoints(), ctx.policy.origin);
  if (rotation) {
    await ctx.report({ kind: rotation.kind, reason: rotation.reason, position: rotation.position, detectedBy: 'verify' });
    return rotation;
  }
  // a pinned key is good if it is the current key or one the chain of transitions retired
  const chain = new Set([signer.verifierKey, ...signer.transitions().map((t) => t.from)]);
  if (opts.pinnedLogKey !== undefined && !chain.has(opts.pinnedLogKey)) {
    const report: VerifyReport = {
      ok: false,
      kind: 'untrusted-key',
      reason: `the ledger's signing key (${signer.verifierKey}) is not the pinned key: the key folder was replaced, or the pin is stale (rotated?)`,
    };
    await ctx.report({ kind: report.kind, reason: report.reason, detectedBy: 'verify' });
    return report;
  }
  const { views, unreachable } = await allWitnessViews(ctx);
  const head = store.headPosition();
  const from = opts.since ? (store.verifiedState()?.size ?? 0) : 0;
  const scanner =
    head - from > ctx.parallelVerifyThreshold && ctx.databaseFile !== ':memory:'
      ? parallelScanner(ctx.databaseFile, store, head)
      : undefined;
  // each transition checkpoint is an expectation like a witness's copy: its root must be the tree's
  for (const t of signer.transitions()) {
    const c = parseCheckpoint(parseNote(t.note).text);
    views.push({
      name: `key transition to ${Ed25519NoteKey.fromVerifierKey(t.to).keyId.toString('hex')}`,
      history: [{ size: c.size, root: c.root }],
    });
  }
  const report = await verifyLedger(store, ctx.policy, views, { ...opts, scanner, now: () => ctx.clock.now().toISOString() });
  if (unreachable.length > 0) (report as VerifyReport & { witnessesUnreachable?: string[] }).witnessesUnreachable = unreachable;
  if (!report.ok) await ctx.report({ kind: report.kind, reason: report.reason, position: report.position, detectedBy: 'verify' });
  return report;
}

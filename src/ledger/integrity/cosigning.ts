/**
 * The log side of witnessing: offer a signed checkpoint to every witness with a consistency
 * proof from the size that witness last cosigned, collect the cosignatures. A witness that is
 * down is reported as unreachable and never blocks anything; next time it is offered the
 * newest checkpoint with a proof from its own last size, so it catches up in one request.
 */
import type { AddCheckpointResult, WitnessEndpoint } from './file-witness';
import { addSignatureLines, Ed25519NoteKey, verifyNoteSignatures } from './note';
import type { Checkpoint } from './checkpoint';

export type WitnessOutcome =
  | { witness: string; status: 'cosigned'; cosignatures: string; size: number }
  | { witness: string; status: 'unreachable'; message: string }
  | { witness: string; status: 'refused'; httpStatus: number; reason?: string; message: string; heldSize?: number };

export interface CosignResult {
  note: string;
  outcomes: WitnessOutcome[];
  cosigned: number;
}

export async function collectCosignatures(
  note: string,
  checkpoint: Checkpoint,
  witnesses: readonly WitnessEndpoint[],
  /** The size each witness is believed to hold (what we last had cosigned), 0 if never. */
  knownSize: (witness: string) => number,
  consistency: (from: number, to: number) => Buffer[],
): Promise<CosignResult> {
  const outcomes = await Promise.all(witnesses.map((w) => offer(w, note, checkpoint, knownSize(w.name), consistency)));
  let out = note;
  let cosigned = 0;
  for (const o of outcomes) {
    if (o.status === 'cosigned') {
      out = addSignatureLines(out, o.cosignatures);
      cosigned += 1;
    }
  }
  return { note: out, outcomes, cosigned };
}

async function offer(
  w: WitnessEndpoint,
  note: string,
  cp: Checkpoint,
  known: number,
  consistency: (from: number, to: number) => Buffer[],
): Promise<WitnessOutcome> {
  let old = known <= cp.size ? known : 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    let r: AddCheckpointResult;
    try {
      r = await w.addCheckpoint({ oldSize: old, proof: consistency(old, cp.size), note });
    } catch (e) {
      return { witness: w.name, status: 'unreachable', message: (e as Error).message };
    }
    if (r.status === 200) {
      // Keep only cosignature lines that verify under this witness's key.
      const key = Ed25519NoteKey.fromVerifierKey(w.verifierKey);
      try {
        const v = verifyNoteSignatures(addSignatureLines(note, r.cosignatures), [key]);
        if (v.verified.length === 0)
          return { witness: w.name, status: 'refused', httpStatus: 200, message: 'witness returned no cosignature under its key' };
      } catch (e) {
        return {
          witness: w.name,
          status: 'refused',
          httpStatus: 200,
          message: `witness returned a bad cosignature: ${(e as Error).message}`,
        };
      }
      const line = r.cosignatures
        .split('\n')
        .filter((l) => l.startsWith(`\u2014 ${w.name} `))
        .map((l) => `${l}\n`)
        .join('');
      return { witness: w.name, status: 'cosigned', cosignatures: line, size: cp.size };
    }
    if (r.status === 503) return { witness: w.name, status: 'unreachable', message: r.message };
    // Our idea of its size was stale: retry once from the size it holds, if that is not a rollback.
    if (r.status === 409 && r.heldSize !== undefined && r.heldSize !== old && r.heldSize <= cp.size && attempt === 0) {
      old = r.heldSize;
      continue;
    }
    return { witness: w.name, status: 'refused', httpStatus: r.status, reason: r.reason, message: r.message, heldSize: r.heldSize };
  }
  return { witness: w.name, status: 'refused', httpStatus: 409, message: 'witness size kept changing' };
}

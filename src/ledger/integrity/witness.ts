/**
 * Witness decision logic (pure): C2SP tlog-witness add-checkpoint semantics.
 * A witness holds (origin → size, root) of the last checkpoint it cosigned. It cosigns a new
 * checkpoint only if the log signature verifies, the client's old size equals what it holds,
 * and a valid RFC 6962 consistency proof links the held root to the new one. A smaller size
 * is a rollback, a different root at the same size (or an unprovable extension) a fork.
 */
import { Checkpoint, CheckpointError, parseCheckpoint } from './checkpoint';
import { Ed25519NoteKey, KEY_TYPE_COSIGNATURE_V1, NoteError, parseNote } from './note';
import { MAX_PROOF_LENGTH, ProofVerificationError, verifyConsistency } from './proofs';
import { HASH_SIZE } from './hashing';

export interface WitnessRecord {
  origin: string;
  size: number;
  root: Buffer;
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  /** The signed checkpoint note (may carry several signatures). */
  note: string;
}

export type RefusalReason = 'unknown-origin' | 'bad-signature' | 'bad-request' | 'stale-old-size' | 'rollback' | 'fork' | 'bad-proof';

export type WitnessDecision =
  | { accepted: true; checkpoint: Checkpoint; text: string; record: WitnessRecord }
  | {
      accepted: false;
      status: 400 | 403 | 404 | 409 | 422;
      reason: RefusalReason;
      message: string;
      heldSize?: number;
      checkpoint?: Checkpoint;
    };

const refuse = (
  status: 400 | 403 | 404 | 409 | 422,
  reason: RefusalReason,
  message: string,
  extra: { heldSize?: number; checkpoint?: Checkpoint } = {},
): WitnessDecision => ({ accepted: false, status, reason, message, ...extra });

/** Decides an add-checkpoint request against the trusted log keys and the held record. */
export function decideAddCheckpoint(
  req: AddCheckpointRequest,
  trustedLogs: ReadonlyMap<string, readonly Ed25519NoteKey[]>,
  held: WitnessRecord | undefined,
): WitnessDecision {
  let text: string;
  let signatures;
  try {
    ({ text, signatures } = parseNote(req.note));
  } catch (e) {
    return refuse(400, 'bad-request', `malformed checkpoint note: ${(e as Error).message}`);
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(text);
  } catch (e) {
    if (e instanceof CheckpointError) return refuse(400, 'bad-request', e.message);
    throw e;
  }
  const keys = trustedLogs.get(checkpoint.origin);
  if (!keys) return refuse(404, 'unknown-origin', 'unknown log origin');
  // Ignore signatures from unknown keys; a known key's line must verify.
  let logSigned = false;
  for (const s of signatures) {
    const k = keys.find((key) => key.name === s.name && key.keyId.equals(s.keyId));
    if (!k) continue;
    if (!k.verifyText(text, s.sig)) return refuse(403, 'bad-signature', `log signature by ${s.name} does not verify`);
    logSigned = true;
  }
  if (!logSigned) return refuse(403, 'bad-signature', 'no signature from a trusted log key');

  if (!Number.isSafeInteger(req.oldSize) || req.oldSize < 0) return refuse(400, 'bad-request', 'old size is not a non-negative integer');
  if (req.proof.length > MAX_PROOF_LENGTH - 1 || req.proof.some((p) => p.length !== HASH_SIZE)) {
    return refuse(400, 'bad-request', 'consistency proof lines must be at most 63 base64 32-byte hashes');
  }
  if (req.oldSize > checkpoint.size)
    return refuse(400, 'bad-request', `old size ${req.oldSize} is larger than checkpoint size ${checkpoint.size}`);
  const heldSize = held?.size ?? 0;
  if (held && checkpoint.size < held.size) {
    return refuse(409, 'rollback', `checkpoint size ${checkpoint.size} is smaller than the cosigned size ${held.size} (rollback)`, {
      heldSize,
      checkpoint,
    });
  }
  if (req.oldSize !== heldSize) {
    return refuse(409, 'stale-old-size', `old size ${req.oldSize} does not match the cosigned size ${heldSize}`, { heldSize, checkpoint });
  }
  if (!held) {
    if (req.proof.length !== 0) return refuse(422, 'bad-proof', 'a consistency proof from size 0 must be empty', { checkpoint });
  } else if (held.size === checkpoint.size) {
    if (!held.root.equals(checkpoint.root)) {
      return refuse(409, 'fork', `a different root at the cosigned size ${held.size} (fork)`, { heldSize, checkpoint });
    }
    if (req.proof.length !== 0) return refuse(422, 'bad-proof', 'a consistency proof between equal sizes must be empty', { checkpoint });
  } else {
    try {
      verifyConsistency(held.size, checkpoint.size, held.root, checkpoint.root, req.proof);
    } catch (e) {
      if (e instanceof ProofVerificationError) {
        return refuse(422, 'bad-proof', `not consistent with the cosigned checkpoint of size ${held.size}: ${e.message}`, {
          heldSize,
          checkpoint,
        });
      }
      throw e;
    }
  }
  return { accepted: true, checkpoint, text, record: { origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root } };
}

/** The cosignature line(s) a witness returns for an accepted checkpoint text. */
export function cosign(key: Ed25519NoteKey, text: string, timestampSeconds: number): string {
  if (key.type !== KEY_TYPE_COSIGNATURE_V1) throw new NoteError('a witness cosigns with a cosignature/v1 (0x04) key');
  return key.signatureLine(text, timestampSeconds);
}

// ---- C2SP tlog-witness add-checkpoint request body -------------------------------------------

export function encodeAddCheckpoint(req: AddCheckpointRequest): string {
  return `old ${req.oldSize}\n${req.proof.map((p) => `${p.toString('base64')}\n`).join('')}\n${req.note}`;
}

export function decodeAddCheckpoint(body: string): AddCheckpointRequest {
  const firstBlank = body.indexOf('\n\n');
  if (firstBlank < 0) throw new WitnessProtocolError('request body needs an old size line, proof lines, an empty line and a checkpoint');
  const head = body.slice(0, firstBlank).split('\n');
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0]);
  if (!m) throw new WitnessProtocolError('first line must be "old <size>"');
  const proofLines = head.slice(1);
  if (proofLines.length > 63) throw new WitnessProtocolError('more than 63 consistency proof lines');
  const proof = proofLines.map((l, i) => {
    const b = Buffer.from(l, 'base64');
    if (b.length !== HASH_SIZE || b.toString('base64') !== l)
      throw new WitnessProtocolError(`proof line ${i + 1} is not a base64 32-byte hash`);
    return b;
  });
  return { oldSize: Number(m[1]), proof, note: body.slice(firstBlank + 2) };
}

export class WitnessProtocolError extends Error {
  readonly code = 'WITNESS_PROTOCOL';
  constructor(message: string) {
    super(message);
    this.name = 'WitnessProtocolError';
  }
}

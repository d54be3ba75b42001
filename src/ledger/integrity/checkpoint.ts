/**
 * C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint):
 *   <origin>\n<decimal size>\n<base64 root>\n[extension lines]
 * and their verification as signed notes: the log's own signature plus k-of-n witness
 * cosignatures.
 */
import { HASH_SIZE } from './hashing';
import { Ed25519NoteKey, KEY_TYPE_COSIGNATURE_V1, KEY_TYPE_ED25519, NoteError, verifyNoteSignatures, VerifiedSignature } from './note';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions?: string[];
}

export class CheckpointError extends Error {
  readonly code = 'CHECKPOINT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export function formatCheckpoint(c: Checkpoint): string {
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (!c.origin || /[\n\r]/.test(c.origin) || /[\u0000-\u001f]/.test(c.origin))
    throw new CheckpointError('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw new CheckpointError('checkpoint size must be a non-negative integer');
  if (c.root.length !== HASH_SIZE) throw new CheckpointError('checkpoint root must be 32 bytes');
  const ext = (c.extensions ?? []).map((e) => {
    if (!e || /[\n\r]/.test(e)) throw new CheckpointError('extension lines must be non-empty single lines');
    return `${e}\n`;
  });
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n${ext.join('')}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new CheckpointError('checkpoint must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('checkpoint needs origin, size and root lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!origin) throw new CheckpointError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine)) throw new CheckpointError('checkpoint size is not a decimal without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw new CheckpointError('checkpoint size is too large');
  const root = Buffer.from(rootLine, 'base64');
  if (root.length !== HASH_SIZE || root.toString('base64') !== rootLine)
    throw new CheckpointError('checkpoint root is not a base64 32-byte hash');
  if (extensions.some((e) => e === '')) throw new CheckpointError('checkpoint has an empty extension line');
  return { origin, size, root, extensions };
}

export interface CheckpointPolicy {
  origin: string;
  /** The log's note-signing key(s) (type 0x01). At least one must sign. */
  logKeys: Ed25519NoteKey[];
  /** Witness cosigner keys (type 0x04); `quorum` of them must cosign. */
  witnessKeys: Ed25519NoteKey[];
  quorum: number;
}

export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  text: string;
  logSignatures: VerifiedSignature[];
  cosignatures: VerifiedSignature[];
}

/** Verifies a signed checkpoint note against a policy, or throws CheckpointError naming the failure. */
export function verifyCheckpointNote(note: string, policy: CheckpointPolicy): VerifiedCheckpoint {
  let res: ReturnType<typeof verifyNoteSignatures>;
  try {
    res = verifyNoteSignatures(note, [...policy.logKeys, ...policy.witnessKeys]);
  } catch (e) {
    if (e instanceof NoteError) throw new CheckpointError(`checkpoint signature check failed: ${e.message}`);
    throw e;
  }
  const checkpoint = parseCheckpoint(res.text);
  if (checkpoint.origin !== policy.origin) throw new CheckpointError(`checkpoint origin "${checkpoint.origin}" is not "${policy.origin}"`);
  const logSignatures = res.verified.filter(
    (v) => v.type === KEY_TYPE_ED25519 && policy.logKeys.some((k) => k.keyId.toString('hex') === v.keyId),
  );
  const cosignatures = res.verified.filter(
    (v) => v.type === KEY_TYPE_COSIGNATURE_V1 && policy.witnessKeys.some((k) => k.keyId.toString('hex') === v.keyId),
  );
  if (logSignatures.length === 0) throw new CheckpointError('checkpoint carries no valid log signature');
  if (cosignatures.length < policy.quorum) {
    throw new CheckpointError(`checkpoint has ${cosignatures.length} valid witness cosignature(s); ${policy.quorum} required`);
  }
  return { checkpoint, text: res.text, logSignatures, cosignatures };
}

/** Inclusion and consistency proofs as the API and CLI hand them out (RFC 6962/9162 shapes). */
import { eventLeafHash } from './hashing';
import type { InclusionProofResult } from './integrity-types';
import { subtreeHash } from './merkle';
import { consistencyProof, inclusionProof } from './proofs';
import { LedgerIntegrityError, type SqliteIntegrityStore, type StoredCheckpoint } from './sqlite-integrity-store';

export interface ConsistencyResult {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
  fromCheckpoint?: string;
  toCheckpoint?: string;
}

/** The event's leaf, checked against the stored event, proved against a checkpoint covering it. */
export async function proveInclusion(
  store: SqliteIntegrityStore,
  eventId: string,
  checkpointCovering: (size: number) => Promise<StoredCheckpoint>,
): Promise<InclusionProofResult> {
  const event = store.eventById(eventId);
  if (!event) throw new LedgerIntegrityError(`no event with id ${eventId}`);
  const position = Number(event.position);
  const leaf = store.node(0, position - 1);
  if (!leaf) throw new LedgerIntegrityError(`position ${position}: no leaf hash recorded`, position);
  if (!leaf.equals(eventLeafHash(event)))
    throw new LedgerIntegrityError(`position ${position}: the stored event does not match its leaf hash`, position);
  const cp = await checkpointCovering(position);
  return {
    eventId,
    position,
    leafIndex: position - 1,
    leafHash: leaf.toString('hex'),
    treeSize: cp.size,
    root: cp.root.toString('base64'),
    proof: inclusionProof(store, position - 1, cp.size).map((p) => p.toString('base64')),
    checkpoint: cp.note,
    cosignatures: cp.cosigned,
  };
}

export function consistencyBetween(store: SqliteIntegrityStore, m: number, n: number): ConsistencyResult {
  const size = store.treeState().size;
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || n < m) throw new RangeError('sizes must satisfy 1 ≤ from ≤ to');
  if (n > size) throw new RangeError(`to size ${n} is larger than the tree (${size})`);
  const root = (s: number) => (s === size ? store.root() : subtreeHash(store, 0, s));
  return {
    from: m,
    to: n,
    fromRoot: root(m).toString('base64'),
    toRoot: root(n).toString('base64'),
    proof: consistencyProof(store, m, n).map((p) => p.toString('base64')),
    fromCheckpoint: store.checkpointBySize(m)?.note,
    toCheckpoint: store.checkpointBySize(n)?.note,
  };
}

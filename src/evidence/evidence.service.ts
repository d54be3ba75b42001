/**
 * Auditor evidence export: the incident's events, each with an inclusion proof to a checkpoint
 * that carries the log signature and the required witness cosignatures, the keys, and the
 * standalone verifier, as one ZIP.
 */
import { eventLeafHash } from '../ledger/integrity/hashing';
import type { IntegrityService } from '../ledger/integrity/integrity.service';
import { inclusionProof } from '../ledger/integrity/proofs';
import { LedgerIntegrityError } from '../ledger/integrity/sqlite-integrity-store';
import type { Clock } from '../platform/clock';
import { NotFoundError, ValidationError } from '../platform/errors';
import { buildEvidenceZip } from './bundle';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function exportIncidentEvidence(
  integrity: IntegrityService,
  incidentId: string,
  clock: Clock,
): Promise<{ zip: Buffer; events: number; checkpointSize: number }> {
  if (!UUID.test(incidentId)) throw ValidationError.field('incident', 'must be a UUID');
  const events = integrity.store.eventsOfIncident(incidentId);
  if (events.length === 0) throw new NotFoundError(`no ledger events for incident ${incidentId}`);
  for (const e of events) {
    const p = Number(e.position);
    const stored = integrity.store.node(0, p - 1);
    if (!stored || !stored.equals(eventLeafHash(e))) {
      throw new LedgerIntegrityError(`position ${p}: the stored event does not match its leaf hash; run \`safeharbor ledger verify\``, p);
    }
  }
  const maxPos = Math.max(...events.map((e) => Number(e.position)));
  const cp = await integrity.checkpointCovering(maxPos);
  // completeness: the incident's stream is exported whole (versions 1..n up to the checkpoint), and
  // the log signs where the stream ended in that tree, so a bundle missing any of it fails
  const stream = `incident-${incidentId}`;
  const own = integrity.store.eventsOfStream(stream).filter((e) => Number(e.position) <= cp.size);
  own.forEach((e, i) => {
    if (Number(e.version) !== i + 1)
      throw new LedgerIntegrityError(
        `${stream}: version ${i + 1} is missing from the ledger; run \`safeharbor ledger verify\``,
        Number(e.position),
      );
  });
  const exported = new Set(events.map((e) => e.id));
  for (const e of own) if (!exported.has(e.id)) events.push(e);
  events.sort((a, b) => (a.position < b.position ? -1 : 1));
  const last = own[own.length - 1];
  const streamHeads = integrity.signer.signStreamHeads(cp.size, cp.root, [
    { stream, version: last ? Number(last.version) : 0, position: last ? Number(last.position) : 0 },
  ]);
  const policy = integrity.policy;
  const zip = buildEvidenceZip({
    incidentId,
    origin: integrity.opts.origin,
    generatedAt: clock.now().toISOString(),
    checkpoint: { note: cp.note, size: cp.size, root: cp.root },
    streamHeads,
    keys: { log: integrity.signer.verifierKey, witnesses: policy.witnessKeys.map((k) => k.verifierKey), quorum: policy.quorum },
    events: events
      .filter((e) => Number(e.position) <= cp.size)
      .map((event) => ({ event, inclusionProof: inclusionProof(integrity.store, Number(event.position) - 1, cp.size) })),
  });
  return { zip, events: events.length, checkpointSize: cp.size };
}

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
  const policy = integrity.policy;
  const zip = buildEvidenceZip({
    incidentId,
    origin: integrity.opts.origin,
    generatedAt: clock.now().toISOString(),
    checkpoint: { note: cp.note, size: cp.size, root: cp.root },
    keys: { log: integrity.signer.verifierKey, witnesses: policy.witnessKeys.map((k) => k.verifierKey), quorum: policy.quorum },
    events: events.map((event) => ({ event, inclusionProof: inclusionProof(integrity.store, Number(event.position) - 1, cp.size) })),
  });
  return { zip, events: events.length, checkpointSize: cp.size };
}

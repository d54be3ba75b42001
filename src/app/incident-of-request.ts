import type { Request } from 'express';

/** Looks up the incident a notice batch was drafted for (null when unknown). */
export type BatchIncidentLookup = (batchId: string) => string | null;

/**
 * The incident a write names, so its free text can be screened against that incident's affected
 * people: the incident routes (`/v1/incidents/:id/...`: facts, exceptions, risk rationales,
 * obligations, holds, closing), a notice batch's routes (the batch's incident), and a body that
 * names one (`incidentId`: a notice drafted for an incident; `sourceRef: { kind: 'incident' }`:
 * a risk candidate raised from one). Null when the write names no incident.
 */
export function incidentOfRequest(req: Request & { route?: { path?: string } }, batchIncident: BatchIncidentLookup): string | null {
  const path = req.route?.path ?? '';
  const id = typeof req.params?.id === 'string' ? req.params.id : undefined;
  if (id && /^\/v1\/incidents\/:id(\/|$)/.test(path)) return id;
  if (id && /^\/v1\/notices\/batches\/:id(\/|$)/.test(path)) return batchIncident(id);
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  if (typeof body.incidentId === 'string') return body.incidentId;
  const ref = body.sourceRef as { kind?: unknown; id?: unknown } | undefined;
  if (ref && ref.kind === 'incident' && typeof ref.id === 'string') return ref.id;
  return null;
}

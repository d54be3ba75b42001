/**
 * Checks KurrentDB events' authentication tags (metadata `$eventAuth`, made at append by the
 * adapter with the ledger's event authentication key), and the officer's adoption of events
 * appended before tagging (`ledger adopt-untagged`). See src/ledger/integrity/README.md,
 * "Per-event authentication" and "Adopting untagged events".
 */
import { createHash } from 'node:crypto';
import type { EventStore, RecordedEvent } from '../port';
import { authBytes, EventAuthError, type EventAuthKey } from '../integrity/event-auth';
import { authEnvelopeOf, storedAuthTag } from './kurrentdb-mapping';

export const UNTAGGED_ADOPTION_STREAM = 'integrity-untagged-adoption';
export const LEDGER_UNTAGGED_ADOPTED = 'LedgerUntaggedAdopted';

/** Throws EventAuthError unless the event carries a valid tag of `key`. */
export function checkEventAuth(key: EventAuthKey, e: RecordedEvent): void {
  key.openEvent(authEnvelopeOf(e as unknown as Parameters<typeof authEnvelopeOf>[0]), storedAuthTag(e));
}

/** Why an event fails its tag check, or null when it passes. */
export function eventAuthFailure(key: EventAuthKey, e: RecordedEvent): string | null {
  try {
    checkEventAuth(key, e);
    return null;
  } catch (err) {
    if (err instanceof EventAuthError) return err.message;
    throw err;
  }
}

export interface UntaggedScan {
  through: bigint;
  /** Source positions of events without any tag, up to `through`. */
  positions: bigint[];
  /** SHA-256 (hex) over each untagged event's position and the digest of its canonical envelope. */
  digest: string;
  /** The first event up to `through` with a tag that is present but wrong (a forgery, never adoptable). */
  forged?: { position: bigint; reason: string };
}

/** Scans the source up to `through` for untagged events (what an adoption would accept). */
export async function scanUntagged(source: EventStore, key: EventAuthKey, through: bigint): Promise<UntaggedScan> {
  const h = createHash('sha256');
  const positions: bigint[] = [];
  let after = 0n;
  for (;;) {
    const page = await source.readAll({ after, maxCount: 500 });
    for (const e of page.events) {
      if (e.position > through) return { through, positions, digest: h.digest('hex') };
      if (storedAuthTag(e) === undefined) {
        positions.push(e.position);
        const env = authBytes(authEnvelopeOf(e as unknown as Parameters<typeof authEnvelopeOf>[0]));
        h.update(`${e.position}\n${createHash('sha256').update(env).digest('hex')}\n`);
        continue;
      }
      const reason = eventAuthFailure(key, e);
      if (reason) return { through, positions, digest: h.digest('hex'), forged: { position: e.position, reason } };
    }
    after = page.lastPosition;
    if (page.isEnd) return { through, positions, digest: h.digest('hex') };
  }
}

export interface UntaggedAdoption {
  through: string;
  count: number;
  digest: string;
  firstPosition?: string;
  lastPosition?: string;
}

/**
 * The untagged source positions the mirror may adopt: those of every recorded, authenticated
 * adoption whose digest still matches the store (re-scanned each time, so an event slipped in
 * below `through` afterwards voids the adoption instead of riding on it).
 */
export async function acceptedUntagged(source: EventStore, key: EventAuthKey): Promise<Set<bigint>> {
  const accepted = new Set<bigint>();
  for (const a of await source.readStream(UNTAGGED_ADOPTION_STREAM)) {
    if (a.type !== LEDGER_UNTAGGED_ADOPTED || eventAuthFailure(key, a) !== null) continue;
    const d = a.data as unknown as UntaggedAdoption;
    if (typeof d.through !== 'string' || !/^[0-9]+$/.test(d.through)) continue;
    const scan = await scanUntagged(source, key, BigInt(d.through));
    if (scan.forged || scan.digest !== d.digest || scan.positions.length !== d.count) continue;
    for (const p of scan.positions) accepted.add(p);
  }
  return accepted;
}

export class AdoptionRefusedError extends Error {
  readonly code = 'LEDGER_ADOPTION_REFUSED';
}

/**
 * `ledger adopt-untagged --through P`: an officer accepts the untagged events up to source
 * position P (appended before tagging) as the ledger's own. Recorded as a LedgerUntaggedAdopted
 * event (tagged, like every append) with their count, first and last position and a digest; the
 * mirror re-checks the digest before adopting any of them. Refused when an event up to P carries
 * a wrong tag (a forgery, not a legacy event) or when there is nothing untagged to adopt.
 */
export async function adoptUntagged(
  source: EventStore & { readonly eventAuth?: EventAuthKey },
  through: bigint,
  actor: { id: string; role: string },
  ids: { eventId: string; correlationId: string; occurredAt: string },
): Promise<UntaggedAdoption & { position: string }> {
  const key = source.eventAuth;
  if (!key) throw new AdoptionRefusedError('the ledger has no event authentication key configured');
  const scan = await scanUntagged(source, key, through);
  if (scan.forged) {
    throw new AdoptionRefusedError(
      `source position ${scan.forged.position}: ${scan.forged.reason}. A wrong tag is a forgery, not an event from before tagging: not adoptable`,
    );
  }
  if (scan.positions.length === 0) throw new AdoptionRefusedError(`no untagged event up to source position ${through}: nothing to adopt`);
  const data: UntaggedAdoption = {
    through: String(through),
    count: scan.positions.length,
    digest: scan.digest,
    firstPosition: String(scan.positions[0]),
    lastPosition: String(scan.positions[scan.positions.length - 1]),
  };
  const r = await source.append(
    UNTAGGED_ADOPTION_STREAM,
    [
      {
        id: ids.eventId,
        type: LEDGER_UNTAGGED_ADOPTED,
        schemaVersion: 1,
        data: { ...data },
        metadata: { actor, correlationId: ids.correlationId, occurredAt: ids.occurredAt },
      },
    ],
    'any',
  );
  return { ...data, position: String(r.lastPosition) };
}

export interface EventAuthReport {
  ok: boolean;
  checked: number;
  adoptedUntagged: number;
  /** First source position whose event is not authenticated (and not adopted). */
  position?: string;
  eventId?: string;
  reason?: string;
}

/** `ledger verify` on KurrentDB: every event's tag, from the start; names the first bad position. */
export async function verifyEventTags(source: EventStore, key: EventAuthKey): Promise<EventAuthReport> {
  const accepted = await acceptedUntagged(source, key);
  let checked = 0;
  let adopted = 0;
  let after = 0n;
  for (;;) {
    const page = await source.readAll({ after, maxCount: 500 });
    for (const e of page.events) {
      checked += 1;
      const failure = eventAuthFailure(key, e);
      if (failure === null) continue;
      if (accepted.has(e.position) && storedAuthTag(e) === undefined) {
        adopted += 1;
        continue;
      }
      return {
        ok: false,
        checked,
        adoptedUntagged: adopted,
        position: String(e.position),
        eventId: e.id,
        reason: failure.replace(`event ${e.id}: `, ''),
      };
    }
    after = page.lastPosition;
    if (page.isEnd) return { ok: true, checked, adoptedUntagged: adopted };
  }
}

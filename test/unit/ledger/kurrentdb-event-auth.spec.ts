/**
 * The MAC a KurrentDB event carries (metadata `$eventAuth`): HMAC-SHA-256 by the ledger's event
 * authentication key over stream, type, schema version, data, metadata (without the tag) and id.
 * Changing any of them, dropping the tag or using another key is refused.
 */
import { randomBytes } from 'node:crypto';
import { EventAuthKey } from '../../../src/ledger/integrity/event-auth';
import { eventAuthFailure } from '../../../src/ledger/kurrentdb/event-auth-check';
import { META_EVENT_AUTH, toEventData, toRecorded } from '../../../src/ledger/kurrentdb/kurrentdb-mapping';
import type { KdbRecordedEvent } from '../../../src/ledger/kurrentdb/client-surface';
import type { NewEvent } from '../../../src/ledger/port';

const key = EventAuthKey.fromBytes(randomBytes(32));
const stream = 'incident-0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b';
const event: NewEvent = {
  id: '0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5c',
  type: 'IncidentReported',
  schemaVersion: 1,
  data: { incidentId: 'inc-1', counts: [1, 2, 3], nested: { a: true } },
  metadata: { actor: { id: 'u-1', role: 'compliance-officer' }, correlationId: 'c-1', occurredAt: '2025-03-10T12:00:00.000Z' },
};

/** What the server stores and a read returns, from what the adapter sends. */
function stored(mutate: (rec: KdbRecordedEvent) => void = () => undefined, signWith = key): KdbRecordedEvent {
  const d = toEventData(event, '2025-03-10T12:00:01.000Z', 'w-1', stream, signWith);
  const rec: KdbRecordedEvent = {
    streamId: stream,
    id: d.id,
    revision: 0n,
    type: d.type,
    isJson: true,
    created: new Date(),
    data: JSON.parse(JSON.stringify(d.data)),
    metadata: JSON.parse(JSON.stringify(d.metadata)),
    position: { commit: 4096n, prepare: 4096n },
  };
  mutate(rec);
  return rec;
}

const failure = (rec: KdbRecordedEvent) => eventAuthFailure(key, toRecorded(rec));
const meta = (rec: KdbRecordedEvent) => rec.metadata as Record<string, unknown>;

describe('KurrentDB event authentication tag', () => {
  it('is made at append and verifies on read', () => {
    const rec = stored();
    expect(meta(rec)[META_EVENT_AUTH]).toMatchObject({ v: 1, kid: key.kid, mac: expect.any(String) });
    expect(failure(rec)).toBeNull();
    // the tag is not part of the envelope the rest of the service sees
    expect(Object.keys(toRecorded(rec).metadata)).not.toContain(META_EVENT_AUTH);
    expect(toRecorded(rec).data).toEqual(event.data);
  });

  it.each<[string, (rec: KdbRecordedEvent) => void]>([
    ['stream', (r) => (r.streamId = 'incident-0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5d')],
    ['type', (r) => (r.type = 'PrincipalCreated')],
    ['data value', (r) => ((r.data as Record<string, unknown>).incidentId = 'inc-2')],
    ['data added field', (r) => ((r.data as Record<string, unknown>).role = 'admin')],
    ['nested data', (r) => ((r.data as { nested: { a: boolean } }).nested.a = false)],
    ['metadata actor', (r) => (meta(r).actor = { id: 'u-2', role: 'admin' })],
    ['metadata recordedAt', (r) => (meta(r).recordedAt = '2025-03-10T12:00:02.000Z')],
    ['metadata added key', (r) => (meta(r).causationId = 'c-0')],
    ['schema version', (r) => (meta(r).$schemaVersion = 2)],
    ['event id', (r) => (r.id = '0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5e')],
  ])('refuses a changed %s', (_field, mutate) => {
    expect(failure(stored(mutate))).toMatch(/does not match the event \(forged or altered\)/);
  });

  it('refuses a missing, malformed or foreign-key tag', () => {
    expect(failure(stored((r) => void delete meta(r)[META_EVENT_AUTH]))).toMatch(/no authentication tag/);
    expect(failure(stored((r) => (meta(r)[META_EVENT_AUTH] = { v: 1, kid: key.kid })))).toMatch(/malformed/);
    expect(failure(stored(() => undefined, EventAuthKey.fromBytes(randomBytes(32))))).toMatch(/unknown key/);
    // a tag copied from another event does not fit this one
    const otherTag = toEventData({ ...event, data: { x: 1 } }, '2025-03-10T12:00:01.000Z', 'w-1', stream, key).metadata[META_EVENT_AUTH];
    expect(failure(stored((r) => (meta(r)[META_EVENT_AUTH] = otherTag)))).toMatch(/forged or altered/);
  });

  it('makes no tag without a key (the adapter as before tagging)', () => {
    const d = toEventData(event, '2025-03-10T12:00:01.000Z', 'w-1');
    expect(d.metadata[META_EVENT_AUTH]).toBeUndefined();
  });
});

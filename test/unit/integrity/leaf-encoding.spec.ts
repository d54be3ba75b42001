import fc from 'fast-check';
import { canonicalize } from '../../../src/shared/canonical-json';
import {
  canonicalLeaf,
  eventLeafHash,
  leafBytes,
  leafEnvelope,
  leafHash,
  leafHashOfText,
  spliceLeafText,
} from '../../../src/ledger/integrity/hashing';
import type { RecordedEvent } from '../../../src/ledger/port';

const event = (data: Record<string, unknown>, metaExtra: Record<string, unknown> = {}): RecordedEvent => ({
  id: '0192f0c4-0000-7000-8000-000000000001',
  stream: 'incident-0192f0c4-0000-7000-8000-0000000000aa',
  version: 3n,
  position: 9_007_199_254_740_993n, // beyond 2^53: must stay exact
  type: 'IncidentReported',
  schemaVersion: 2,
  data,
  metadata: {
    actor: { id: 'u', role: 'auditor' },
    correlationId: 'c',
    occurredAt: '2025-01-01T00:00:00.000Z',
    recordedAt: '2025-01-01T00:00:00.001Z',
    ...metaExtra,
  },
});

describe('leaf encoding', () => {
  it('is the RFC 8785 canonical envelope with version/position as decimal strings', () => {
    const e = event({ b: 1, a: { d: [1, 'x'], c: null } });
    const text = leafBytes(e).toString('utf8');
    expect(text).toBe(
      '{"data":{"a":{"c":null,"d":[1,"x"]},"b":1},"id":"0192f0c4-0000-7000-8000-000000000001","metadata":{"actor":{"id":"u","role":"auditor"},"correlationId":"c","occurredAt":"2025-01-01T00:00:00.000Z","recordedAt":"2025-01-01T00:00:00.001Z"},"position":"9007199254740993","schemaVersion":2,"stream":"incident-0192f0c4-0000-7000-8000-0000000000aa","type":"IncidentReported","version":"3"}',
    );
    expect(eventLeafHash(e).equals(leafHash(Buffer.from(text)))).toBe(true);
  });

  it('splicing canonical column texts equals canonicalizing the envelope, for any JSON data', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }), (data, extra) => {
        const e = event(data as Record<string, unknown>, extra as Record<string, unknown>);
        const c = canonicalLeaf(e);
        expect(spliceLeafText({ ...e, dataText: c.dataText, metadataText: c.metadataText })).toBe(canonicalize(leafEnvelope(e)));
        expect(c.leaf.equals(eventLeafHash(e))).toBe(true);
        const text = canonicalize(leafEnvelope(e));
        expect(leafHashOfText(text).equals(leafHash(Buffer.from(text, 'utf8')))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('PHI stays ciphertext in the leaf: the leaf commits to the sealed object only', () => {
    const sealed = { $phi: 1, scope: 'incident:x', iv: 'aXY=', ct: 'Y2lwaGVy', tag: 'dGFn' };
    expect(leafBytes(event({ name: sealed })).toString()).toContain('"ct":"Y2lwaGVy"');
  });
});

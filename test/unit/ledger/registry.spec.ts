import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventRegistry } from '../../../src/ledger/registry';
import { UnknownEventTypeError } from '../../../src/ledger/errors';

/**
 * Upcasters are tested against events stored as fixtures: an old event exactly as it was
 * written, and the data it must read as today.
 */
const registry = new EventRegistry().register({
  type: 'FixtureIncidentNoted',
  schemaVersion: 3,
  upcasters: {
    // v1 → v2: `note` became `summary`
    1: ({ note, ...rest }) => ({ ...rest, summary: note }),
    // v2 → v3: reporter kind added, defaulting to covered-entity
    2: (d) => ({ ...d, reporter: { kind: 'covered-entity' } }),
  },
});

describe('event registry and upcasting', () => {
  const dir = join(__dirname, '../../fixtures/events');
  for (const file of readdirSync(dir).filter((f) => f.startsWith('FixtureIncidentNoted'))) {
    it(`lifts the stored fixture ${file} to the current schema`, () => {
      const fixture = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const lifted = registry.upcast(fixture.stored);
      expect(lifted.schemaVersion).toBe(3);
      expect(lifted.data).toEqual(fixture.expectedData);
    });
  }

  it('leaves current events untouched and refuses unknown types', () => {
    const e = { type: 'FixtureIncidentNoted', schemaVersion: 3, data: { summary: 's', reporter: { kind: 'business-associate' } } };
    expect(registry.upcast(e)).toBe(e);
    expect(() => registry.schemaVersionOf('NoSuchEvent')).toThrow(UnknownEventTypeError);
  });

  it('refuses a definition with a missing upcaster', () => {
    expect(() => new EventRegistry().register({ type: 'Broken', schemaVersion: 2 })).toThrow(/no upcaster from schema version 1/);
  });
});

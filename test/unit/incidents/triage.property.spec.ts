import fc from 'fast-check';
import { addDays, daysBetween } from '../../../src/shared/calendar';
import { JURISDICTIONS } from '../../../src/incidents/domain/triage/jurisdictions';
import { evaluateTriageJson, renderTriageResult } from '../../../src/incidents/domain/triage/triage';
import { loadStateOverlays } from '../../../src/incidents/infrastructure/state-overlays.loader';

const overlays = loadStateOverlays();
const ORDER = ['individual-notice', 'substitute-notice', 'telephone-notice', 'media-notice', 'hhs-notice', 'covered-entity-notice'];

const date = fc.integer({ min: 0, max: 365 * 20 }).map((n) => addDays('2014-01-01', n));
const input = fc.record({
  reporter: fc.constantFrom('covered-entity', 'business-associate'),
  discoveredOn: date,
  affectedByState: fc.dictionary(fc.constantFrom(...JURISDICTIONS, 'unknown'), fc.integer({ min: 0, max: 2000 }), { maxKeys: 6 }),
  imminentMisuse: fc.boolean(),
  hold: fc.option(
    fc.record({
      statement: fc.constantFrom('oral', 'written'),
      offset: fc.integer({ min: -10, max: 70 }),
      length: fc.integer({ min: 0, max: 120 }),
    }),
  ),
  policy: fc.constantFrom('toll', 'strict'),
  insufficientShare: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('triage invariants (property-based)', () => {
  it('order, thresholds and deadlines hold for any valid input', () => {
    fc.assert(
      fc.property(input, (i) => {
        const total = Object.values(i.affectedByState).reduce((a, b) => a + b, 0);
        const raw: Record<string, unknown> = {
          reporter: i.reporter,
          discoveredOn: i.discoveredOn,
          affectedByState: i.affectedByState,
          imminentMisuse: i.imminentMisuse,
          insufficientContact: Math.floor(total * i.insufficientShare),
          lawEnforcementPolicy: i.policy,
        };
        if (i.hold) {
          const madeOn = addDays(i.discoveredOn, i.hold.offset);
          raw.lawEnforcementDelay = { statement: i.hold.statement, madeOn, until: addDays(madeOn, i.hold.length) };
        }
        const r = evaluateTriageJson(raw, overlays);
        // Deterministic and serializable the same way twice.
        expect(renderTriageResult(evaluateTriageJson(raw, overlays))).toBe(renderTriageResult(r));
        expect(r.totalAffected).toBe(total);
        const kinds = r.obligations.map((o) => o.kind);
        const ranks = kinds.map((k) => ORDER.indexOf(k));
        expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
        const media = r.obligations.filter((o) => o.kind === 'media-notice').map((o) => (o as { jurisdiction: string }).jurisdiction);
        expect([...media].sort()).toEqual(media);
        if (i.reporter === 'business-associate') {
          expect(kinds).toEqual(['covered-entity-notice']);
          expect(r.stateObligations).toEqual([]);
        } else {
          const expectedMedia = Object.entries(i.affectedByState)
            .filter(([k, n]) => k !== 'unknown' && n > 500)
            .map(([k]) => k)
            .sort();
          expect(media).toEqual(expectedMedia);
          const hhs = r.obligations.find((o) => o.kind === 'hhs-notice') as { timing: string; dueOn: string };
          expect(hhs.timing).toBe(total >= 500 ? 'contemporaneous' : 'annual');
          if (hhs.timing === 'annual' && !i.hold) {
            expect(hhs.dueOn).toBe(addDays(`${i.discoveredOn.slice(0, 4)}-12-31`, 60));
          }
        }
        for (const o of r.obligations) {
          // A hold only ever delays; nothing is due sooner than discovery + 60 days.
          expect(daysBetween(i.discoveredOn, o.dueOn)).toBeGreaterThanOrEqual(60);
          if (!i.hold && o.kind !== 'hhs-notice') expect(o.dueOn).toBe(addDays(i.discoveredOn, 60));
          if (i.hold && i.policy === 'strict' && o.kind !== 'hhs-notice') {
            const until = r.hold!.until;
            expect(o.dueOn).toBe(addDays(i.discoveredOn, 60) > until ? addDays(i.discoveredOn, 60) : until);
          }
        }
        if (i.hold) {
          const madeOn = addDays(i.discoveredOn, i.hold.offset);
          const cap = i.hold.statement === 'oral' ? addDays(madeOn, 30) : '9999-12-31';
          const until = addDays(madeOn, i.hold.length);
          expect(r.hold).toEqual({ until: until < cap ? until : cap });
        } else {
          expect(r.hold).toBeNull();
        }
        for (const s of r.stateObligations) {
          // Every state obligation has a date (timers need one); the statute's words come with any
          // date that is not a plain clock from discovery.
          expect(s.dueOn >= i.discoveredOn).toBe(true);
          expect(s.dueRule === undefined).toBe(s.dueBasis === 'fixed');
          expect(s.duty.startsWith(s.ruleVersion.split('-')[0].toLowerCase())).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});

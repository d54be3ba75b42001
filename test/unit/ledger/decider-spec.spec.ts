import { deciderSpec } from '../../support/decider-spec';

// A counter that refuses to go below zero: enough to show the helper passes and fails as it should.
type Ev = { type: 'Added'; by: number } | { type: 'Removed'; by: number };
type Cmd = { kind: 'add'; by: number } | { kind: 'remove'; by: number };
const counter = {
  initialState: () => 0,
  evolve: (s: number, e: Ev) => (e.type === 'Added' ? s + e.by : s - e.by),
  decide(c: Cmd, s: number): Ev[] {
    if (c.by === 0) return [];
    if (c.kind === 'remove' && c.by > s) throw Object.assign(new Error('not enough'), { code: 'COUNTER_RULE' });
    return [c.kind === 'add' ? { type: 'Added', by: c.by } : { type: 'Removed', by: c.by }];
  },
};
const spec = deciderSpec(counter);

describe('deciderSpec (Given/When/Then)', () => {
  it('asserts the emitted events, folding given events and earlier commands', () => {
    const r = spec
      .given([{ type: 'Added', by: 2 }])
      .when([
        { kind: 'add', by: 3 },
        { kind: 'remove', by: 4 },
      ])
      .then([{ type: 'Added', by: 3 }, { type: 'Removed' }]);
    expect(r.state).toBe(1);
  });

  it('fails when the events differ in number or content', () => {
    expect(() => spec.when({ kind: 'add', by: 1 }).then([])).toThrow();
    expect(() => spec.when({ kind: 'add', by: 1 }).then([{ type: 'Removed' }])).toThrow();
    expect(() => spec.when({ kind: 'add', by: 0 }).thenNothing()).not.toThrow();
    expect(() => spec.when({ kind: 'add', by: 1 }).thenNothing()).toThrow();
  });

  it('asserts refusals by message or code, and fails when nothing is refused', () => {
    spec
      .given([])
      .when({ kind: 'remove', by: 1 })
      .thenThrows(/not enough/);
    spec.given([]).when({ kind: 'remove', by: 1 }).thenThrows({ code: 'COUNTER_RULE' });
    expect(() => spec.when({ kind: 'add', by: 1 }).thenThrows()).toThrow(/expected the command to be refused/);
    expect(() => spec.when({ kind: 'remove', by: 1 }).thenThrows({ code: 'OTHER' })).toThrow();
  });

  it('builds a history from commands', () => {
    expect(
      spec.history([
        { kind: 'add', by: 2 },
        { kind: 'remove', by: 1 },
      ]),
    ).toEqual([
      { type: 'Added', by: 2 },
      { type: 'Removed', by: 1 },
    ]);
    expect(spec.given(spec.history([{ kind: 'add', by: 5 }])).state()).toBe(5);
  });
});

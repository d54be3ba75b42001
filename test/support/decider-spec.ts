/**
 * Given/When/Then specs for deciders (after Emmett's DeciderSpecification).
 *
 *   const spec = deciderSpec(incidentDecider);
 *   spec.given([reported]).when(cmd).then([expectedEvent]);
 *   spec.given([reported]).when(bad).thenThrows(/discovery/);
 *   const { state, events } = spec.given(history).when(cmd).run();   // for custom assertions
 *
 * `given` takes past events (folded with evolve); `when` takes one command or a list run in
 * order (each decided against the state left by the previous ones). `then` asserts the events
 * emitted by the whole `when` part, in order; partial objects match with toMatchObject.
 */
export interface SpecDecider<State, Command, Event> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface SpecRun<State, Event> {
  /** State after the given events and the emitted events. */
  state: State;
  /** Events emitted by the `when` commands, in order. */
  events: Event[];
}

export interface WhenStep<State, Event> {
  /** The emitted events equal (toMatchObject, element by element, same length) the expected ones. */
  then(expected: ReadonlyArray<Partial<Event> | Record<string, unknown>>): SpecRun<State, Event>;
  /** No events are emitted (the command is an idempotent no-op). */
  thenNothing(): SpecRun<State, Event>;
  /** Some command in `when` throws an error matching the pattern (message) or with this code. */
  thenThrows(match?: RegExp | string | { code?: string; message?: RegExp | string }): void;
  /** Runs and returns state and events for assertions the helpers do not cover. */
  run(): SpecRun<State, Event>;
}

export interface GivenStep<State, Command, Event> {
  when(command: Command | ReadonlyArray<Command>): WhenStep<State, Event>;
  /** State after the given events (no command). */
  state(): State;
}

export interface DeciderSpec<State, Command, Event> {
  given(events?: ReadonlyArray<Event>): GivenStep<State, Command, Event>;
  /** Shorthand for given([]). */
  when(command: Command | ReadonlyArray<Command>): WhenStep<State, Event>;
  /** Folds commands from the initial state into the events they emit: a history for `given`. */
  history(commands: ReadonlyArray<Command>, from?: ReadonlyArray<Event>): Event[];
}

export function deciderSpec<State, Command, Event>(decider: SpecDecider<State, Command, Event>): DeciderSpec<State, Command, Event> {
  const fold = (events: ReadonlyArray<Event>, from = decider.initialState()) => events.reduce((s, e) => decider.evolve(s, e), from);

  const execute = (given: ReadonlyArray<Event>, commands: ReadonlyArray<Command>): SpecRun<State, Event> => {
    let state = fold(given);
    const events: Event[] = [];
    for (const c of commands) {
      const out = decider.decide(c, state);
      state = fold(out, state);
      events.push(...out);
    }
    return { state, events };
  };

  const given = (past: ReadonlyArray<Event> = []): GivenStep<State, Command, Event> => ({
    state: () => fold(past),
    when(command) {
      const commands = (Array.isArray(command) ? command : [command]) as ReadonlyArray<Command>;
      return {
        run: () => execute(past, commands),
        then(expected) {
          const result = execute(past, commands);
          expect(result.events).toHaveLength(expected.length);
          result.events.forEach((e, i) => expect(e).toMatchObject(expected[i] as object));
          return result;
        },
        thenNothing() {
          const result = execute(past, commands);
          expect(result.events).toEqual([]);
          return result;
        },
        thenThrows(match) {
          let caught: unknown;
          try {
            execute(past, commands);
          } catch (err) {
            caught = err;
          }
          if (caught === undefined) throw new Error('expected the command to be refused, but it emitted events');
          if (match === undefined) return;
          const err = caught as { message?: string; code?: string };
          if (match instanceof RegExp || typeof match === 'string') {
            expect(err.message).toMatch(match);
            return;
          }
          if (match.code !== undefined) expect(err.code).toBe(match.code);
          if (match.message !== undefined) expect(err.message).toMatch(match.message);
        },
      };
    },
  });

  return {
    given,
    when: (command) => given([]).when(command),
    history: (commands, from = []) => [...from, ...execute(from, commands).events],
  };
}

import { WrongExpectedVersionError } from './errors';
import type { CommandContext, DomainEvent, Ledger } from './ledger';
import type { ExpectedVersion, RecordedEvent } from './port';

/**
 * Emmett-style decider: state is a left fold of events (evolve); decide turns a command and the
 * current state into new events, or throws a domain error. Both are pure.
 */
export interface Decider<State, Command, Event extends DomainEvent> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export interface HandleOptions {
  /** From If-Match: the version the caller saw. A conflict is then reported, never retried. */
  expectedVersion?: bigint;
  /** Re-load, re-decide and re-append this many times on a conflict (only without expectedVersion). */
  retries?: number;
  /** 'create' requires the stream not to exist; 'update' requires it to exist. */
  mode?: 'create' | 'update' | 'any';
}

export interface HandleResult<State, Event> {
  state: State;
  newEvents: Event[];
  nextExpectedVersion: bigint;
}

export class StreamNotFoundError extends Error {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(readonly stream: string) {
    super(`${stream.split('-')[0]} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/** Folds a stream into state. */
export async function loadState<State, Event extends DomainEvent>(
  ledger: Ledger,
  stream: string,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
): Promise<{ state: State; version: bigint | null; events: RecordedEvent[] }> {
  const events = await ledger.readStream(stream);
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e as unknown as Event);
  return { state, version: events.length ? events[events.length - 1]!.version : null, events };
}

/**
 * Load, decide, append with the expected version. A command handler calls this and nothing
 * else with side effects: mail, jobs and agent commands run later from committed events.
 */
export async function handleCommand<State, Command, Event extends DomainEvent>(
  ledger: Ledger,
  stream: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  ctx: CommandContext,
  options: HandleOptions = {},
): Promise<HandleResult<State, Event>> {
  const retries = options.expectedVersion !== undefined ? 0 : (options.retries ?? 3);
  for (let attempt = 0; ; attempt++) {
    const { state, version } = await loadState(ledger, stream, decider);
    if (options.mode === 'update' && version === null) throw new StreamNotFoundError(stream);
    if (options.expectedVersion !== undefined && version !== options.expectedVersion) {
      throw new WrongExpectedVersionError(stream, options.expectedVersion, version);
    }
    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) return { state, newEvents, nextExpectedVersion: version ?? 0n };
    const expected: ExpectedVersion = version === null ? 'no-stream' : version;
    try {
      const result = await ledger.append(stream, newEvents, expected, ctx);
      // Folded after the append: free-text fields are sealed now, as they will be when loaded.
      let next = state;
      for (const e of newEvents) next = decider.evolve(next, e);
      return { state: next, newEvents, nextExpectedVersion: result.nextExpectedVersion };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError && attempt < retries && options.mode !== 'create') continue;
      throw err;
    }
  }
}

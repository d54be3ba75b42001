import type { Clock } from '../platform/clock';
import { uuidv7 } from '../platform/ids';
import { UnknownEventTypeError } from './errors';
import type {
  Actor,
  AppendResult,
  EventStore,
  ExpectedVersion,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
} from './port';
import type { EventRegistry } from './registry';
import type { EventSealer } from './sealing';

/** What a decider emits: a registered type name and its data (PHI fields already sealed). */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** Who is acting and why: becomes every appended event's metadata. */
export interface CommandContext {
  actor: Actor;
  correlationId: string;
  causationId?: string;
}

export const LEDGER = Symbol('Ledger');

/**
 * The facade contexts use: envelopes (UUIDv7 ids, metadata from the command context and the
 * clock), registered type names only, upcasting on read. Adapters stay behind it.
 */
export class Ledger {
  constructor(
    readonly store: EventStore,
    readonly registry: EventRegistry,
    private readonly clock: Clock,
    /** Seals declared free-text fields before they are stored (src/app wires it; absent in bare ledger tests). */
    private readonly sealer?: EventSealer,
  ) {}

  /**
   * Appends the events; with a sealer, each event's `data` is replaced by its sealed form, so the
   * caller folding them after the append holds what was stored, not the free text.
   */
  async append(
    stream: string,
    events: DomainEvent[],
    expected: ExpectedVersion,
    ctx: CommandContext,
    ids?: string[],
  ): Promise<AppendResult> {
    const occurredAt = this.clock.now().toISOString();
    for (const e of events) if (!this.registry.has(e.type)) throw new UnknownEventTypeError(e.type);
    if (this.sealer) {
      for (const e of events) (e as { data: object }).data = await this.sealer.seal(stream, e.type, e.data as Record<string, unknown>);
    }
    const envelopes = events.map((e, i) => {
      return {
        id: ids?.[i] ?? uuidv7(),
        type: e.type,
        schemaVersion: this.registry.schemaVersionOf(e.type),
        data: e.data as Record<string, unknown>,
        metadata: {
          actor: ctx.actor,
          correlationId: ctx.correlationId,
          ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
          occurredAt,
        },
      };
    });
    return this.store.append(stream, envelopes, expected);
  }

  async readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    const events = await this.store.readStream(stream, options);
    return events.map((e) => this.registry.upcast(e));
  }

  /** A page of the whole ledger in position order, upcast like readStream. */
  async readAll(options?: ReadAllOptions): Promise<ReadAllPage> {
    const page = await this.store.readAll(options);
    return { ...page, events: page.events.map((e) => this.registry.upcast(e)) };
  }

  async streamVersion(stream: string): Promise<bigint | null> {
    return this.store.streamVersion(stream);
  }

  now(): Date {
    return this.clock.now();
  }
}

import { UnknownEventTypeError } from './errors';
import type { RecordedEvent } from './port';

/** Turns the data of schema version n into version n + 1. Pure; tested against stored fixtures. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventTypeDefinition {
  /** The explicit, stable name stored in the ledger. Never a class name; never PHI. */
  type: string;
  /** The version new events are written with. */
  schemaVersion: number;
  /** upcasters[n] lifts version n to n + 1, for every n below schemaVersion. */
  upcasters?: Record<number, Upcaster>;
}

/** Rewrites an event's data as it is read (never as it is stored). */
export type ReadTransform = (stream: string, type: string, data: Record<string, unknown>) => Record<string, unknown>;

/**
 * The registry of every event type the service writes. Appends of unregistered types are
 * refused; reads lift old schema versions to the current one.
 */
export class EventRegistry {
  private readonly types = new Map<string, EventTypeDefinition>();
  private readTransform?: ReadTransform;

  /**
   * A last step of every read after the upcasters (src/app wires one that marks legacy clear free
   * text, src/phi/legacy-text.ts). Reads only: the stored event, its hash and exports are untouched.
   */
  transformOnRead(fn: ReadTransform): this {
    this.readTransform = fn;
    return this;
  }

  register(...defs: EventTypeDefinition[]): this {
    for (const def of defs) {
      const existing = this.types.get(def.type);
      if (existing && existing !== def && existing.schemaVersion !== def.schemaVersion) {
        throw new Error(`event type ${def.type} registered twice with different schema versions`);
      }
      for (let v = 1; v < def.schemaVersion; v++) {
        if (!def.upcasters?.[v]) throw new Error(`event type ${def.type}: no upcaster from schema version ${v}`);
      }
      this.types.set(def.type, def);
    }
    return this;
  }

  /** Shorthand for types still at schema version 1. */
  registerNames(...types: string[]): this {
    return this.register(...types.map((type) => ({ type, schemaVersion: 1 })));
  }

  has(type: string): boolean {
    return this.types.has(type);
  }

  schemaVersionOf(type: string): number {
    const def = this.types.get(type);
    if (!def) throw new UnknownEventTypeError(type);
    return def.schemaVersion;
  }

  /** Lifts an event read from the ledger to its type's current schema version. */
  upcast<E extends Pick<RecordedEvent, 'type' | 'schemaVersion' | 'data'>>(event: E): E {
    const def = this.types.get(event.type);
    let out = event;
    if (def && event.schemaVersion < def.schemaVersion) {
      let data = event.data;
      for (let v = event.schemaVersion; v < def.schemaVersion; v++) data = def.upcasters![v]!(data);
      out = { ...event, data, schemaVersion: def.schemaVersion };
    }
    if (!this.readTransform) return out;
    const stream = (event as { stream?: unknown }).stream;
    const data = this.readTransform(typeof stream === 'string' ? stream : '', out.type, out.data);
    return data === out.data ? out : { ...out, data };
  }

  list(): string[] {
    return [...this.types.keys()].sort();
  }
}

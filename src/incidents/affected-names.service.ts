import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import { LEDGER, type Ledger } from '../ledger/ledger';
import type { ArtifactStore } from '../phi';
import { ARTIFACT_STORE } from '../platform/tokens';
import { KeyedNameSet } from '../shared/name-set';
import type { AffectedIndividual } from './domain/affected-individual';
import { incidentStream, type AffectedListImportedData } from './domain/incident';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AffectedNamesLimits {
  /** Incidents whose name sets are kept (least recently used dropped first). */
  maxIncidents: number;
  /** Bytes of name tables kept across incidents. */
  maxBytes: number;
}

interface Entry {
  digest: string;
  set: KeyedNameSet;
}

/**
 * The names of each incident's affected people, for screening free text that names the incident
 * (issue 14, item 7). Built from the incident's latest encrypted affected list, read as a stream,
 * the first time a write for that incident is screened and again whenever a new list version was
 * imported (the list's digest is checked on every use, so a re-import on another process is seen
 * too). Only keyed hashes are kept (src/shared/name-set.ts), under a secret drawn when the process
 * starts and never stored: a restart forgets every set. Least recently used sets are dropped past
 * 16 incidents or 64 MiB of tables.
 */
@Injectable()
export class AffectedNamesService {
  private readonly secret = randomBytes(32);
  /** Map order is use order: the first entry is the least recently used. */
  private readonly cache = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<Entry>>();
  limits: AffectedNamesLimits = { maxIncidents: 16, maxBytes: 64 * 2 ** 20 };

  constructor(
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** The name set of the incident's current affected list; null when it has no list (or no such incident). */
  async namesFor(incidentId: string): Promise<KeyedNameSet | null> {
    if (!UUID_RE.test(incidentId)) return null;
    const events = await this.ledger.readStream(incidentStream(incidentId));
    const lists = events.filter((e) => e.type === 'AffectedListImported');
    if (lists.length === 0) return null;
    const digest = (lists[lists.length - 1].data as unknown as AffectedListImportedData).digest;
    const hit = this.cache.get(incidentId);
    if (hit && hit.digest === digest) {
      this.cache.delete(incidentId);
      this.cache.set(incidentId, hit);
      return hit.set;
    }
    const key = `${incidentId}\u0000${digest}`;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(incidentId, digest).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    let entry: Entry;
    try {
      entry = await pending;
    } catch {
      // The list cannot be read (its incident's key shredded, its artifact gone): nothing to screen for.
      return null;
    }
    this.cache.delete(incidentId);
    this.cache.set(incidentId, entry);
    this.evict();
    return entry.set;
  }

  /** Incidents cached and the bytes their tables hold (for tests and metrics). */
  stats(): { incidents: number; bytes: number } {
    let bytes = 0;
    for (const e of this.cache.values()) bytes += e.set.byteLength;
    return { incidents: this.cache.size, bytes };
  }

  private async build(incidentId: string, digest: string): Promise<Entry> {
    const key = createHmac('sha256', this.secret).update(`affected-names/v1\u0000${incidentId}`).digest().subarray(0, 16);
    const set = new KeyedNameSet(Buffer.from(key));
    for await (const person of this.artifacts.readNdjson<AffectedIndividual>(digest)) {
      if (typeof person.name === 'string') set.add(person.name);
      if (typeof person.nextOfKin?.name === 'string') set.add(person.nextOfKin.name);
    }
    return { digest, set };
  }

  private evict(): void {
    let { bytes } = this.stats();
    for (const [id, e] of this.cache) {
      if (this.cache.size <= this.limits.maxIncidents && bytes <= this.limits.maxBytes) break;
      if (this.cache.size === 1) break;
      this.cache.delete(id);
      bytes -= e.set.byteLength;
    }
  }
}

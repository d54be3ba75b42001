/**
 * Per-event authentication: an HMAC-SHA256 tag by the appending service's key over what the
 * store fixes at append, so that a row written into the store by anyone without that key (an
 * insider with the data disk or a SQL console) is never adopted into the signed tree.
 *
 * The key lives beside the master key (outside DATA_DIR, 0600), never in the store, so the
 * data disk alone cannot forge a tag. A MAC, not a signature: only the service ever checks it
 * (before adopting a row into the tree or signing a checkpoint over it); auditors check the
 * signed, witnessed checkpoints instead, which cover every adopted event.
 *
 * Two shapes, one key:
 * - `tagLeaf(index, leafHash)`: the embedded SQLite ledger tags each leaf in the append
 *   transaction (table integrity_leaf_auth); the signer re-checks the tags of every leaf a new
 *   checkpoint would cover, and `verify` re-checks those after the last signed checkpoint.
 * - `sealEvent(envelope)` / `openEvent(envelope, tag)`: for stores that cannot write the tree with
 *   the event (KurrentDB, PostgreSQL). The adapter computes the tag at append over the canonical
 *   envelope fields it knows at that moment and carries it in the event (metadata `eventAuth`,
 *   or a column); the integrity side verifies it before mirroring/adopting the event and refuses
 *   (tamper finding with the store position) an event whose tag is absent or wrong.
 *   See README.md "Per-event authentication" for which fields each adapter covers.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalize } from '../../shared/canonical-json';

export const EVENT_AUTH_FIELD = 'eventAuth';
export const EVENT_AUTH_KEY_FILE = 'ledger-event-auth.key';

/** The fields of an event an adapter can commit to at append (version/position only when known). */
export interface AuthEnvelope {
  id: string;
  stream: string;
  type: string;
  schemaVersion: number;
  data: unknown;
  /** The event's metadata without `eventAuth` itself. */
  metadata: Record<string, unknown>;
  version?: bigint | number | string;
  position?: bigint | number | string;
}

/** What an event carries: key id (first 8 bytes of SHA-256 of the key's tag of "kid") and the tag. */
export interface EventAuthTag {
  v: 1;
  kid: string;
  mac: string;
}

export class EventAuthError extends Error {
  readonly code = 'EVENT_AUTH';
  constructor(message: string) {
    super(message);
    this.name = 'EventAuthError';
  }
}

export class EventAuthKey {
  readonly kid: string;
  private constructor(private readonly key: Buffer) {
    this.kid = this.hmac(Buffer.from('safeharbor-event-auth-kid')).subarray(0, 8).toString('hex');
  }

  static fromBytes(key: Buffer): EventAuthKey {
    if (key.length !== 32) throw new Error('event authentication key must be 32 bytes');
    return new EventAuthKey(Buffer.from(key));
  }

  /** Loads `<dir>/ledger-event-auth.key` (0600, base64), creating it on first start. */
  static loadOrCreate(dir: string): { key: EventAuthKey; created: boolean } {
    const file = path.join(dir, EVENT_AUTH_KEY_FILE);
    if (fs.existsSync(file)) {
      const mode = fs.statSync(file).mode & 0o777;
      if (mode & 0o077) throw new Error(`event authentication key ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
      return { key: EventAuthKey.fromBytes(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')), created: false };
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const bytes = randomBytes(32);
    try {
      fs.writeFileSync(file, `${bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return EventAuthKey.loadOrCreate(dir);
      throw e;
    }
    return { key: EventAuthKey.fromBytes(bytes), created: true };
  }

  private hmac(bytes: Buffer | string): Buffer {
    return createHmac('sha256', this.key).update(bytes).digest();
  }

  /** Tag of leaf `index` (0-based) with hash `leaf`: binds the event's bytes to its place in the tree. */
  tagLeaf(index: number, leaf: Buffer): Buffer {
    const b = Buffer.alloc(8 + leaf.length + 1);
    b[0] = 0x4c; // 'L': domain separation from sealEvent
    b.writeBigUInt64BE(BigInt(index), 1);
    leaf.copy(b, 9);
    return this.hmac(b);
  }

  leafTagValid(index: number, leaf: Buffer, tag: Buffer | undefined): boolean {
    if (!tag || tag.length !== 32) return false;
    return timingSafeEqual(this.tagLeaf(index, leaf), tag);
  }

  /** The tag an adapter stores with the event at append. */
  sealEvent(e: AuthEnvelope): EventAuthTag {
    return { v: 1, kid: this.kid, mac: this.hmac(authBytes(e)).toString('base64') };
  }

  /** Throws EventAuthError unless `tag` authenticates `e` under this key. */
  openEvent(e: AuthEnvelope, tag: unknown): void {
    const t = tag as Partial<EventAuthTag> | undefined;
    if (!t || typeof t !== 'object') throw new EventAuthError(`event ${e.id}: no authentication tag (not appended by the service)`);
    if (t.v !== 1 || typeof t.mac !== 'string') throw new EventAuthError(`event ${e.id}: malformed authentication tag`);
    if (t.kid !== this.kid) throw new EventAuthError(`event ${e.id}: tagged by an unknown key ${String(t.kid).slice(0, 16)}`);
    const mac = Buffer.from(t.mac, 'base64');
    if (mac.length !== 32 || !timingSafeEqual(mac, this.hmac(authBytes(e))))
      throw new EventAuthError(`event ${e.id}: authentication tag does not match the event (forged or altered)`);
  }
}

/** Canonical bytes the event tag covers: RFC 8785 JSON, integers as decimal strings, a domain prefix. */
export function authBytes(e: AuthEnvelope): string {
  const { [EVENT_AUTH_FIELD]: _omit, ...metadata } = e.metadata;
  const env: Record<string, unknown> = {
    data: e.data,
    id: e.id,
    metadata,
    schemaVersion: String(e.schemaVersion),
    stream: e.stream,
    type: e.type,
  };
  if (e.version !== undefined) env.version = String(e.version);
  if (e.position !== undefined) env.position = String(e.position);
  return `safeharbor-event-auth-v1\n${canonicalize(env)}`;
}

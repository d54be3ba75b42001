import { SEALED_CELL_PREFIX, SEALED_TEXT, SHREDDED_TEXT, type EventSealer } from '../ledger/sealing';
import { isLegacyText, isSealedPhi, isShreddedPhi, LEGACY_TEXT, type LegacyText, type PhiVault, type SealedPhi } from './phi-vault';

/**
 * Paths of free-text fields per event type: dot-separated keys, `*` for every key of an object
 * or every element of an array (`factors.*.rationale`, `risks.*.title`).
 */
export type FreeTextFields = Readonly<Record<string, readonly string[]>>;

const INCIDENT_STREAM = /^incident-([A-Za-z0-9._-]+)$/;

/**
 * The data key that seals an event's free text: the incident's (`incident:<id>`) when the event
 * belongs to an incident — its own stream, or another stream's event naming `incidentId` — so that
 * crypto-shredding the incident covers its free text wherever it was written; else `text:<stream>`.
 */
export function freeTextScope(stream: string, data: Record<string, unknown>): string {
  const own = INCIDENT_STREAM.exec(stream);
  if (own) return `incident:${own[1]}`;
  if (typeof data.incidentId === 'string' && /^[A-Za-z0-9._-]+$/.test(data.incidentId)) return `incident:${data.incidentId}`;
  return `text:${stream.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** Seals the declared free-text fields of each event under its scope's data key. */
export class FreeTextSealer implements EventSealer {
  constructor(
    private readonly vault: PhiVault,
    private readonly fields: FreeTextFields,
  ) {}

  async seal(stream: string, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const paths = this.fields[type];
    if (!paths?.length) return data;
    const scope = freeTextScope(stream, data);
    let out = data;
    for (const path of paths) out = (await this.sealAt(out, path.split('.'), scope)) as Record<string, unknown>;
    return out;
  }

  /** A copy of `node` with the strings at `path` sealed (the input is never mutated). */
  private async sealAt(node: unknown, path: string[], scope: string): Promise<unknown> {
    if (path.length === 0) {
      if (typeof node === 'string' && node.length > 0) return this.vault.seal(scope, node);
      // Legacy clear text copied into a new event (a carried-over value) is sealed now, not copied in clear.
      if (isLegacyText(node)) return this.vault.seal(scope, await this.vault.open(node));
      return node;
    }
    if (typeof node !== 'object' || node === null || isSealedPhi(node)) return node;
    const [head, ...rest] = path as [string, ...string[]];
    if (Array.isArray(node)) {
      if (head !== '*') return node;
      return Promise.all(node.map((n) => this.sealAt(n, rest, scope)));
    }
    const obj = node as Record<string, unknown>;
    const keys = head === '*' ? Object.keys(obj) : head in obj ? [head] : [];
    if (keys.length === 0) return node;
    const copy = { ...obj };
    for (const k of keys) copy[k] = await this.sealAt(obj[k], rest, scope);
    return copy;
  }
}

function sealedCell(v: unknown): SealedPhi | LegacyText | null {
  if (isSealedPhi(v)) return v;
  if (typeof v === 'string' && v.startsWith(SEALED_CELL_PREFIX)) {
    try {
      const parsed: unknown = JSON.parse(v);
      return isSealedPhi(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Called for each sealed value opened for a reader: its scope and where it sat in the value (`items.*.title`). */
export type OnOpened = (scope: string, path: string) => void;

/**
 * A deep copy of `value` with every sealed free-text value (an object, or a read-model cell
 * holding one as JSON) opened when `canRead`, else replaced by "[sealed free text]"; a value whose
 * key was shredded reads "[shredded free text]" for everyone. `onOpened` hears of each value
 * opened (so the response can be recorded as a read of PHI); array positions read `*`.
 */
export async function openFreeText(vault: PhiVault, value: unknown, canRead: boolean, onOpened?: OnOpened, path = ''): Promise<unknown> {
  const sealed = sealedCell(value);
  if (sealed) {
    if (!canRead) return isLegacyText(sealed) ? LEGACY_TEXT : SEALED_TEXT;
    const opened = await vault.open(sealed);
    if (isShreddedPhi(opened)) return SHREDDED_TEXT;
    onOpened?.(sealed.scope, path || '.');
    return opened;
  }
  if (typeof value === 'string' && value.includes(SEALED_CELL_PREFIX)) return openEmbedded(vault, value, canRead, onOpened, path);
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (Array.isArray(value)) return Promise.all(value.map((v) => openFreeText(vault, v, canRead, onOpened, at('*'))));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await openFreeText(vault, v, canRead, onOpened, at(k));
    return out;
  }
  return value;
}

/** A sealed value's JSON inside a longer string (a read model that composed a title from a sealed cell). */
const EMBEDDED = /\{"\$phi":1,[^{}]*\}/g;

async function openEmbedded(
  vault: PhiVault,
  text: string,
  canRead: boolean,
  onOpened: OnOpened | undefined,
  path: string,
): Promise<string> {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(EMBEDDED)) {
    const opened = await openFreeText(vault, m[0], canRead, onOpened, path);
    parts.push(text.slice(last, m.index), typeof opened === 'string' ? opened : SEALED_TEXT);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** True when `value` holds a sealed value anywhere (so a response needs opening at all). */
export function holdsSealedText(value: unknown): boolean {
  if (sealedCell(value) || (typeof value === 'string' && value.includes(SEALED_CELL_PREFIX))) return true;
  if (Array.isArray(value)) return value.some(holdsSealedText);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).some(holdsSealedText);
  }
  return false;
}

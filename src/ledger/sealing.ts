/**
 * Free text is PHI until proven otherwise (issue 14, item 7). The ledger seals the free-text
 * fields of each event before it is stored, through a sealer the composition root supplies
 * (src/app/free-text-fields.ts declares the fields; src/phi seals them under the incident's data
 * key). Everything after the append — the stored event, deciders' state, read models, job data —
 * holds the sealed object, never the text.
 */
export interface EventSealer {
  /** `data` with its declared free-text fields sealed; values already sealed are kept as they are. */
  seal(stream: string, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A sealed value as the ledger stores it (same shape as src/phi's SealedPhi). */
export interface SealedValue {
  $phi: 1;
  scope: string;
  iv: string;
  ct: string;
  tag: string;
}

export function isSealedValue(v: unknown): v is SealedValue {
  return typeof v === 'object' && v !== null && (v as { $phi?: unknown }).$phi === 1;
}

/** How a read model keeps a free-text value in a TEXT column: the sealed object as JSON, a string as is. */
export function textCell(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The prefix by which a TEXT cell holding a sealed value is recognized on the way out. */
export const SEALED_CELL_PREFIX = '{"$phi":1,';

/** What a person without the right to read free text sees in its place. */
export const SEALED_TEXT = '[sealed free text]';
/** What every reader sees once the incident's data key was crypto-shredded. */
export const SHREDDED_TEXT = '[shredded free text]';

/** Free text for internal use that may not carry PHI (a title derived from another stream, a log line): the text, or the placeholder. */
export function plainOrSealed(v: unknown): string {
  if (typeof v === 'string') return v.startsWith(SEALED_CELL_PREFIX) ? SEALED_TEXT : v;
  return isSealedValue(v) ? SEALED_TEXT : String(v ?? '');
}

import { buildBusinessCalendar, FEDERAL_BUSINESS_CALENDAR, type BusinessCalendar } from './business-calendar';
import type { StateOverlayFile, StateRuleVersion } from './overlay-schema';

export type { Due, StateNoticeRule, StateOverlayFile, StateRule, StateRuleVersion, Threshold } from './overlay-schema';

/**
 * The versioned state-law overlays (workflows/state-overlays/*.yaml) as a validated set. Pure:
 * the loader that reads the files lives in infrastructure/.
 */
export interface StateOverlay extends StateOverlayFile {
  /** The business-day calendar of this jurisdiction's clocks. */
  readonly businessCalendar: BusinessCalendar;
  /** The file it came from (for messages). */
  readonly source: string;
}

/** Every jurisdiction's overlay rules, keyed by USPS code. */
export interface StateOverlaySet {
  readonly byJurisdiction: ReadonlyMap<string, StateOverlay>;
}

export function emptyOverlaySet(): StateOverlaySet {
  return { byJurisdiction: new Map() };
}

/**
 * A set read on first use (CLI processes that never triage do not parse 54 files). Server roles
 * load eagerly, so a bad file still stops them at start.
 */
export function lazyOverlaySet(load: () => StateOverlaySet): StateOverlaySet {
  let set: StateOverlaySet | undefined;
  return {
    get byJurisdiction() {
      set ??= load();
      return set.byJurisdiction;
    },
  };
}

/** A bad overlay file: names the file, the field path and the reason (and the line when known). */
export class StateOverlayError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`state overlay ${file}: ${path || '(root)'}: ${reason}${line ? ` (line ${line})` : ''}`);
    this.name = 'StateOverlayError';
  }
}

export interface OverlayDocument {
  source: string;
  doc: unknown;
  /** The 1-based line of a path in the source, when the loader can tell. */
  lineOf?: (path: ReadonlyArray<PropertyKey>) => number | undefined;
}

/** Builds a validated set from parsed documents (throws StateOverlayError on bad data). */
export function buildOverlaySet(docs: OverlayDocument[]): StateOverlaySet {
  // Loaded here: a set from compiled overlays (already validated) never builds the schema.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { stateOverlayFileSchema } = require('./overlay-schema') as typeof import('./overlay-schema');
  const map = new Map<string, StateOverlay>();
  for (const { source, doc, lineOf } of docs) {
    const parsed = stateOverlayFileSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
      const reason = issue.code === 'unrecognized_keys' ? 'is not a field of the overlay format' : issue.message;
      throw new StateOverlayError(source, path.map(String).join('.'), reason, lineOf?.(path));
    }
    if (map.has(parsed.data.jurisdiction)) {
      throw new StateOverlayError(source, 'jurisdiction', `${parsed.data.jurisdiction} is defined in two files`);
    }
    map.set(parsed.data.jurisdiction, overlayOf(parsed.data, source));
  }
  return { byJurisdiction: map };
}

/** A validated overlay file as the engine uses it (its business-day calendar built). */
function overlayOf(f: StateOverlayFile, source: string): StateOverlay {
  return { ...f, source, businessCalendar: f.calendar ? buildBusinessCalendar(f.calendar) : FEDERAL_BUSINESS_CALENDAR };
}

/** What a build stores of a set (see the loader's compiled overlays): the validated files, JSON only. */
export interface CompiledOverlayFile {
  source: string;
  file: StateOverlayFile;
}

export function compileOverlaySet(set: StateOverlaySet): CompiledOverlayFile[] {
  return [...set.byJurisdiction.values()].map(({ source, businessCalendar: _calendar, ...file }) => ({ source, file }));
}

/** A set from files that buildOverlaySet validated when they were compiled (no second validation). */
export function overlaySetFromCompiled(files: CompiledOverlayFile[]): StateOverlaySet {
  return { byJurisdiction: new Map(files.map(({ source, file }) => [file.jurisdiction, overlayOf(file, source)])) };
}

/** The version of a rule in force on `date` (the latest whose effectiveFrom ≤ date), if any. */
export function versionInForce(versions: StateRuleVersion[], date: string): StateRuleVersion | undefined {
  let found: StateRuleVersion | undefined;
  for (const v of versions) if (v.effectiveFrom <= date) found = v;
  return found;
}

/** Whether a version, or any duty in it, is marked as needing legal review. */
export function versionNeedsReview(v: StateRuleVersion): boolean {
  return (
    v.needsLegalReview !== undefined ||
    v.residents.needsLegalReview !== undefined ||
    v.residents.letter?.needsLegalReview !== undefined ||
    v.residents.creditMonitoring?.needsLegalReview !== undefined ||
    v.notices.some((n) => n.needsLegalReview !== undefined)
  );
}

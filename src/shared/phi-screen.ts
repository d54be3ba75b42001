/**
 * Screening of free text for likely identifiers (issue 14, item 7: "free text is PHI until proven
 * otherwise"). Pure: no I/O, no clock. A finding names only the kind of identifier and where it
 * starts — never the matched text, so that errors and logs built from findings carry no PHI.
 *
 * It is a screen, not a classifier: it errs towards asking the caller to confirm
 * (`phiConfirmed: true`), and text that passes is still sealed like any other free text.
 */

export type PhiKind = 'ssn' | 'mrn' | 'date-of-birth' | 'phone' | 'email' | 'name';

export interface PhiFinding {
  kind: PhiKind;
  /** Offset of the match in the screened text (never the text itself). */
  index: number;
}

export interface ScreenOptions {
  /** Names of people known to the incident (its affected list), as "First Last" or "Last, First". */
  knownNames?: readonly string[];
  /** The incident's affected people as a keyed set (src/shared/name-set.ts): offsets where a listed name starts. */
  names?: { find(text: string): number[] };
}

const PATTERNS: { kind: PhiKind; re: RegExp }[] = [
  // 123-45-6789, 123 45 6789, and a bare 9-digit run after an SSN label.
  { kind: 'ssn', re: /(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])/g },
  { kind: 'ssn', re: /\b(?:ssn|social security(?: number| no\.?| #)?)\s*[:#]?\s*\d{9}\b/gi },
  // A labelled record number, or a bare run of 7 or more digits (counts of people have separators).
  {
    kind: 'mrn',
    re: /\b(?:mrn|medical record(?: number| no\.?| #)?|patient (?:id|number|no\.?)|member id|chart(?: number| no\.?| #)?)\s*[:#]?\s*[A-Z0-9-]*\d[A-Z0-9-]{2,}/gi,
  },
  { kind: 'mrn', re: /(?<![\d.,/-])\d{7,}(?![\d.,/-]?\d)/g },
  // A date after a birth label, in any common shape.
  {
    kind: 'date-of-birth',
    re: /\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born(?: on)?)\s*[:#]?\s*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+\.? \d{4})/gi,
  },
  // A full date in the twentieth century: no incident of this service happened then, a birth did.
  { kind: 'date-of-birth', re: /\b(?:19\d\d[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]19\d\d)\b/g },
  {
    kind: 'date-of-birth',
    re: /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? 19\d\d\b/g,
  },
  // North American numbers with separators, optionally +1; international +CC with 8+ digits.
  { kind: 'phone', re: /(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g },
  { kind: 'phone', re: /(?<!\w)\+\d{1,3}(?:[ .-]?\d){8,12}(?!\d)/g },
  { kind: 'email', re: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  // A person named after an honorific or the word patient/member/client: "Mrs. Ortega", "patient Jane Roe".
  {
    kind: 'name',
    re: /\b(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.? [A-Z][a-z'’-]+|\b(?:[Pp]atient|[Mm]ember|[Cc]lient|[Rr]esident)(?: named)? [A-Z][a-z'’-]+ [A-Z][a-z'’-]+/g,
  },
];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word, case-insensitive patterns for each known name ("First Last" also matches "Last, First"). */
function namePatterns(names: readonly string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const raw of names) {
    const name = raw.trim().replace(/\s+/g, ' ');
    if (name.length < 3) continue;
    const parts = name.includes(',')
      ? name
          .split(',')
          .map((p) => p.trim())
          .reverse()
      : name.split(' ');
    const first = parts[0]!;
    const last = parts[parts.length - 1]!;
    const forms = [parts.join(' ')];
    if (parts.length > 1) forms.push(`${last}, ${first}`, `${first} ${last}`);
    for (const f of new Set(forms)) out.push(new RegExp(`(?<![\\p{L}])${escapeRe(f).replace(/ /g, '\\s+')}(?![\\p{L}])`, 'giu'));
  }
  return out;
}

/** Every likely identifier in `text`, in order of position (kinds only, never the matched text). */
export function screenFreeText(text: string, options: ScreenOptions = {}): PhiFinding[] {
  const findings: PhiFinding[] = [];
  for (const { kind, re } of PATTERNS) {
    for (const m of text.matchAll(re)) findings.push({ kind, index: m.index });
  }
  for (const re of namePatterns(options.knownNames ?? [])) {
    for (const m of text.matchAll(re)) findings.push({ kind: 'name', index: m.index });
  }
  for (const index of options.names?.find(text) ?? []) findings.push({ kind: 'name', index });
  return findings.sort((a, b) => a.index - b.index);
}

export interface FieldFinding {
  /** The field's path in the request body, e.g. `discovery.note` or `risks[2].rationale`. */
  field: string;
  kinds: PhiKind[];
}

/** Screens each named text; one entry per field with at least one finding, kinds deduplicated. */
export function screenFields(fields: Record<string, string>, options: ScreenOptions = {}): FieldFinding[] {
  const out: FieldFinding[] = [];
  for (const [field, text] of Object.entries(fields)) {
    const kinds = [...new Set(screenFreeText(text, options).map((f) => f.kind))];
    if (kinds.length) out.push({ field, kinds });
  }
  return out;
}

/**
 * Loads workflows/*.yaml: parses each file (YAML 1.2, duplicate keys refused), validates it against
 * the schema and checks the set as a whole (file name = workflow name, one file per workflow).
 * Sub-folders (e.g. workflows/state-overlays/) belong to other loaders and are not read here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { isMap, isNode, LineCounter, parseDocument } from 'yaml';
import {
  formatIssue,
  validateDefinition,
  type ValidationIssue,
  type WorkflowDefinition,
} from './domain/definition';

export interface LoadedDefinition {
  file: string;
  definition: WorkflowDefinition;
}

export interface LoadResult {
  definitions: LoadedDefinition[];
  issues: ValidationIssue[];
}

export class WorkflowValidationError extends Error {
  readonly code = 'WORKFLOW_INVALID';
  constructor(readonly issues: ValidationIssue[]) {
    super(`invalid workflow definitions:\n${issues.map(formatIssueWithLine).join('\n')}`);
    this.name = 'WorkflowValidationError';
  }
}

export function formatIssueWithLine(i: ValidationIssue & { line?: number }): string {
  return i.line ? `${formatIssue(i)} (line ${i.line})` : formatIssue(i);
}

/** Parse and validate one YAML text. `file` is only used in messages. */
export function parseWorkflowYaml(
  text: string,
  file: string,
): { definition?: WorkflowDefinition; issues: Array<ValidationIssue & { line?: number }> } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
        return {
          file,
          path: '',
          reason: `YAML syntax: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
          line: pos?.line,
        };
      }),
    };
  }
  const result = validateDefinition(doc.toJS({ maxAliasCount: 100 }), file);
  if (result.ok) return { definition: result.definition, issues: [] };
  return {
    issues: result.issues.map((i) => ({ ...i, line: lineOf(doc, i.path, lineCounter) })),
  };
}

/** Best-effort: the line of the YAML node at a formatted path (or of its nearest parent). */
function lineOf(doc: ReturnType<typeof parseDocument>, path: string, lc: LineCounter): number | undefined {
  const segs: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segs.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  while (segs.length > 0) {
    const node = doc.getIn(segs, true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    segs.pop();
  }
  if (isMap(doc.contents) && doc.contents.range) return lc.linePos(doc.contents.range[0]).line;
  return undefined;
}

/** Load every workflows/*.yaml in `dir`. Never throws for bad content: issues are returned. */
export function loadWorkflowDir(dir: string, opts: { displayRoot?: string } = {}): LoadResult {
  const shown = (p: string) => {
    if (!opts.displayRoot) return p;
    const rel = relative(resolve(opts.displayRoot), resolve(p));
    return rel && !rel.startsWith('..') ? rel : resolve(p);
  };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (e) {
    return { definitions: [], issues: [{ file: shown(dir), path: '', reason: `cannot read directory (${(e as NodeJS.ErrnoException).code ?? 'error'})` }] };
  }
  const definitions: LoadedDefinition[] = [];
  const issues: ValidationIssue[] = [];
  const byName = new Map<string, string>();
  for (const name of names) {
    const full = join(dir, name);
    if (!statSync(full).isFile()) continue;
    const file = shown(full);
    const { definition, issues: fileIssues } = parseWorkflowYaml(readFileSync(full, 'utf8'), file);
    issues.push(...fileIssues);
    if (!definition) continue;
    const stem = basename(name).replace(/\.ya?ml$/, '');
    if (definition.workflow !== stem) {
      issues.push({ file, path: 'workflow', reason: `"${definition.workflow}" must match the file name "${stem}"` });
      continue;
    }
    const other = byName.get(definition.workflow);
    if (other) {
      issues.push({ file, path: 'workflow', reason: `"${definition.workflow}" is also defined in ${other}` });
      continue;
    }
    byName.set(definition.workflow, file);
    definitions.push({ file, definition });
  }
  if (names.length === 0) issues.push({ file: shown(dir), path: '', reason: 'no workflow definitions (*.yaml) found' });
  return { definitions, issues };
}

/** Load or throw WorkflowValidationError listing every issue (used at start). */
export function loadWorkflowDirOrThrow(dir: string, opts: { displayRoot?: string } = {}): LoadedDefinition[] {
  const r = loadWorkflowDir(dir, opts);
  if (r.issues.length > 0) throw new WorkflowValidationError(r.issues);
  return r.definitions;
}

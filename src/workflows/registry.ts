/**
 * Every version of every workflow definition the engine knows: the current ones from
 * workflows/*.yaml and the older ones published to the ledger before. A timeline keeps the
 * version it was scheduled under, so a reminder policy edited later never rewrites timers
 * already planned; the ledger holds each version's exact content (`WorkflowDefinitionPublished`).
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '../shared/canonical-json';
import type { WorkflowDefinition } from './domain/definition';

export function definitionDigest(def: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalize(def)).digest('hex');
}

export class UnknownWorkflowError extends Error {
  readonly code = 'UNKNOWN_WORKFLOW';
  constructor(readonly workflow: string, readonly version?: number) {
    super(version === undefined ? `unknown workflow "${workflow}"` : `unknown workflow version ${workflow}@${version}`);
    this.name = 'UnknownWorkflowError';
  }
}

export class WorkflowRegistry {
  private readonly versions = new Map<string, Map<number, WorkflowDefinition>>();
  private readonly currentVersion = new Map<string, number>();

  /** Register a definition. `current` marks it as the one new timelines use. */
  add(def: WorkflowDefinition, opts: { current?: boolean } = {}): void {
    const byVersion = this.versions.get(def.workflow) ?? new Map<number, WorkflowDefinition>();
    const existing = byVersion.get(def.version);
    if (existing && definitionDigest(existing) !== definitionDigest(def)) {
      throw new Error(`${def.workflow}@${def.version} registered twice with different content`);
    }
    byVersion.set(def.version, def);
    this.versions.set(def.workflow, byVersion);
    if (opts.current !== false) {
      const cur = this.currentVersion.get(def.workflow);
      if (opts.current === true || cur === undefined) this.currentVersion.set(def.workflow, def.version);
    }
  }

  static of(defs: WorkflowDefinition[]): WorkflowRegistry {
    const r = new WorkflowRegistry();
    for (const d of defs) r.add(d, { current: true });
    return r;
  }

  current(workflow: string): WorkflowDefinition {
    const v = this.currentVersion.get(workflow);
    if (v === undefined) throw new UnknownWorkflowError(workflow);
    return this.get(workflow, v);
  }

  get(workflow: string, version: number): WorkflowDefinition {
    const d = this.versions.get(workflow)?.get(version);
    if (!d) throw new UnknownWorkflowError(workflow, version);
    return d;
  }

  has(workflow: string, version?: number): boolean {
    const m = this.versions.get(workflow);
    return !!m && (version === undefined || m.has(version));
  }

  workflows(): string[] {
    return [...this.currentVersion.keys()].sort();
  }

  currentDefinitions(): WorkflowDefinition[] {
    return this.workflows().map((w) => this.current(w));
  }
}

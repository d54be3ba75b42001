import type Database from 'better-sqlite3';
import type { Ledger } from '../ledger/ledger';
import { AppError } from '../platform/errors';
import { screenFields, type FieldFinding } from '../shared/phi-screen';
import type { Role } from '../shared/roles';
import { FREE_TEXT_KEYS } from './free-text-fields';

/**
 * 422 `possible-phi` (CLI: exit 2): free text that looks like it holds identifiers, naming each
 * field and what kind of identifier it looks like — never the text.
 */
export class PossiblePhiError extends AppError {
  readonly status = 422;
  readonly code = 'possible-phi';
  constructor(
    readonly fields: FieldFinding[],
    confirmHint = 'send "phiConfirmed": true to record it anyway (the confirmation is recorded)',
  ) {
    super(
      `${fields.map((f) => `${f.field} may hold ${f.kinds.join(', ')}`).join('; ')}: free text is sealed, but keep identifiers out of it; ${confirmHint}`,
      { fields },
    );
  }
}

/** Every free-text string of a request body by its path (`discovery.note`, `factors.mitigation.rationale`). */
export function freeTextOf(body: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > 16 || typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      const p = Array.isArray(node) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      if (typeof v === 'string' && FREE_TEXT_KEYS.has(k)) out[p] = v;
      else walk(v, p, depth + 1);
    }
  };
  walk(body, prefix, 0);
  return out;
}

/** The names of an incident's affected people (the incidents context's AffectedNamesService). */
export interface IncidentNames {
  namesFor(incidentId: string): Promise<{ find(text: string): number[] } | null>;
}

/** Where a confirmed write came from: an HTTP route, or a CLI command (`method: 'CLI'`, `route: 'incidents report'`). */
export interface ConfirmationSource {
  principal: { id: string; role: Role };
  method: string;
  route: string;
  params: Record<string, unknown>;
  correlationId: string;
}

/**
 * The one screen for free text, used by the HTTP interceptor and by the CLI: the patterns of
 * src/shared/phi-screen.ts, plus the names on the affected list of the incident the write names.
 */
export class FreeTextScreen {
  constructor(
    private readonly ledger: Ledger,
    private readonly names: IncidentNames | null,
  ) {}

  /** Findings per field of `body` (empty when nothing looks like PHI). */
  async screen(body: unknown, incidentId: string | null): Promise<FieldFinding[]> {
    const texts = freeTextOf(body);
    if (Object.keys(texts).length === 0) return [];
    const names = incidentId && this.names ? await this.names.namesFor(incidentId) : null;
    return screenFields(texts, names ? { names } : {});
  }

  /**
   * Screens, then refuses (PossiblePhiError) unless confirmed; a confirmed finding is recorded as
   * `FreeTextPhiConfirmed` (who, where, which fields and kinds — never the text) by `record`.
   */
  async check(body: unknown, incidentId: string | null, confirmed: boolean, confirmHint?: string): Promise<FieldFinding[]> {
    const findings = await this.screen(body, incidentId);
    if (findings.length && !confirmed) throw new PossiblePhiError(findings, confirmHint);
    return findings;
  }

  async record(source: ConfirmationSource, fields: FieldFinding[]): Promise<void> {
    const { principal } = source;
    await this.ledger.append(
      `phiconfirm-${principal.id}`,
      [
        {
          type: 'FreeTextPhiConfirmed',
          data: {
            principalId: principal.id,
            role: principal.role,
            method: source.method,
            route: source.route,
            params: source.params,
            fields,
          },
        },
      ],
      'any',
      { actor: { id: principal.id, role: principal.role }, correlationId: source.correlationId },
    );
  }
}

/** The incident a notice batch belongs to, from the notices read model (null when unknown). */
export function batchIncidentFrom(db: Database.Database): (batchId: string) => string | null {
  return (batchId) => {
    try {
      const row = db.prepare('SELECT incident_id FROM notice_batches WHERE batch_id = ?').get(batchId) as
        { incident_id: string } | undefined;
      return row?.incident_id ?? null;
    } catch {
      return null;
    }
  };
}

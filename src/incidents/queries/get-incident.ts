import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { cachedStatement, PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { NotFoundError } from '../../platform/errors';
import { daysBetween } from '../../shared/calendar';
import { incidentStream } from '../domain/incident';
import { localDate } from '../../shared/calendar';
import { timelineStream } from '../../workflows';

export interface IncidentView {
  id: string;
  title: string;
  summary: string;
  discoveredOn: string;
  reporter: { kind: string; actsAsAgent?: boolean };
  status: string;
  breachType: string | null;
  locations: string[];
  breach: boolean | null;
  basis: string | null;
  totalAffected: number | null;
  decisions: number;
  listVersion: number;
  /** Rows of the current affected list still unresolved: they block notice release until fixed or excluded. */
  unresolvedRows: number;
  holdUntil: string | null;
  ruleVersion: string | null;
  version: number;
  reportedAt: string;
  reportedBy: string;
  updatedAt: string;
}

function toView(row: Record<string, any>): IncidentView {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    discoveredOn: row.discovered_on,
    reporter: { kind: row.reporter_kind, ...(row.acts_as_agent === null ? {} : { actsAsAgent: Boolean(row.acts_as_agent) }) },
    status: row.status,
    breachType: row.breach_type ?? null,
    locations: row.locations ? JSON.parse(row.locations) : [],
    breach: row.breach === null || row.breach === undefined ? null : Boolean(row.breach),
    basis: row.basis ?? null,
    totalAffected: row.total_affected ?? null,
    decisions: row.decisions ?? 0,
    listVersion: row.list_version ?? 0,
    unresolvedRows: row.unresolved_rows ?? 0,
    holdUntil: row.hold_until ?? null,
    ruleVersion: row.rule_version ?? null,
    version: row.version,
    reportedAt: row.reported_at,
    reportedBy: row.reported_by,
    updatedAt: row.updated_at,
  };
}

export class GetIncidentQuery {
  constructor(
    readonly incidentId: string,
    /** Wait for the projection to include at least this version (read-your-writes). */
    readonly minVersion?: bigint,
  ) {}
}

async function readFresh<T>(projections: ProjectionRunner, read: () => T | undefined, fresh: (row: T) => boolean): Promise<T | undefined> {
  let row = read();
  if (!row || !fresh(row)) {
    await projections.catchUp();
    row = read();
  }
  return row;
}

@QueryHandler(GetIncidentQuery)
export class GetIncidentHandler implements IQueryHandler<GetIncidentQuery, IncidentView> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ incidentId, minVersion }: GetIncidentQuery): Promise<IncidentView> {
    const row = await readFresh(
      this.projections,
      () => cachedStatement(this.db, 'SELECT * FROM incidents WHERE id = ?').get(incidentId) as Record<string, any> | undefined,
      (r) => minVersion === undefined || BigInt(r.version) >= minVersion,
    );
    if (!row) throw new NotFoundError('incident not found');
    return toView(row);
  }
}

export interface IncidentListFilter {
  status?: string;
  reporter?: string;
  breach?: boolean;
  discoveredFrom?: string;
  discoveredTo?: string;
  /** Only incidents with an open or in-progress obligation past its due date (as of today). */
  overdue?: boolean;
  limit: number;
  offset: number;
}

export class ListIncidentsQuery {
  constructor(readonly filter: IncidentListFilter) {}
}

@QueryHandler(ListIncidentsQuery)
export class ListIncidentsHandler implements IQueryHandler<ListIncidentsQuery> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ filter }: ListIncidentsQuery) {
    await this.projections.catchUp();
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status) {
      where.push('i.status = ?');
      args.push(filter.status);
    }
    if (filter.reporter) {
      where.push('i.reporter_kind = ?');
      args.push(filter.reporter);
    }
    if (filter.breach !== undefined) {
      where.push('i.breach = ?');
      args.push(Number(filter.breach));
    }
    if (filter.discoveredFrom) {
      where.push('i.discovered_on >= ?');
      args.push(filter.discoveredFrom);
    }
    if (filter.discoveredTo) {
      where.push('i.discovered_on <= ?');
      args.push(filter.discoveredTo);
    }
    const today = localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
    if (filter.overdue) {
      where.push(
        `EXISTS (SELECT 1 FROM incident_obligations o WHERE o.incident_id = i.id AND o.status IN ('open','in-progress') AND o.due_on < ?)`,
      );
      args.push(today);
    }
    const rows = this.db
      .prepare(
        `SELECT i.*, (SELECT MIN(o.due_on) FROM incident_obligations o WHERE o.incident_id = i.id AND o.status IN ('open','in-progress')) AS next_due_on
         FROM incidents i ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.reported_at DESC, i.id DESC LIMIT ? OFFSET ?`,
      )
      .all(...args, filter.limit, filter.offset) as Array<Record<string, any>>;
    return {
      items: rows.map((r) => ({
        id: r.id,
        title: r.title,
        discoveredOn: r.discovered_on,
        status: r.status,
        reporter: r.reporter_kind,
        breach: r.breach === null ? null : Boolean(r.breach),
        basis: r.basis ?? null,
        totalAffected: r.total_affected ?? null,
        nextDueOn: r.next_due_on ?? null,
        overdue: r.next_due_on ? r.next_due_on < today : false,
        version: r.version,
        reportedAt: r.reported_at,
      })),
    };
  }
}

export interface ObligationView {
  obligationId: string;
  kind: string;
  scope: string;
  jurisdiction: string | null;
  regulator: string | null;
  form: string | null;
  people: number | null;
  timing: string | null;
  dueOn: string | null;
  dueRule: string | null;
  citation: string;
  ruleVersion: string;
  condition: string | null;
  status: string;
  /** Calendar days from today to the due date (negative when overdue); null without a date. */
  daysLeft: number | null;
  overdue: boolean;
  nonBusinessDay: unknown;
  evidence: unknown;
  waiver: unknown;
  waiverRequest: unknown;
  coveredEntityDiscoveredOn?: string;
}

export class GetObligationsQuery {
  constructor(
    readonly incidentId: string,
    readonly minVersion?: bigint,
  ) {}
}

/** Order: as triage lists them (federal in the contract order, then state), by due date within. */
const KIND_ORDER = ['individual-notice', 'substitute-notice', 'telephone-notice', 'media-notice', 'hhs-notice', 'covered-entity-notice'];

@QueryHandler(GetObligationsQuery)
export class GetObligationsHandler implements IQueryHandler<GetObligationsQuery> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({
    incidentId,
    minVersion,
  }: GetObligationsQuery): Promise<{ incidentId: string; today: string; obligations: ObligationView[] }> {
    const inc = await readFresh(
      this.projections,
      () => this.db.prepare('SELECT version FROM incidents WHERE id = ?').get(incidentId) as { version: number } | undefined,
      (r) => minVersion === undefined || BigInt(r.version) >= minVersion,
    );
    if (!inc) throw new NotFoundError('incident not found');
    const today = localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
    const rows = this.db.prepare('SELECT * FROM incident_obligations WHERE incident_id = ?').all(incidentId) as Array<Record<string, any>>;
    const rank = (r: Record<string, any>) =>
      r.scope === 'state' ? 100 : KIND_ORDER.indexOf(r.kind) === -1 ? 50 : KIND_ORDER.indexOf(r.kind);
    rows.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        String(a.jurisdiction ?? '').localeCompare(String(b.jurisdiction ?? '')) ||
        String(a.obligation_id).localeCompare(String(b.obligation_id)),
    );
    const json = (s: string | null) => (s ? JSON.parse(s) : null);
    return {
      incidentId,
      today,
      obligations: rows.map((r) => {
        const active = r.status === 'open' || r.status === 'in-progress';
        const daysLeft = r.due_on ? daysBetween(today, r.due_on) : null;
        const v: ObligationView = {
          obligationId: r.obligation_id,
          kind: r.kind,
          scope: r.scope,
          jurisdiction: r.jurisdiction,
          regulator: r.regulator,
          form: r.form,
          people: r.people,
          timing: r.timing,
          dueOn: r.due_on,
          dueRule: r.due_rule,
          citation: r.citation,
          ruleVersion: r.rule_version,
          condition: r.condition,
          status: r.status,
          daysLeft,
          overdue: active && daysLeft !== null && daysLeft < 0,
          nonBusinessDay: json(r.non_business_day),
          evidence: json(r.evidence),
          waiver: json(r.waiver),
          waiverRequest: json(r.waiver_request),
        };
        const extra = json(r.extra) as { coveredEntityDiscoveredOn?: string } | null;
        if (extra?.coveredEntityDiscoveredOn) v.coveredEntityDiscoveredOn = extra.coveredEntityDiscoveredOn;
        return v;
      }),
    };
  }
}

export class GetTimelineQuery {
  constructor(readonly incidentId: string) {}
}

/** Everything that happened to an incident, read from the ledger itself (not a projection). */
@QueryHandler(GetTimelineQuery)
export class GetTimelineHandler implements IQueryHandler<GetTimelineQuery> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ incidentId }: GetTimelineQuery) {
    const own = await this.ledger.readStream(incidentStream(incidentId));
    if (own.length === 0) throw new NotFoundError('incident not found');
    // Reminders and escalations the workflows engine sent for this incident's timelines live in
    // the timelines' own streams: merged in by global position.
    const timelines = new Map<string, { workflow: string; subject: { kind: string; id: string } }>();
    for (const e of own) {
      if (e.type !== 'TimelineScheduled') continue;
      const d = e.data as { workflow: string; subject: { kind: string; id: string } };
      timelines.set(`${d.workflow}|${d.subject.kind}|${d.subject.id}`, d);
    }
    const sent = [];
    for (const t of timelines.values()) sent.push(...(await this.ledger.readStream(timelineStream(t.workflow, t.subject))));
    const events = [...own, ...sent].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    return {
      incidentId,
      entries: events.map((e) => ({
        stream: e.stream,
        version: Number(e.version),
        position: String(e.position),
        type: e.type,
        occurredAt: e.metadata.occurredAt,
        recordedAt: e.metadata.recordedAt,
        actor: e.metadata.actor,
        data: e.data,
      })),
    };
  }
}

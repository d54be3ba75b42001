import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import { textCell } from '../../ledger/sealing';
import type { ObligationChange, TriageDecidedData } from '../domain/incident';

const FACT_EVENTS = [
  'IncidentFactsRevised',
  'ExceptionAssessed',
  'RiskAssessmentRecorded',
  'SafeguardsRecorded',
  'AffectedListImported',
  'AffectedCountsRevised',
  'UnresolvedRowsExcluded',
  'LawEnforcementHoldRecorded',
  'LawEnforcementHoldEnded',
];

/**
 * Incident list/detail and obligations read models. Deterministic from the events (the clock
 * enters only at query time for days-left and overdue).
 */
export const incidentsProjection: Projection = {
  name: 'incidents',
  version: 4,
  handles: [
    'IncidentReported',
    'IncidentDetailsAmended',
    ...FACT_EVENTS,
    'TriageDecided',
    'ObligationStarted',
    'ObligationCompleted',
    'ObligationWaiverRequested',
    'ObligationWaived',
    'IncidentClosed',
  ],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS incidents (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL, discovered_on TEXT NOT NULL,
      reporter_kind TEXT NOT NULL, acts_as_agent INTEGER, status TEXT NOT NULL, version INTEGER NOT NULL,
      reported_at TEXT NOT NULL, reported_by TEXT NOT NULL, updated_at TEXT NOT NULL,
      breach_type TEXT, locations TEXT, breach INTEGER, basis TEXT, total_affected INTEGER, decisions INTEGER NOT NULL DEFAULT 0,
      list_version INTEGER NOT NULL DEFAULT 0, hold_until TEXT, rule_version TEXT, dataset_ids TEXT)`);
    // Added later: rows of the current list still unresolved (neither fixed nor excluded).
    const cols = db.prepare('PRAGMA table_info(incidents)').all() as Array<{ name: string }>;
    if (!cols.some((c) => c.name === 'unresolved_rows'))
      db.exec('ALTER TABLE incidents ADD COLUMN unresolved_rows INTEGER NOT NULL DEFAULT 0');
    db.exec('CREATE INDEX IF NOT EXISTS incidents_status ON incidents(status)');
    db.exec('CREATE INDEX IF NOT EXISTS incidents_discovered ON incidents(discovered_on)');
    db.exec(`CREATE TABLE IF NOT EXISTS incident_obligations (
      incident_id TEXT NOT NULL, obligation_id TEXT NOT NULL, kind TEXT NOT NULL, scope TEXT NOT NULL,
      jurisdiction TEXT, regulator TEXT, form TEXT, people INTEGER, timing TEXT, due_on TEXT, due_rule TEXT,
      citation TEXT NOT NULL, rule_version TEXT NOT NULL, condition TEXT, status TEXT NOT NULL,
      non_business_day TEXT, evidence TEXT, waiver TEXT, waiver_request TEXT, extra TEXT, updated_at TEXT NOT NULL,
      PRIMARY KEY (incident_id, obligation_id))`);
    db.exec('CREATE INDEX IF NOT EXISTS incident_obligations_due ON incident_obligations(status, due_on)');
  },
  reset(db) {
    db.exec('DELETE FROM incidents');
    db.exec('DELETE FROM incident_obligations');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const at = e.metadata.occurredAt;
    const touch = (status?: string) =>
      db
        .prepare(`UPDATE incidents SET version = ?, updated_at = ?${status ? ', status = ?' : ''} WHERE id = ?`)
        .run(...(status ? [e.version, at, status, d.incidentId] : [e.version, at, d.incidentId]));
    const currentStatus = (): string | undefined =>
      (db.prepare('SELECT status FROM incidents WHERE id = ?').get(d.incidentId) as { status: string } | undefined)?.status;
    switch (e.type) {
      case 'IncidentReported':
        db.prepare(
          `INSERT OR REPLACE INTO incidents (id, title, summary, discovered_on, reporter_kind, acts_as_agent, status, version, reported_at, reported_by, updated_at, breach_type, locations, dataset_ids)
           VALUES (?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          d.incidentId,
          textCell(d.title),
          textCell(d.summary),
          d.discoveredOn,
          d.reporter.kind,
          d.reporter.actsAsAgent === undefined ? null : Number(d.reporter.actsAsAgent),
          e.version,
          at,
          e.metadata.actor.id,
          at,
          d.breachType ?? null,
          d.locations ? JSON.stringify(d.locations) : null,
          JSON.stringify(d.datasetIds ?? []),
        );
        return;
      case 'IncidentDetailsAmended':
        db.prepare(
          'UPDATE incidents SET title = COALESCE(?, title), summary = COALESCE(?, summary), version = ?, updated_at = ? WHERE id = ?',
        ).run(textCell(d.title), textCell(d.summary), e.version, at, d.incidentId);
        return;
      case 'TriageDecided': {
        const t = d as TriageDecidedData;
        const cur = currentStatus();
        const status = t.result.breach ? (cur === 'notifying' ? 'notifying' : 'breach') : 'not-a-breach';
        db.prepare(
          'UPDATE incidents SET status = ?, breach = ?, basis = ?, total_affected = ?, decisions = ?, hold_until = ?, rule_version = ?, version = ?, updated_at = ? WHERE id = ?',
        ).run(
          status,
          Number(t.result.breach),
          t.result.basis,
          t.result.totalAffected,
          t.sequence,
          t.result.hold?.until ?? null,
          t.ruleVersion,
          e.version,
          at,
          t.incidentId,
        );
        for (const c of t.changes) applyChange(db, t.incidentId, c, at);
        return;
      }
      case 'ObligationStarted':
        setObligation(db, d.incidentId, d.obligationId, { status: 'in-progress' }, at);
        touch('notifying');
        return;
      case 'ObligationCompleted':
        setObligation(db, d.incidentId, d.obligationId, { status: 'done', evidence: JSON.stringify(d.evidence) }, at);
        touch('notifying');
        return;
      case 'ObligationWaiverRequested':
        setObligation(
          db,
          d.incidentId,
          d.obligationId,
          { waiver_request: JSON.stringify({ reason: d.reason, requestedBy: d.requestedBy }) },
          at,
        );
        touch();
        return;
      case 'ObligationWaived':
        setObligation(
          db,
          d.incidentId,
          d.obligationId,
          {
            status: 'waived',
            waiver_request: null,
            waiver: JSON.stringify({ reason: d.reason, requestedBy: d.requestedBy, approvedBy: d.approvedBy }),
          },
          at,
        );
        touch();
        return;
      case 'IncidentClosed':
        touch('closed');
        return;
      default:
        if (FACT_EVENTS.includes(e.type)) {
          if (e.type === 'IncidentFactsRevised') {
            db.prepare(
              'UPDATE incidents SET breach_type = COALESCE(?, breach_type), locations = COALESCE(?, locations), dataset_ids = COALESCE(?, dataset_ids) WHERE id = ?',
            ).run(
              d.breachType ?? null,
              d.locations ? JSON.stringify(d.locations) : null,
              d.datasetIds ? JSON.stringify(d.datasetIds) : null,
              d.incidentId,
            );
          }
          if (e.type === 'AffectedListImported')
            db.prepare('UPDATE incidents SET list_version = ?, unresolved_rows = ? WHERE id = ?').run(
              d.listVersion,
              d.counts?.unresolved ?? 0,
              d.incidentId,
            );
          if (e.type === 'UnresolvedRowsExcluded')
            db.prepare('UPDATE incidents SET unresolved_rows = 0 WHERE id = ? AND list_version = ?').run(d.incidentId, d.listVersion);
          touch(currentStatus() === 'reported' ? 'triage' : undefined);
        }
    }
  },
};

function setObligation(db: Database.Database, incidentId: string, obligationId: string, patch: Record<string, unknown>, at: string): void {
  const cols = Object.keys(patch);
  db.prepare(
    `UPDATE incident_obligations SET ${cols.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE incident_id = ? AND obligation_id = ?`,
  ).run(...cols.map((c) => patch[c]), at, incidentId, obligationId);
}

function applyChange(db: Database.Database, incidentId: string, c: ObligationChange, at: string): void {
  if (c.change === 'withdrawn') {
    setObligation(db, incidentId, c.obligationId, { status: 'withdrawn' }, at);
    return;
  }
  const extra = c.coveredEntityDiscoveredOn ? JSON.stringify({ coveredEntityDiscoveredOn: c.coveredEntityDiscoveredOn }) : null;
  const nb = c.nonBusinessDay ? JSON.stringify(c.nonBusinessDay) : null;
  if (c.change === 'added') {
    db.prepare(
      `INSERT OR REPLACE INTO incident_obligations (incident_id, obligation_id, kind, scope, jurisdiction, regulator, form, people, timing, due_on, due_rule,
         citation, rule_version, condition, status, non_business_day, extra, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`,
    ).run(
      incidentId,
      c.obligationId,
      c.kind,
      c.scope,
      c.jurisdiction ?? null,
      c.regulator ?? null,
      c.form ?? null,
      c.people ?? null,
      c.timing ?? null,
      c.dueOn ?? null,
      c.dueRule ?? null,
      c.citation,
      c.ruleVersion,
      c.condition ?? null,
      nb,
      extra,
      at,
    );
    return;
  }
  // changed: rule version stays the one it was created under; a withdrawn one reopens.
  db.prepare(
    `UPDATE incident_obligations SET regulator = ?, form = ?, people = ?, timing = ?, due_on = ?, due_rule = ?, condition = ?, non_business_day = ?, extra = ?,
       status = CASE status WHEN 'withdrawn' THEN 'open' ELSE status END, updated_at = ? WHERE incident_id = ? AND obligation_id = ?`,
  ).run(
    c.regulator ?? null,
    c.form ?? null,
    c.people ?? null,
    c.timing ?? null,
    c.dueOn ?? null,
    c.dueRule ?? null,
    c.condition ?? null,
    nb,
    extra,
    at,
    incidentId,
    c.obligationId,
  );
}

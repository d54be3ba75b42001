import type { Projection } from '../../ledger/projections/projection';

/** The incident list and detail read model. */
export const incidentsProjection: Projection = {
  name: 'incidents',
  version: 1,
  handles: ['IncidentReported', 'IncidentDetailsAmended'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS incidents (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL, discovered_on TEXT NOT NULL,
      reporter_kind TEXT NOT NULL, acts_as_agent INTEGER, status TEXT NOT NULL, version INTEGER NOT NULL,
      reported_at TEXT NOT NULL, reported_by TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  },
  reset(db) {
    db.exec('DELETE FROM incidents');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    switch (e.type) {
      case 'IncidentReported':
        db.prepare(
          `INSERT OR REPLACE INTO incidents (id, title, summary, discovered_on, reporter_kind, acts_as_agent, status, version, reported_at, reported_by, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'reported', ?, ?, ?, ?)`,
        ).run(d.incidentId, d.title, d.summary, d.discoveredOn, d.reporter.kind, d.reporter.actsAsAgent === undefined ? null : Number(d.reporter.actsAsAgent), e.version, e.metadata.occurredAt, e.metadata.actor.id, e.metadata.occurredAt);
        break;
      case 'IncidentDetailsAmended':
        db.prepare('UPDATE incidents SET title = COALESCE(?, title), summary = COALESCE(?, summary), version = ?, updated_at = ? WHERE id = ?').run(
          d.title ?? null, d.summary ?? null, e.version, e.metadata.occurredAt, d.incidentId,
        );
        break;
    }
  },
};

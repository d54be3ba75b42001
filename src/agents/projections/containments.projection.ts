import type { Projection } from '../../ledger/projections/projection';
import { CONTAINMENT_EVENT_TYPES } from '../domain/containment';

/**
 * Containments by incident: what was proposed, its status and, once executed, the outcome of
 * each action. Notices draft their mitigation text from the actions that succeeded.
 */
export const containmentsProjection: Projection = {
  name: 'containments',
  version: 1,
  handles: CONTAINMENT_EVENT_TYPES,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS containments (containment_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, status TEXT NOT NULL,
        actions TEXT NOT NULL, outcomes TEXT, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS containments_incident ON containments(incident_id);`);
  },
  reset(db) {
    db.exec('DELETE FROM containments;');
  },
  apply(db, e) {
    const d = e.data as { containmentId: string; incidentId?: string; actions?: unknown[]; outcomes?: unknown[]; at: string };
    switch (e.type) {
      case 'ContainmentProposed':
        db.prepare(
          `INSERT OR REPLACE INTO containments (containment_id, incident_id, status, actions, updated_at) VALUES (?, ?, 'proposed', ?, ?)`,
        ).run(d.containmentId, d.incidentId, JSON.stringify(d.actions ?? []), d.at);
        break;
      case 'ContainmentApproved':
      case 'ContainmentRejected':
        db.prepare('UPDATE containments SET status = ?, updated_at = ? WHERE containment_id = ?').run(
          e.type === 'ContainmentApproved' ? 'approved' : 'rejected',
          d.at,
          d.containmentId,
        );
        break;
      case 'ContainmentExecuted':
        db.prepare(`UPDATE containments SET status = 'executed', outcomes = ?, updated_at = ? WHERE containment_id = ?`).run(
          JSON.stringify(d.outcomes ?? []),
          d.at,
          d.containmentId,
        );
        break;
    }
  },
};

import type { Projection } from '../projections/projection';

export const LEDGER_TAMPER_DETECTED = 'LedgerTamperDetected';
export const INTEGRITY_EVENT_TYPES = [LEDGER_TAMPER_DETECTED] as const;

/** Open tamper alerts for the security officer (GET /v1/ledger/tamper-alerts). */
export const tamperAlertsProjection: Projection = {
  name: 'ledger-tamper-alerts',
  version: 1,
  handles: [LEDGER_TAMPER_DETECTED],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS ledger_tamper_alerts (
      alert_id TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL, position INTEGER, detected_by TEXT NOT NULL,
      witness TEXT, checkpoint_size INTEGER, assigned_role TEXT NOT NULL, detected_at TEXT NOT NULL, ledger_position INTEGER NOT NULL)`);
  },
  reset(db) {
    db.exec('DELETE FROM ledger_tamper_alerts');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    db.prepare(
      `INSERT OR REPLACE INTO ledger_tamper_alerts (alert_id, kind, reason, position, detected_by, witness, checkpoint_size, assigned_role, detected_at, ledger_position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      d.alertId,
      d.kind,
      d.reason,
      d.position ?? null,
      d.detectedBy,
      d.witness ?? null,
      d.checkpointSize ?? null,
      d.assignedRole,
      e.metadata.occurredAt,
      e.position,
    );
  },
};

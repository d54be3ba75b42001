import type Database from 'better-sqlite3';
import type { TodayProvider } from '../../console';

/** Today's tamper alerts, from the integrity read model (verification runs and witnesses raise them). */
export function integrityTodayProviders(db: Database.Database): TodayProvider[] {
  return [
    {
      section: 'tamperAlerts',
      roles: ['security-officer', 'compliance-officer', 'auditor'],
      collect() {
        return (
          db.prepare('SELECT alert_id, kind, reason, position, detected_at FROM ledger_tamper_alerts ORDER BY detected_at').all() as Array<{
            alert_id: string;
            kind: string;
            reason: string;
            position: number | null;
            detected_at: string;
          }>
        ).map((a) => ({
          kind: 'tamper-alert',
          id: a.alert_id,
          title: `Ledger tamper alert: ${a.kind}`,
          href: null,
          since: a.detected_at,
          detail: a.position != null ? `${a.reason} (position ${a.position})` : a.reason,
        }));
      },
    },
  ];
}

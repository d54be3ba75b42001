import type Database from 'better-sqlite3';
import type { TodayProvider } from '../console';

/** Today's approvals from the notices read model: batches drafted by someone else wait for this officer (two-person rule). */
export function noticeTodayProviders(db: Database.Database): TodayProvider[] {
  return [
    {
      section: 'approvals',
      roles: ['compliance-officer', 'security-officer'],
      collect({ principal }) {
        return (
          db
            .prepare(
              `SELECT batch_id, incident_id, kind, status, updated_at FROM notice_batches WHERE status IN ('drafted', 'previewed') AND drafted_by <> ? ORDER BY updated_at`,
            )
            .all(principal.id) as Array<Record<string, string>>
        ).map((b) => ({
          kind: 'notice-batch',
          id: b.batch_id!,
          title: `Notice batch (${b.kind}) for incident ${b.incident_id!.slice(-8)}`,
          href: `/incidents/${b.incident_id}`,
          since: b.updated_at!,
          detail: `${b.status}; drafted by another officer`,
        }));
      },
    },
  ];
}

import type Database from 'better-sqlite3';
import { daysUntil, dueStatus, type TodayItem, type TodayProvider } from '../console';
import type { Role } from '../shared/roles';

const OFFICERS: Role[] = ['compliance-officer', 'security-officer'];
const READERS: Role[] = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'];

/** Today's sections from the incidents read model: open obligations by due date, and waivers waiting for a second officer. */
export function incidentTodayProviders(db: Database.Database): TodayProvider[] {
  return [
    {
      section: 'obligations',
      roles: READERS,
      collect({ today }) {
        const rows = db
          .prepare(
            `SELECT o.incident_id, o.obligation_id, o.kind, o.jurisdiction, o.due_on, i.title
             FROM incident_obligations o JOIN incidents i ON i.id = o.incident_id
             WHERE o.status = 'open' AND o.due_on IS NOT NULL ORDER BY o.due_on, o.incident_id LIMIT 200`,
          )
          .all() as Array<Record<string, string>>;
        return rows.map((o): TodayItem => {
          const daysLeft = daysUntil(today, o.due_on!);
          const what = o.jurisdiction ? `${o.kind} (${o.jurisdiction})` : o.kind;
          return {
            kind: 'obligation',
            id: `${o.incident_id}.${o.obligation_id}`,
            title: `${o.title}: ${what}`,
            href: `/incidents/${o.incident_id}`,
            dueOn: o.due_on!,
            daysLeft,
            status: dueStatus(daysLeft),
          };
        });
      },
    },
    {
      // Two-person rule: a waiver request waits for another officer, never for the one who asked.
      section: 'approvals',
      roles: OFFICERS,
      collect({ principal }) {
        return (
          db
            .prepare(
              `SELECT incident_id, obligation_id, kind, waiver_request, updated_at FROM incident_obligations WHERE waiver_request IS NOT NULL AND status = 'open'`,
            )
            .all() as Array<Record<string, string>>
        )
          .filter((o) => (JSON.parse(o.waiver_request!) as { requestedBy?: string }).requestedBy !== principal.id)
          .map((o) => ({
            kind: 'waiver',
            id: `${o.incident_id}.${o.obligation_id}`,
            title: `Waiver of "${o.kind}" for incident ${o.incident_id!.slice(-8)}`,
            href: `/incidents/${o.incident_id}`,
            since: o.updated_at!,
            detail: 'requested by another officer',
          }));
      },
    },
  ];
}

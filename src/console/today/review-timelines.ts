import type Database from 'better-sqlite3';
import { openTimelines } from '../../workflows';
import type { Role } from '../../shared/roles';
import { daysUntil, dueStatus } from '../domain/countdown';
import type { TodayItem, TodayProvider } from './today';

const REVIEW_HORIZON_DAYS = 30;
const REVIEW_ROLES: readonly Role[] = ['compliance-officer', 'security-officer', 'auditor'];

/**
 * "Reviews and recertifications due": the open timelines of the given workflows (workflow → title)
 * due within 30 days. The context that owns each workflow registers it, so the list of review
 * workflows lives with them, not here.
 */
export function reviewTimelinesProvider(db: Database.Database, titles: Record<string, string>): TodayProvider {
  return {
    section: 'reviews',
    roles: REVIEW_ROLES,
    collect({ today }) {
      return openTimelines(db, Object.keys(titles))
        .filter((t) => daysUntil(today, t.due_on) <= REVIEW_HORIZON_DAYS)
        .map((t): TodayItem => {
          const daysLeft = daysUntil(today, t.due_on);
          return {
            kind: t.workflow,
            id: t.key,
            title: `${titles[t.workflow] ?? t.workflow}: ${t.subject_kind} ${t.subject_id.slice(-8)}`,
            href: null,
            dueOn: t.due_on,
            daysLeft,
            status: dueStatus(daysLeft),
          };
        });
    },
  };
}

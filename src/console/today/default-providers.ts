import type Database from 'better-sqlite3';
import type { Role } from '../../shared/roles';
import { daysUntil, dueStatus, hoursSince } from '../domain/countdown';
import type { TodayItem, TodayRegistry } from './today';

const OFFICERS: Role[] = ['compliance-officer', 'security-officer'];
const READERS: Role[] = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'];
const REVIEW_WORKFLOWS = ['risk-review-annual', 'risk-review-after-change', 'access-recertification', 'key-rotation'];
const REVIEW_HORIZON_DAYS = 30;
const SILENT_AFTER_HOURS = 24;

interface Timeline {
  key: string;
  workflow: string;
  subject_kind: string;
  subject_id: string;
  source_stream: string;
  due_on: string;
}

function openTimelines(db: Database.Database, workflows: string[]): Timeline[] {
  return db
    .prepare(
      `SELECT * FROM workflow_timelines WHERE status = 'open' AND workflow IN (${workflows.map(() => '?').join(',')}) ORDER BY due_on, key`,
    )
    .all(...workflows) as Timeline[];
}

function hasTable(db: Database.Database, name: string): boolean {
  return Boolean(db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name));
}

const REVIEW_TITLES: Record<string, string> = {
  'risk-review-annual': 'Annual risk review',
  'risk-review-after-change': 'Risk review after a change',
  'access-recertification': 'Access recertification',
  'key-rotation': 'Key rotation',
};

/** The default sections, each from a context's read model. */
export function registerDefaultTodayProviders(reg: TodayRegistry, db: Database.Database): void {
  reg.register({
    section: 'obligations',
    roles: READERS,
    collect({ today }) {
      if (!hasTable(db, 'incident_obligations')) return [];
      const rows = db
        .prepare(
          `SELECT o.incident_id, o.obligation_id, o.kind, o.jurisdiction, o.due_on, o.citation, i.title
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
  });

  // Waiver requests on obligations wait for a second officer.
  reg.register({
    section: 'approvals',
    roles: OFFICERS,
    collect({ principal }) {
      if (!hasTable(db, 'incident_obligations')) return [];
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
  });

  reg.register({
    section: 'reviews',
    roles: ['compliance-officer', 'security-officer', 'auditor'],
    collect({ today }) {
      return openTimelines(db, REVIEW_WORKFLOWS)
        .filter((t) => daysUntil(today, t.due_on) <= REVIEW_HORIZON_DAYS)
        .map((t): TodayItem => {
          const daysLeft = daysUntil(today, t.due_on);
          return {
            kind: t.workflow,
            id: t.key,
            title: `${REVIEW_TITLES[t.workflow] ?? t.workflow}: ${t.subject_kind} ${t.subject_id.slice(-8)}`,
            href: null,
            dueOn: t.due_on,
            daysLeft,
            status: dueStatus(daysLeft),
          };
        });
    },
  });

  // Two-person rule: a request made by this person never waits for this person.
  reg.register({
    section: 'approvals',
    roles: OFFICERS,
    collect({ principal }) {
      if (!hasTable(db, 'notice_batches')) return [];
      return (
        db
          .prepare(
            `SELECT batch_id, incident_id, kind, status, drafted_by, updated_at FROM notice_batches WHERE status IN ('drafted', 'previewed') AND drafted_by <> ? ORDER BY updated_at`,
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
  });
  reg.register({
    section: 'approvals',
    roles: ['security-officer'],
    collect({ principal }) {
      if (!hasTable(db, 'sg_commands')) return [];
      return (
        db
          .prepare(
            `SELECT command_id, agent_id, action, requested_by, updated_at FROM sg_commands WHERE status = 'awaiting-approval' AND requested_by <> ? ORDER BY updated_at`,
          )
          .all(principal.id) as Array<Record<string, string>>
      ).map((c) => ({
        kind: 'agent-command',
        id: c.command_id!,
        title: `Agent command "${c.action}" on agent ${c.agent_id!.slice(-8)}`,
        href: null,
        since: c.updated_at!,
        detail: 'needs a second approver',
      }));
    },
  });

  reg.register({
    section: 'tamperAlerts',
    roles: ['security-officer', 'compliance-officer', 'auditor'],
    collect() {
      if (!hasTable(db, 'ledger_tamper_alerts')) return [];
      return (
        db.prepare('SELECT alert_id, kind, reason, position, detected_at FROM ledger_tamper_alerts ORDER BY detected_at').all() as Array<
          Record<string, any>
        >
      ).map((a) => ({
        kind: 'tamper-alert',
        id: a.alert_id,
        title: `Ledger tamper alert: ${a.kind}`,
        href: null,
        since: a.detected_at,
        detail: a.position != null ? `${a.reason} (position ${a.position})` : a.reason,
      }));
    },
  });

  reg.register({
    section: 'silentAgents',
    roles: ['security-officer'],
    collect({ now }) {
      if (!hasTable(db, 'sg_agents')) return [];
      const heartbeats = hasTable(db, 'sg_heartbeats');
      const rows = db
        .prepare(
          `SELECT a.agent_id, a.updated_at, ${heartbeats ? 'h.received_at' : 'NULL'} AS heard FROM sg_agents a ${heartbeats ? 'LEFT JOIN sg_heartbeats h ON h.agent_id = a.agent_id' : ''} WHERE a.status = 'active'`,
        )
        .all() as Array<{ agent_id: string; updated_at: string; heard: string | null }>;
      return rows
        .filter((r) => hoursSince(now.getTime(), r.heard ?? r.updated_at) >= SILENT_AFTER_HOURS)
        .map((r) => ({
          kind: 'agent',
          id: r.agent_id,
          title: `Agent ${r.agent_id.slice(-8)}`,
          href: null,
          since: r.heard ?? r.updated_at,
          detail: r.heard ? `last heartbeat ${hoursSince(now.getTime(), r.heard)} h ago` : 'no heartbeat since activation',
        }));
    },
  });

  reg.register({
    section: 'invitations',
    roles: ['admin'],
    collect({ now }) {
      return (
        db
          .prepare(
            `SELECT id, name, role, expires_at, issued_at FROM people_invitations WHERE status = 'pending' AND purpose = 'invite' ORDER BY issued_at`,
          )
          .all() as Array<Record<string, string>>
      ).map((i) => ({
        kind: 'invitation',
        id: i.id!,
        title: `${i.name} (${i.role})`,
        href: '/admin/invitations',
        since: i.issued_at!,
        detail: i.expires_at! <= now.toISOString() ? 'expired: revoke it and invite again' : `not yet accepted; expires ${i.expires_at}`,
      }));
    },
  });
}

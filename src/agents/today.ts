import type Database from 'better-sqlite3';
import { hoursSince, type TodayProvider } from '../console';

const SILENT_AFTER_HOURS = 24;

/**
 * Today's sections from the agents read model: active agents with no heartbeat for 24 hours (or
 * none since enrollment), and proposed agent commands waiting for a second security officer.
 */
export function agentTodayProviders(db: Database.Database): TodayProvider[] {
  return [
    {
      section: 'silentAgents',
      roles: ['security-officer'],
      collect({ now }) {
        const rows = db
          .prepare(
            `SELECT a.agent_id, a.updated_at, h.received_at AS heard FROM agents a LEFT JOIN agent_heartbeats h ON h.agent_id = a.agent_id
             WHERE a.status = 'active' ORDER BY a.agent_id`,
          )
          .all() as Array<{ agent_id: string; updated_at: string; heard: string | null }>;
        return rows
          .filter((r) => hoursSince(now.getTime(), r.heard ?? r.updated_at) >= SILENT_AFTER_HOURS)
          .map((r) => ({
            kind: 'agent',
            id: r.agent_id,
            title: `Agent ${r.agent_id}`,
            href: null,
            since: r.heard ?? r.updated_at,
            detail: r.heard ? `last heartbeat ${hoursSince(now.getTime(), r.heard)} h ago` : 'no heartbeat since enrollment',
          }));
      },
    },
    {
      section: 'approvals',
      roles: ['security-officer'],
      collect({ principal }) {
        return (
          db
            .prepare(
              `SELECT command_id, agent_id, action, requested_by, approvals, updated_at FROM agent_commands
               WHERE status = 'awaiting-approval' AND requested_by <> ? ORDER BY updated_at`,
            )
            .all(principal.id) as Array<Record<string, string>>
        )
          .filter((c) => !(JSON.parse(c.approvals ?? '[]') as string[]).includes(principal.id))
          .map((c) => ({
            kind: 'agent-command',
            id: c.command_id!,
            title: `Agent command "${c.action}" on agent ${c.agent_id}`,
            href: null,
            since: c.updated_at!,
            detail: 'needs a second approver',
          }));
      },
    },
  ];
}

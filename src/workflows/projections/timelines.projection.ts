/**
 * Read model of every timeline declared with the generic timeline events, with the last reminder
 * or escalation sent: what posture and "days left" views read. (Timelines declared through a
 * context's own translator are visible to the engine, not here: such a context projects its own.)
 */
import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import { TimelineEventTypes, timelineKey, type TimerFiredData } from '../domain/timeline';

export const timelinesProjection: Projection = {
  name: 'workflow-timelines',
  version: 1,
  handles: [
    TimelineEventTypes.TimelineScheduled,
    TimelineEventTypes.TimelineCompleted,
    TimelineEventTypes.TimelineCancelled,
    TimelineEventTypes.ReminderSent,
    TimelineEventTypes.EscalationRaised,
  ],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS workflow_timelines (
      key TEXT PRIMARY KEY, workflow TEXT NOT NULL, workflow_version INTEGER NOT NULL,
      subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, due_on TEXT NOT NULL, status TEXT NOT NULL,
      source_stream TEXT NOT NULL, owners TEXT, completed_on TEXT,
      last_step TEXT, last_sent_at TEXT, escalations INTEGER NOT NULL DEFAULT 0, reminders INTEGER NOT NULL DEFAULT 0,
      updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS workflow_timelines_open ON workflow_timelines (status, workflow, due_on);`);
  },
  reset(db) {
    db.exec('DELETE FROM workflow_timelines');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const key = timelineKey(d.workflow, d.subject);
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case TimelineEventTypes.TimelineScheduled:
        db.prepare(
          `INSERT INTO workflow_timelines (key, workflow, workflow_version, subject_kind, subject_id, due_on, status, source_stream, owners, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)
           ON CONFLICT(key) DO UPDATE SET workflow_version = excluded.workflow_version, due_on = excluded.due_on, status = 'open',
             source_stream = excluded.source_stream, owners = COALESCE(excluded.owners, owners), completed_on = NULL, updated_at = excluded.updated_at`,
        ).run(key, d.workflow, d.workflowVersion, d.subject.kind, d.subject.id, d.dueOn, e.stream, d.assignees ? JSON.stringify(d.assignees) : null, at);
        break;
      case TimelineEventTypes.TimelineCompleted:
        db.prepare(`UPDATE workflow_timelines SET status = 'completed', completed_on = ?, updated_at = ? WHERE key = ? AND status = 'open'`).run(d.completedOn, at, key);
        break;
      case TimelineEventTypes.TimelineCancelled:
        db.prepare(`UPDATE workflow_timelines SET status = 'cancelled', updated_at = ? WHERE key = ? AND status = 'open'`).run(at, key);
        break;
      case TimelineEventTypes.ReminderSent:
      case TimelineEventTypes.EscalationRaised: {
        const f = d as TimerFiredData;
        const col = e.type === TimelineEventTypes.ReminderSent ? 'reminders' : 'escalations';
        db.prepare(`UPDATE workflow_timelines SET last_step = ?, last_sent_at = ?, ${col} = ${col} + 1, updated_at = ? WHERE key = ? AND due_on = ?`).run(
          f.step, f.sentAt, at, key, f.dueOn,
        );
        break;
      }
    }
  },
};

export interface TimelineRow {
  key: string;
  workflow: string;
  workflow_version: number;
  subject_kind: string;
  subject_id: string;
  due_on: string;
  status: string;
  source_stream: string;
  owners: string | null;
  completed_on: string | null;
  last_step: string | null;
  last_sent_at: string | null;
  escalations: number;
  reminders: number;
}

export function openTimelines(db: Database.Database, workflows?: string[]): TimelineRow[] {
  if (workflows && workflows.length === 0) return [];
  const where = workflows ? `AND workflow IN (${workflows.map(() => '?').join(',')})` : '';
  return db.prepare(`SELECT * FROM workflow_timelines WHERE status = 'open' ${where} ORDER BY due_on, key`).all(...(workflows ?? [])) as TimelineRow[];
}

/**
 * Default posture sections, read from projections: the workflow timelines (reviews, key
 * rotation, breach obligations) and the risk register. Contexts may replace any of them.
 */
import type Database from 'better-sqlite3';
import { addDays, daysBetween } from '../shared/calendar';
import { openTimelines } from '../workflows';
import type { PostureRegistry } from './posture';

const HORIZON_DAYS = 30;

export function registerDefaultProviders(reg: PostureRegistry, db: Database.Database): void {
  reg.register({
    key: 'reviews',
    title: 'Reviews overdue or due within 30 days',
    order: 10,
    columns: ['workflow', 'subject', 'dueOn', 'daysLeft', 'overdue', 'escalations'],
    async collect({ today }) {
      const rows = openTimelines(db, ['risk-review-annual', 'risk-review-after-change', 'access-recertification'])
        .filter((t) => t.due_on <= addDays(today, HORIZON_DAYS))
        .map((t) => ({
          workflow: t.workflow,
          subject: `${t.subject_kind} ${t.subject_id}`,
          dueOn: t.due_on,
          daysLeft: daysBetween(today, t.due_on),
          overdue: t.due_on < today,
          escalations: t.escalations,
        }));
      return { rows, attention: rows.filter((r) => r.overdue).length };
    },
  });

  reg.register({
    key: 'high-risks',
    title: 'Open high and critical risks (latest assessment of each program)',
    order: 20,
    columns: ['assessment', 'riskId', 'title', 'level', 'score', 'treatment', 'ownerId', 'dueOn', 'treatmentOverdue'],
    async collect({ today }) {
      const rows = (
        db
          .prepare(
            `SELECT a.title AS assessment, r.* FROM risk_register r JOIN risk_assessments a ON a.id = r.assessment_id
             WHERE a.id IN (SELECT id FROM risk_assessments x WHERE x.started_at = (SELECT MAX(started_at) FROM risk_assessments y WHERE y.program_id = x.program_id))
             ORDER BY COALESCE(r.residual_score, r.inherent_score) DESC, r.risk_id`,
          )
          .all() as Array<Record<string, any>>
      )
        .map((r): Record<string, any> => ({
          ...r,
          level: r.residual_level ?? r.inherent_level,
          score: r.residual_score ?? r.inherent_score,
        }))
        .filter((r) => (r.level === 'high' || r.level === 'critical') && r.treatment !== 'avoid')
        .filter((r) => !(r.acceptances > 0 && (!r.accepted_until || r.accepted_until > today)))
        .map((r) => ({
          assessment: r.assessment,
          riskId: r.risk_id,
          title: r.title,
          level: r.level,
          score: r.score,
          treatment: r.treatment ?? null,
          ownerId: r.owner_id ?? null,
          dueOn: r.due_on ?? null,
          treatmentOverdue: !!r.due_on && r.due_on < today,
        }));
      return { rows, attention: rows.length };
    },
  });

  reg.register({
    key: 'keys-past-cryptoperiod',
    title: 'Keys past (or within 30 days of) the end of their cryptoperiod',
    order: 40,
    columns: ['keyId', 'rotateBy', 'daysLeft', 'pastCryptoperiod', 'escalations'],
    async collect({ today }) {
      const rows = openTimelines(db, ['key-rotation'])
        .filter((t) => t.due_on <= addDays(today, HORIZON_DAYS))
        .map((t) => ({
          keyId: t.subject_id,
          rotateBy: t.due_on,
          daysLeft: daysBetween(today, t.due_on),
          pastCryptoperiod: t.due_on < today,
          escalations: t.escalations,
        }));
      return { rows, attention: rows.filter((r) => r.pastCryptoperiod).length };
    },
  });

  reg.register({
    key: 'incident-obligations',
    title: 'Incidents with open notification obligations',
    order: 60,
    columns: ['incident', 'obligation', 'dueOn', 'daysLeft', 'overdue', 'lastSent'],
    async collect({ today }) {
      const rows = openTimelines(db, ['breach-notification']).map((t) => {
        const incident = t.source_stream.startsWith('incident-') ? t.source_stream.slice('incident-'.length) : t.source_stream;
        return {
          incident,
          // Obligation subjects are `<incidentId>.<obligationId>` (incidents context): show the obligation part.
          obligation: t.subject_id.startsWith(`${incident}.`) ? t.subject_id.slice(incident.length + 1) : t.subject_id,
          dueOn: t.due_on,
          daysLeft: daysBetween(today, t.due_on),
          overdue: t.due_on < today,
          lastSent: t.last_step,
        };
      });
      return { rows, attention: rows.filter((r) => r.daysLeft <= 7).length };
    },
  });

  reg.register({
    key: 'grants-expiring',
    title: 'Access grants expiring within 30 days',
    order: 30,
    columns: ['grantId', 'expiresOn', 'daysLeft', 'remindersSent'],
    async collect({ today }) {
      const ever = (
        db.prepare(`SELECT COUNT(*) AS n FROM workflow_timelines WHERE workflow = 'access-grant-expiry'`).get() as { n: number }
      ).n;
      const rows = openTimelines(db, ['access-grant-expiry'])
        .filter((t) => t.due_on <= addDays(today, HORIZON_DAYS))
        .map((t) => ({ grantId: t.subject_id, expiresOn: t.due_on, daysLeft: daysBetween(today, t.due_on), remindersSent: t.reminders }));
      // A grant still open after its expiry date means the expiry action has not run: that needs action.
      return {
        rows,
        attention: rows.filter((r) => r.daysLeft < 0).length,
        ...(ever === 0 ? { note: 'no grant expiry timelines recorded yet (access-grant-expiry workflow)' } : {}),
      };
    },
  });
  reg.placeholder(
    'unencrypted-datasets',
    'PHI datasets not encrypted',
    50,
    'provided by the datasets context (not installed in this build)',
  );
}

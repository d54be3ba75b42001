/** Read models of the risk context: assessments, the register of each, candidates. */
import type { Projection } from '../../ledger/projections/projection';
import { textCell } from '../../ledger/sealing';

export const riskProjection: Projection = {
  name: 'risk-register',
  version: 1,
  handles: [
    'RiskAssessmentStarted',
    'RiskAssetRegistered',
    'RiskIdentified',
    'RiskRated',
    'RiskTreatmentPlanned',
    'RiskAccepted',
    'RiskAssessmentSubmitted',
    'RiskAssessmentApproved',
    'RiskAssessmentCompleted',
    'RiskCandidateProposed',
    'RiskCandidateAdopted',
    'RiskCandidateDismissed',
  ],
  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS risk_assessments (
        id TEXT PRIMARY KEY, program_id TEXT NOT NULL, title TEXT NOT NULL, period_start TEXT NOT NULL, period_end TEXT NOT NULL,
        status TEXT NOT NULL, previous_id TEXT, started_at TEXT NOT NULL, started_by TEXT NOT NULL, submitted_by TEXT, approved_by TEXT,
        completed_on TEXT, next_review_due_on TEXT, version INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS risk_register (
        assessment_id TEXT NOT NULL, risk_id TEXT NOT NULL, title TEXT NOT NULL, source_kind TEXT NOT NULL,
        inherent_score INTEGER, inherent_level TEXT, residual_score INTEGER, residual_level TEXT,
        treatment TEXT, owner_id TEXT, due_on TEXT, acceptances INTEGER NOT NULL DEFAULT 0, accepted_until TEXT,
        PRIMARY KEY (assessment_id, risk_id));
      CREATE TABLE IF NOT EXISTS risk_candidates (
        id TEXT PRIMARY KEY, origin TEXT NOT NULL, source_kind TEXT NOT NULL, source_id TEXT NOT NULL, code TEXT NOT NULL,
        title TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, proposed_on TEXT NOT NULL, review_due_on TEXT,
        assessment_id TEXT, risk_id TEXT);`);
  },
  reset(db) {
    db.exec('DELETE FROM risk_assessments; DELETE FROM risk_register; DELETE FROM risk_candidates;');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const aid = e.stream.startsWith('risk-assessment-') ? e.stream.slice('risk-assessment-'.length) : null;
    const touch = () => aid && db.prepare('UPDATE risk_assessments SET version = ? WHERE id = ?').run(Number(e.version), aid);
    switch (e.type) {
      case 'RiskAssessmentStarted':
        db.prepare(
          `INSERT OR REPLACE INTO risk_assessments (id, program_id, title, period_start, period_end, status, previous_id, started_at, started_by, version)
           VALUES (?, ?, ?, ?, ?, 'in-progress', ?, ?, ?, ?)`,
        ).run(
          d.assessmentId,
          d.programId,
          textCell(d.title),
          d.periodStart,
          d.periodEnd,
          d.previousAssessmentId ?? null,
          e.metadata.occurredAt,
          d.startedBy,
          Number(e.version),
        );
        break;
      case 'RiskIdentified':
        db.prepare('INSERT OR REPLACE INTO risk_register (assessment_id, risk_id, title, source_kind) VALUES (?, ?, ?, ?)').run(
          aid,
          d.riskId,
          textCell(d.title),
          d.source.kind,
        );
        touch();
        break;
      case 'RiskRated': {
        const col = d.kind === 'inherent' ? 'inherent' : 'residual';
        db.prepare(`UPDATE risk_register SET ${col}_score = ?, ${col}_level = ? WHERE assessment_id = ? AND risk_id = ?`).run(
          d.score,
          d.level,
          aid,
          d.riskId,
        );
        touch();
        break;
      }
      case 'RiskTreatmentPlanned':
        db.prepare('UPDATE risk_register SET treatment = ?, owner_id = ?, due_on = ? WHERE assessment_id = ? AND risk_id = ?').run(
          d.option,
          d.ownerId,
          d.dueOn,
          aid,
          d.riskId,
        );
        touch();
        break;
      case 'RiskAccepted':
        db.prepare(
          'UPDATE risk_register SET acceptances = acceptances + 1, accepted_until = ? WHERE assessment_id = ? AND risk_id = ?',
        ).run(d.expiresOn ?? null, aid, d.riskId);
        touch();
        break;
      case 'RiskAssetRegistered':
        touch();
        break;
      case 'RiskAssessmentSubmitted':
        db.prepare(`UPDATE risk_assessments SET status = 'submitted', submitted_by = ?, version = ? WHERE id = ?`).run(
          d.submittedBy,
          Number(e.version),
          aid,
        );
        break;
      case 'RiskAssessmentApproved':
        db.prepare(`UPDATE risk_assessments SET status = 'approved', approved_by = ?, version = ? WHERE id = ?`).run(
          d.approvedBy,
          Number(e.version),
          aid,
        );
        break;
      case 'RiskAssessmentCompleted':
        db.prepare(
          `UPDATE risk_assessments SET status = 'completed', completed_on = ?, next_review_due_on = ?, version = ? WHERE id = ?`,
        ).run(d.completedOn, d.nextReviewDueOn, Number(e.version), aid);
        break;
      case 'RiskCandidateProposed':
        db.prepare(
          `INSERT OR IGNORE INTO risk_candidates (id, origin, source_kind, source_id, code, title, severity, status, proposed_on, review_due_on)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
        ).run(
          d.candidateId,
          d.origin,
          d.sourceRef.kind,
          d.sourceRef.id,
          d.code,
          textCell(d.title),
          d.severity,
          d.proposedOn,
          d.reviewDueOn,
        );
        break;
      case 'RiskCandidateAdopted':
        db.prepare(`UPDATE risk_candidates SET status = 'adopted', assessment_id = ?, risk_id = ? WHERE id = ?`).run(
          d.assessmentId,
          d.riskId,
          d.candidateId,
        );
        break;
      case 'RiskCandidateDismissed':
        db.prepare(`UPDATE risk_candidates SET status = 'dismissed' WHERE id = ?`).run(d.candidateId);
        break;
    }
  },
};

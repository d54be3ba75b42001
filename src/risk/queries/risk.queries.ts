import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { CLOCK, type Clock } from '../../platform/clock';
import { NotFoundError } from '../../platform/errors';
import { RiskStreams } from '../risk-streams';
import { readinessGaps, summarize } from '../domain/assessment';
import { shippedCatalogs } from '../domain/catalogs';
import { diffAssessments } from '../domain/diff';
import { renderAssessmentReport } from '../report/assessment-report';
import { isSealedValue, SEALED_TEXT } from '../../ledger/sealing';

@Injectable()
export class RiskQueries {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly streams: RiskStreams,
  ) {}

  async listAssessments(programId?: string) {
    await this.projections.catchUp();
    const rows = programId
      ? this.db.prepare('SELECT * FROM risk_assessments WHERE program_id = ? ORDER BY started_at DESC').all(programId)
      : this.db.prepare('SELECT * FROM risk_assessments ORDER BY started_at DESC').all();
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      id: r.id,
      programId: r.program_id,
      title: r.title,
      periodStart: r.period_start,
      periodEnd: r.period_end,
      status: r.status,
      previousAssessmentId: r.previous_id,
      completedOn: r.completed_on,
      nextReviewDueOn: r.next_review_due_on,
      version: r.version,
    }));
  }

  /** The full register, folded from the assessment's stream (always current). */
  async getAssessment(id: string) {
    const { state, version } = await this.streams.loadAssessment(id);
    return {
      ...state,
      version: Number(version),
      summary: summarize(state),
      readinessGaps: state.status === 'in-progress' ? readinessGaps(state) : [],
    };
  }

  async diff(id: string) {
    const { state } = await this.streams.loadAssessment(id);
    if (!state.previousAssessmentId) throw new NotFoundError('this assessment was not started from a previous one');
    const prev = await this.streams.loadAssessment(state.previousAssessmentId);
    return diffAssessments(prev.state, state);
  }

  async getProgram(id: string) {
    const { state, version } = await this.streams.loadProgram(id);
    return { ...state, version: Number(version) };
  }

  async listCandidates(status?: string) {
    await this.projections.catchUp();
    const rows = status
      ? this.db.prepare('SELECT * FROM risk_candidates WHERE status = ? ORDER BY proposed_on DESC, id').all(status)
      : this.db.prepare('SELECT * FROM risk_candidates ORDER BY proposed_on DESC, id').all();
    return (rows as Array<Record<string, unknown>>).map((r) => ({
      id: r.id,
      origin: r.origin,
      sourceRef: { kind: r.source_kind, id: r.source_id },
      code: r.code,
      title: r.title,
      severity: r.severity,
      status: r.status,
      proposedOn: r.proposed_on,
      reviewDueOn: r.review_due_on,
      assessmentId: r.assessment_id,
      riskId: r.risk_id,
    }));
  }

  async report(id: string): Promise<Buffer> {
    const { state } = await this.streams.loadAssessment(id);
    const diff = state.previousAssessmentId
      ? diffAssessments((await this.streams.loadAssessment(state.previousAssessmentId)).state, state)
      : null;
    // The PDF goes to auditors: sealed free text (titles, threats, asset names…) prints as the sealed marker, never "[object Object]".
    const shown = JSON.parse(JSON.stringify(state), (_k, v: unknown) => (isSealedValue(v) ? SEALED_TEXT : v)) as typeof state;
    return renderAssessmentReport(shown, {
      organization: this.config.ORG_NAME,
      generatedAt: this.clock.now(),
      timeZone: this.config.ORG_TIMEZONE,
      catalogs: shippedCatalogs(),
      diff,
    });
  }

  catalogs() {
    const c = shippedCatalogs();
    return { versions: c.versions, hipaa: [...c.hipaa.values()], hitrust: [...c.hitrust.values()], controls: [...c.controls.values()] };
  }
}

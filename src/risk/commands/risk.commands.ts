/**
 * The risk context's write side. Each method loads an aggregate, decides, and appends (through
 * handleCommand); no mail, no jobs — the workflows engine picks up the timeline events.
 * Completing an assessment touches two streams in an idempotent order: the program first
 * (records the review, closes the annual timeline and schedules the next), then the assessment.
 */
import { Inject, Injectable } from '@nestjs/common';
import { handleCommand, loadState } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { NotFoundError } from '../../platform/errors';
import { uuidv7 } from '../../platform/ids';
import { localDate } from '../../workflows/domain/calendar';
import type { WorkflowRegistry } from '../../workflows/registry';
import { WORKFLOW_REGISTRY } from '../../workflows/workflows.module';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import {
  assessmentDecider,
  assessmentStream,
  type Asset,
  type AssessmentState,
  type Person,
  RiskRuleError,
  type TreatmentOption,
} from '../domain/assessment';
import { candidateDecider, candidateIdFor, candidateStream, AFTER_CHANGE_WORKFLOW, type CandidateInput } from '../domain/candidates';
import { shippedCatalogs } from '../domain/catalogs';
import { diffAssessments, type AssessmentDiff } from '../domain/diff';
import { DEFAULT_MATRIX, type RiskMatrix } from '../domain/matrix';
import { ANNUAL_REVIEW_WORKFLOW, programDecider, programStream } from '../domain/program';

const by = (ctx: CommandContext): Person => ({ id: ctx.actor.id, role: ctx.actor.role });

@Injectable()
export class RiskCommands {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: WorkflowRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private today(): string {
    return localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
  }

  async loadAssessment(id: string): Promise<{ state: AssessmentState; version: bigint }> {
    const { state, version } = await loadState(this.ledger, assessmentStream(id), assessmentDecider);
    if (!state.exists || version === null) throw new NotFoundError('risk assessment not found');
    return { state, version };
  }

  async establishProgram(input: { programId: string; name: string; ownerId: string; firstReviewDueOn: string }, ctx: CommandContext) {
    const r = await handleCommand(this.ledger, programStream(input.programId), programDecider, { kind: 'establish', ...input, review: this.workflows.current(ANNUAL_REVIEW_WORKFLOW) }, ctx, { mode: 'create' });
    return { programId: input.programId, reviewDueOn: r.state.reviewDueOn, version: r.nextExpectedVersion };
  }

  async loadProgram(id: string) {
    const { state, version } = await loadState(this.ledger, programStream(id), programDecider);
    if (!state.exists) throw new NotFoundError('risk program not found');
    return { state, version };
  }

  async startAssessment(
    input: { programId: string; title: string; periodStart: string; periodEnd: string; matrix?: RiskMatrix; fromAssessmentId?: string },
    ctx: CommandContext,
  ): Promise<{ assessmentId: string; version: bigint; diff: AssessmentDiff | null }> {
    await this.loadProgram(input.programId);
    const assessmentId = uuidv7();
    let previous: AssessmentState | undefined;
    const carryIds: Record<string, string> = {};
    if (input.fromAssessmentId) {
      previous = (await this.loadAssessment(input.fromAssessmentId)).state;
      for (const id of [...Object.keys(previous.assets), ...Object.keys(previous.risks)]) carryIds[id] = uuidv7();
    }
    const r = await handleCommand(
      this.ledger,
      assessmentStream(assessmentId),
      assessmentDecider,
      {
        kind: 'start',
        data: { assessmentId, programId: input.programId, title: input.title, periodStart: input.periodStart, periodEnd: input.periodEnd, matrix: input.matrix ?? DEFAULT_MATRIX },
        by: by(ctx),
        catalogs: shippedCatalogs(),
        previous,
        carryIds,
      },
      ctx,
      { mode: 'create' },
    );
    return { assessmentId, version: r.nextExpectedVersion, diff: previous ? diffAssessments(previous, r.state) : null };
  }

  private async onAssessment(id: string, command: Parameters<typeof assessmentDecider.decide>[0], ctx: CommandContext, expectedVersion?: bigint) {
    await this.loadAssessment(id);
    const r = await handleCommand(this.ledger, assessmentStream(id), assessmentDecider, command, ctx, { mode: 'update', expectedVersion });
    return { state: r.state, version: r.nextExpectedVersion };
  }

  registerAsset(id: string, asset: Omit<Asset, 'assetId'>, ctx: CommandContext, expectedVersion?: bigint) {
    const assetId = uuidv7();
    return this.onAssessment(id, { kind: 'register-asset', asset: { ...asset, assetId }, by: by(ctx) }, ctx, expectedVersion).then((r) => ({ ...r, assetId }));
  }

  identifyRisk(id: string, risk: { title: string; assetIds: string[]; threat: string; vulnerability: string; controls: string[] }, ctx: CommandContext, expectedVersion?: bigint) {
    const riskId = uuidv7();
    return this.onAssessment(id, { kind: 'identify-risk', risk: { ...risk, riskId, source: { kind: 'assessment' } }, by: by(ctx), catalogs: shippedCatalogs() }, ctx, expectedVersion).then((r) => ({ ...r, riskId }));
  }

  rateRisk(id: string, riskId: string, body: { rating: 'inherent' | 'residual'; likelihood: number; impact: number; rationale: string }, ctx: CommandContext, expectedVersion?: bigint) {
    return this.onAssessment(id, { kind: 'rate-risk', riskId, ...body, by: by(ctx) }, ctx, expectedVersion);
  }

  planTreatment(id: string, riskId: string, body: { option: TreatmentOption; ownerId: string; dueOn: string; plan: string }, ctx: CommandContext, expectedVersion?: bigint) {
    return this.onAssessment(id, { kind: 'plan-treatment', riskId, ...body, by: by(ctx) }, ctx, expectedVersion);
  }

  acceptRisk(id: string, riskId: string, body: { rationale: string; expiresOn?: string }, ctx: CommandContext, expectedVersion?: bigint) {
    return this.onAssessment(id, { kind: 'accept-risk', riskId, acceptanceId: uuidv7(), acceptedOn: this.today(), ...body, by: by(ctx) }, ctx, expectedVersion);
  }

  submit(id: string, ctx: CommandContext, expectedVersion?: bigint) {
    return this.onAssessment(id, { kind: 'submit', by: by(ctx) }, ctx, expectedVersion);
  }

  approve(id: string, ctx: CommandContext, expectedVersion?: bigint) {
    return this.onAssessment(id, { kind: 'approve', by: by(ctx) }, ctx, expectedVersion);
  }

  /** Completes an approved assessment: the program records the review and schedules the next one. */
  async complete(id: string, ctx: CommandContext) {
    const { state } = await this.loadAssessment(id);
    if (state.status === 'completed') return { state, version: (await this.loadAssessment(id)).version };
    if (state.status !== 'approved') {
      // Let the decider give the precise reason.
      return this.onAssessment(id, { kind: 'complete', completedOn: this.today(), nextReviewDueOn: null, by: by(ctx) }, ctx);
    }
    const completedOn = this.today();
    const program = await handleCommand(
      this.ledger,
      programStream(state.programId),
      programDecider,
      { kind: 'record-review', assessmentId: id, completedOn, review: this.workflows.current(ANNUAL_REVIEW_WORKFLOW) },
      ctx,
      { mode: 'update' },
    );
    return this.onAssessment(id, { kind: 'complete', completedOn, nextReviewDueOn: program.state.reviewDueOn, by: by(ctx) }, ctx);
  }

  /** The port other contexts call (hardening findings, incidents, significant changes). Idempotent. */
  async proposeCandidate(input: CandidateInput, ctx: CommandContext) {
    const candidateId = candidateIdFor(input);
    const r = await handleCommand(this.ledger, candidateStream(candidateId), candidateDecider, { kind: 'propose', input, proposedOn: this.today(), review: this.workflows.current(AFTER_CHANGE_WORKFLOW) }, ctx);
    return { candidateId, created: r.newEvents.length > 0, reviewDueOn: r.state.candidate?.reviewDueOn ?? null };
  }

  /** Adopt a candidate into an assessment's register (candidate first, with a risk id derived from it, so a retry is harmless). */
  async adoptCandidate(candidateId: string, assessmentId: string, body: { assetIds: string[]; threat: string; vulnerability: string; controls: string[] }, ctx: CommandContext) {
    const { state: c } = await loadState(this.ledger, candidateStream(candidateId), candidateDecider);
    if (!c.exists || !c.candidate) throw new NotFoundError('risk candidate not found');
    const target = (await this.loadAssessment(assessmentId)).state;
    if (target.status !== 'in-progress') throw new RiskRuleError(`the assessment is ${target.status}; adopt candidates into one in progress`);
    const riskId = candidateId;
    await handleCommand(this.ledger, candidateStream(candidateId), candidateDecider, { kind: 'adopt', assessmentId, riskId, on: this.today(), by: ctx.actor.id, review: this.workflows.current(AFTER_CHANGE_WORKFLOW) }, ctx, { mode: 'update' });
    const { state } = await this.loadAssessment(assessmentId);
    if (state.risks[riskId]) return { riskId, version: (await this.loadAssessment(assessmentId)).version };
    const r = await this.onAssessment(
      assessmentId,
      { kind: 'identify-risk', risk: { riskId, title: c.candidate.title, ...body, source: { kind: 'candidate', candidateId, origin: c.candidate.origin } }, by: by(ctx), catalogs: shippedCatalogs() },
      ctx,
    );
    return { riskId, version: r.version };
  }

  async dismissCandidate(candidateId: string, reason: string, ctx: CommandContext) {
    const r = await handleCommand(this.ledger, candidateStream(candidateId), candidateDecider, { kind: 'dismiss', reason, on: this.today(), by: ctx.actor.id, review: this.workflows.current(AFTER_CHANGE_WORKFLOW) }, ctx, { mode: 'update' });
    return { candidateId, status: r.state.status };
  }
}

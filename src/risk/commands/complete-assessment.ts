import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import type { AssessmentState } from '../domain/assessment';
import { RiskStreams } from '../risk-streams';

/**
 * Complete an approved assessment. Two streams in an idempotent order: the program first (records
 * the review, closes the annual timeline and schedules the next), then the assessment; a retry
 * after a crash between them finds the review recorded and completes the assessment.
 */
export class CompleteRiskAssessmentCommand {
  constructor(
    readonly assessmentId: string,
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(CompleteRiskAssessmentCommand)
export class CompleteRiskAssessmentHandler implements ICommandHandler<
  CompleteRiskAssessmentCommand,
  { state: AssessmentState; version: bigint }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ assessmentId: id, ctx }: CompleteRiskAssessmentCommand) {
    const { state, version } = await this.streams.loadAssessment(id);
    if (state.status === 'completed') return { state, version };
    const on = this.streams.on(ctx);
    // Not approved: let the decider give the precise reason.
    if (state.status !== 'approved') return this.streams.onAssessment(id, { kind: 'complete', nextReviewDueOn: null, ...on }, ctx);
    const program = await this.streams.program(
      state.programId,
      { kind: 'record-review', assessmentId: id, review: this.streams.annualReview(), ...on },
      ctx,
      { mode: 'update' },
    );
    return this.streams.onAssessment(id, { kind: 'complete', nextReviewDueOn: program.state.reviewDueOn, ...on }, ctx);
  }
}

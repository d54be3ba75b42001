import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import type { AssessmentState } from '../domain/assessment';
import { shippedCatalogs } from '../domain/catalogs';
import { diffAssessments, type AssessmentDiff } from '../domain/diff';
import { DEFAULT_MATRIX, type RiskMatrix } from '../domain/matrix';
import { RiskStreams } from '../risk-streams';

/** Start an assessment period, optionally from the last completed one (its open items are carried over). */
export class StartRiskAssessmentCommand {
  constructor(
    readonly input: {
      programId: string;
      title: string;
      periodStart: string;
      periodEnd: string;
      matrix?: RiskMatrix;
      fromAssessmentId?: string;
    },
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(StartRiskAssessmentCommand)
export class StartRiskAssessmentHandler implements ICommandHandler<
  StartRiskAssessmentCommand,
  { assessmentId: string; version: bigint; diff: AssessmentDiff | null }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ input, ctx }: StartRiskAssessmentCommand) {
    await this.streams.loadProgram(input.programId);
    const assessmentId = this.streams.newId();
    let previous: AssessmentState | undefined;
    const carryIds: Record<string, string> = {};
    if (input.fromAssessmentId) {
      previous = (await this.streams.loadAssessment(input.fromAssessmentId)).state;
      for (const id of [...Object.keys(previous.assets), ...Object.keys(previous.risks)]) carryIds[id] = this.streams.newId();
    }
    const r = await this.streams.assessment(
      assessmentId,
      {
        kind: 'start',
        data: {
          assessmentId,
          programId: input.programId,
          title: input.title,
          periodStart: input.periodStart,
          periodEnd: input.periodEnd,
          matrix: input.matrix ?? DEFAULT_MATRIX,
        },
        catalogs: shippedCatalogs(),
        previous,
        carryIds,
        ...this.streams.on(ctx),
      },
      ctx,
      { mode: 'create' },
    );
    return { assessmentId, version: r.nextExpectedVersion, diff: previous ? diffAssessments(previous, r.state) : null };
  }
}

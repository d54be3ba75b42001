import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import type { AssessmentState } from '../domain/assessment';
import { shippedCatalogs } from '../domain/catalogs';
import { RiskStreams } from '../risk-streams';

/** Identify a risk (threat × vulnerability on assets) in an assessment's register; its id is chosen here. */
export class IdentifyRiskCommand {
  constructor(
    readonly assessmentId: string,
    readonly risk: { title: string; assetIds: string[]; threat: string; vulnerability: string; controls: string[] },
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

@CommandHandler(IdentifyRiskCommand)
export class IdentifyRiskHandler implements ICommandHandler<
  IdentifyRiskCommand,
  { state: AssessmentState; version: bigint; riskId: string }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ assessmentId, risk, ctx, expectedVersion }: IdentifyRiskCommand) {
    const riskId = this.streams.newId();
    const r = await this.streams.onAssessment(
      assessmentId,
      {
        kind: 'identify-risk',
        risk: { ...risk, riskId, source: { kind: 'assessment' } },
        catalogs: shippedCatalogs(),
        ...this.streams.on(ctx),
      },
      ctx,
      expectedVersion,
    );
    return { ...r, riskId };
  }
}

import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import type { AssessmentState, Asset } from '../domain/assessment';
import { RiskStreams } from '../risk-streams';

/** Register an asset in an assessment's register; its id is chosen here. */
export class RegisterRiskAssetCommand {
  constructor(
    readonly assessmentId: string,
    readonly asset: Omit<Asset, 'assetId'>,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

@CommandHandler(RegisterRiskAssetCommand)
export class RegisterRiskAssetHandler implements ICommandHandler<
  RegisterRiskAssetCommand,
  { state: AssessmentState; version: bigint; assetId: string }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ assessmentId, asset, ctx, expectedVersion }: RegisterRiskAssetCommand) {
    const assetId = this.streams.newId();
    const r = await this.streams.onAssessment(
      assessmentId,
      { kind: 'register-asset', asset: { ...asset, assetId }, ...this.streams.on(ctx) },
      ctx,
      expectedVersion,
    );
    return { ...r, assetId };
  }
}

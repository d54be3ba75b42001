import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import { RiskStreams } from '../risk-streams';

/** Establish the risk program and open its annual review timeline. */
export class EstablishRiskProgramCommand {
  constructor(
    readonly input: { programId: string; name: string; ownerId: string; firstReviewDueOn: string },
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(EstablishRiskProgramCommand)
export class EstablishRiskProgramHandler implements ICommandHandler<
  EstablishRiskProgramCommand,
  { programId: string; reviewDueOn: string | null; version: bigint }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ input, ctx }: EstablishRiskProgramCommand) {
    const r = await this.streams.program(
      input.programId,
      { kind: 'establish', ...input, review: this.streams.annualReview(), ...this.streams.on(ctx) },
      ctx,
      { mode: 'create' },
    );
    return { programId: input.programId, reviewDueOn: r.state.reviewDueOn, version: r.nextExpectedVersion };
  }
}

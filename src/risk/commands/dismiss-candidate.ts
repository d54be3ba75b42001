import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import { RiskStreams } from '../risk-streams';

/** Dismiss a candidate with a reason (closes its review-after-change timeline). */
export class DismissRiskCandidateCommand {
  constructor(
    readonly candidateId: string,
    readonly reason: string,
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(DismissRiskCandidateCommand)
export class DismissRiskCandidateHandler implements ICommandHandler<DismissRiskCandidateCommand, { candidateId: string; status: string }> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ candidateId, reason, ctx }: DismissRiskCandidateCommand) {
    const r = await this.streams.candidate(
      candidateId,
      { kind: 'dismiss', reason, review: this.streams.reviewAfterChange(), ...this.streams.on(ctx) },
      ctx,
      { mode: 'update' },
    );
    return { candidateId, status: r.state.status };
  }
}

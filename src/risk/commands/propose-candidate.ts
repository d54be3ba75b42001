import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import { candidateIdFor, type CandidateInput } from '../domain/candidates';
import { RiskStreams } from '../risk-streams';

/**
 * Propose a candidate risk: how other contexts (hardening findings, incidents, significant
 * changes) feed the register. Idempotent: the same source and code are one candidate.
 */
export class ProposeRiskCandidateCommand {
  constructor(
    readonly input: CandidateInput,
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(ProposeRiskCandidateCommand)
export class ProposeRiskCandidateHandler implements ICommandHandler<
  ProposeRiskCandidateCommand,
  { candidateId: string; created: boolean; reviewDueOn: string | null }
> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ input, ctx }: ProposeRiskCandidateCommand) {
    const candidateId = candidateIdFor(input);
    const r = await this.streams.candidate(
      candidateId,
      { kind: 'propose', input, review: this.streams.reviewAfterChange(), ...this.streams.on(ctx) },
      ctx,
    );
    return { candidateId, created: r.newEvents.length > 0, reviewDueOn: r.state.candidate?.reviewDueOn ?? null };
  }
}

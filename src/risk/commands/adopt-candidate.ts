import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import { RiskRuleError } from '../domain/assessment';
import { shippedCatalogs } from '../domain/catalogs';
import { RiskStreams } from '../risk-streams';

/**
 * Adopt a candidate into an assessment in progress: the candidate first, with a risk id derived
 * from it, then the risk in the register, so a retry is harmless.
 */
export class AdoptRiskCandidateCommand {
  constructor(
    readonly candidateId: string,
    readonly assessmentId: string,
    readonly risk: { assetIds: string[]; threat: string; vulnerability: string; controls: string[] },
    readonly ctx: CommandContext,
  ) {}
}

@CommandHandler(AdoptRiskCandidateCommand)
export class AdoptRiskCandidateHandler implements ICommandHandler<AdoptRiskCandidateCommand, { riskId: string; version: bigint }> {
  constructor(private readonly streams: RiskStreams) {}

  async execute({ candidateId, assessmentId, risk, ctx }: AdoptRiskCandidateCommand) {
    const { state: c } = await this.streams.loadCandidate(candidateId);
    const target = (await this.streams.loadAssessment(assessmentId)).state;
    if (target.status !== 'in-progress')
      throw new RiskRuleError(`the assessment is ${target.status}; adopt candidates into one in progress`);
    const riskId = candidateId;
    const on = this.streams.on(ctx);
    await this.streams.candidate(
      candidateId,
      { kind: 'adopt', assessmentId, riskId, review: this.streams.reviewAfterChange(), ...on },
      ctx,
      { mode: 'update' },
    );
    const { state, version } = await this.streams.loadAssessment(assessmentId);
    if (state.risks[riskId]) return { riskId, version };
    const r = await this.streams.onAssessment(
      assessmentId,
      {
        kind: 'identify-risk',
        risk: { riskId, title: c.candidate.title, ...risk, source: { kind: 'candidate', candidateId, origin: c.candidate.origin } },
        catalogs: shippedCatalogs(),
        ...on,
      },
      ctx,
    );
    return { riskId, version: r.version };
  }
}

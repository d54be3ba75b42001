import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext } from '../../ledger/ledger';
import type { AssessmentCommand, AssessmentState } from '../domain/assessment';
import { RiskStreams } from '../risk-streams';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Action<K extends AssessmentCommand['kind']> = DistributiveOmit<Extract<AssessmentCommand, { kind: K }>, 'actor' | 'today'>;

/** Rate, treat or accept a risk, submit or approve: actor and today are filled in by the handler (and an acceptance's id). */
export type AssessmentAction = Action<'rate-risk' | 'plan-treatment' | 'submit' | 'approve'> | Omit<Action<'accept-risk'>, 'acceptanceId'>;

export class RunAssessmentCommand {
  constructor(
    readonly assessmentId: string,
    readonly action: AssessmentAction,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

@CommandHandler(RunAssessmentCommand)
export class RunAssessmentHandler implements ICommandHandler<RunAssessmentCommand, { state: AssessmentState; version: bigint }> {
  constructor(private readonly streams: RiskStreams) {}

  execute({ assessmentId, action, ctx, expectedVersion }: RunAssessmentCommand) {
    const command = (
      action.kind === 'accept-risk'
        ? { ...action, acceptanceId: this.streams.newId(), ...this.streams.on(ctx) }
        : { ...action, ...this.streams.on(ctx) }
    ) as AssessmentCommand;
    return this.streams.onAssessment(assessmentId, command, ctx, expectedVersion);
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { uuidv7 } from '../../platform/ids';
import { incidentStream } from '../domain/incident';
import { INCIDENT_DECIDER, type IncidentDecider } from '../incident-decider';
import { localDate } from '../../shared/calendar';
import type { ReportIncidentBody } from '../domain/incident.schemas';

export class ReportIncidentCommand {
  constructor(
    readonly body: ReportIncidentBody,
    readonly ctx: CommandContext,
    /** A caller that must be idempotent (an event processor) passes a deterministic id. */
    readonly incidentId?: string,
  ) {}
}

@CommandHandler(ReportIncidentCommand)
export class ReportIncidentHandler implements ICommandHandler<ReportIncidentCommand, { incidentId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(INCIDENT_DECIDER) private readonly decider: IncidentDecider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ body, ctx, incidentId: given }: ReportIncidentCommand) {
    const incidentId = given ?? uuidv7();
    const r = await handleCommand(
      this.ledger,
      incidentStream(incidentId),
      this.decider,
      { kind: 'report', actor: ctx.actor, today: localDate(this.ledger.now(), this.config.ORG_TIMEZONE), data: { incidentId, ...body } },
      ctx,
      { mode: 'create' },
    );
    return { incidentId, version: r.nextExpectedVersion };
  }
}

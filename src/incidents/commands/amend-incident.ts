import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { incidentStream } from '../domain/incident';
import { INCIDENT_DECIDER, type IncidentDecider } from '../incident-decider';
import { localDate } from '../../shared/calendar';
import type { AmendIncidentBody } from '../domain/incident.schemas';

export class AmendIncidentCommand {
  constructor(
    readonly incidentId: string,
    readonly body: AmendIncidentBody,
    readonly ctx: CommandContext,
    /** From If-Match; without it the latest version is amended. */
    readonly expectedVersion?: bigint,
  ) {}
}

@CommandHandler(AmendIncidentCommand)
export class AmendIncidentHandler implements ICommandHandler<AmendIncidentCommand, { version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(INCIDENT_DECIDER) private readonly decider: IncidentDecider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ incidentId, body, ctx, expectedVersion }: AmendIncidentCommand) {
    const today = localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
    const r = await handleCommand(
      this.ledger,
      incidentStream(incidentId),
      this.decider,
      { kind: 'amend', actor: ctx.actor, today, ...body },
      ctx,
      {
        mode: 'update',
        expectedVersion,
      },
    );
    return { version: r.nextExpectedVersion };
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { incidentStream } from '../domain/incident';
import { INCIDENT_DECIDER, type IncidentDecider } from '../incident-decider';
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
  ) {}

  async execute({ incidentId, body, ctx, expectedVersion }: AmendIncidentCommand) {
    const r = await handleCommand(this.ledger, incidentStream(incidentId), this.decider, { kind: 'amend', incidentId, ...body }, ctx, {
      mode: 'update',
      expectedVersion,
    });
    return { version: r.nextExpectedVersion };
  }
}

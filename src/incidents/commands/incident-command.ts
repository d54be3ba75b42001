import type { SafeguardFacts } from '../domain/incident';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { incidentStream, type IncidentCommand } from '../domain/incident';
import { localDate } from '../../shared/calendar';
import { INCIDENT_DECIDER, type IncidentDecider } from '../incident-decider';
import { SAFE_HARBOR, type SafeHarborPort } from '../../datasets';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** Any incident command except report/amend; actor and today are filled in by the handler. */
export type IncidentAction = DistributiveOmit<Exclude<IncidentCommand, { kind: 'report' } | { kind: 'amend' }>, 'actor' | 'today'>;

export class RunIncidentCommand {
  constructor(
    readonly incidentId: string,
    readonly action:
      | DistributiveOmit<Exclude<IncidentAction, { kind: 'decide-triage' } | { kind: 'refresh-safeguards' }>, never>
      | (Omit<Extract<IncidentAction, { kind: 'decide-triage' }>, 'decisionId'> & { decisionId?: string })
      | Omit<Extract<IncidentAction, { kind: 'refresh-safeguards' }>, 'safeguards'>,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}

/**
 * Load → decide → append for every incident command (the decider does the rules). For a triage
 * decision the safe-harbor answer is asked from the datasets context's SAFE_HARBOR port first.
 */
@CommandHandler(RunIncidentCommand)
export class RunIncidentHandler implements ICommandHandler<RunIncidentCommand, { version: bigint; newEvents: number }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(INCIDENT_DECIDER) private readonly decider: IncidentDecider,
    @Inject(SAFE_HARBOR) private readonly safeguards: SafeHarborPort,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ incidentId, action, ctx, expectedVersion }: RunIncidentCommand) {
    const today = localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
    let command = { ...action, actor: ctx.actor, today } as IncidentCommand;
    if (command.kind === 'decide-triage' || command.kind === 'refresh-safeguards') {
      const stream = await this.ledger.readStream(incidentStream(incidentId));
      let state = this.decider.initialState();
      for (const e of stream) state = this.decider.evolve(state, e as never);
      const sg = await this.safeguardsDuringExposure(state, today);
      if (command.kind === 'decide-triage') {
        command = { ...command, decisionId: command.decisionId ?? randomUUID(), ...(sg ? { safeguards: sg } : {}) };
      } else {
        if (!sg) return { version: BigInt(stream.length), newEvents: 0 };
        command = { ...command, safeguards: sg };
      }
    }
    const r = await handleCommand(this.ledger, incidentStream(incidentId), this.decider, command, ctx, { mode: 'update', expectedVersion });
    return { version: r.nextExpectedVersion, newEvents: r.newEvents.length };
  }

  /**
   * Safe harbor must hold for the whole exposure: from when the breach occurred to its end (or
   * to discovery). Asked at both ends and combined pessimistically: unsecured or compromised at
   * either moment means not secured. Asking "today" would let a later shred or re-encryption
   * wrongly rescue a past breach.
   */
  private async safeguardsDuringExposure(
    state: { datasetIds: readonly string[]; discoveredOn: string | null; occurred: { from: string; to?: string } | null },
    today: string,
  ) {
    if (state.datasetIds.length === 0) return undefined;
    const moments = [
      ...new Set([state.occurred?.from, state.occurred?.to ?? state.discoveredOn ?? today].filter((d): d is string => Boolean(d))),
    ];
    const answers: SafeguardFacts[] = [];
    for (const at of moments) {
      const a = await this.safeguards.safeguardsFor([...state.datasetIds], at);
      if (!a) return undefined;
      answers.push(a);
    }
    const secured = (a: SafeguardFacts) => Boolean((a.encryption && !a.keyCompromised) || a.destruction);
    const decisive = answers.find((a) => !secured(a)) ?? answers[0]!;
    // Only the contract's vocabulary travels on (the source may add its own fields).
    return { encryption: decisive.encryption, keyCompromised: decisive.keyCompromised, destruction: decisive.destruction };
  }
}

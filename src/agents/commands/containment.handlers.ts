import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { FindGrantsQuery, RevokeGrantCommand, type GrantRef } from '../../access';
import { GetKeyQuery, RotateKeyCommand, RunKeyCommand } from '../../keys';
import {
  containmentDecider,
  containmentStream,
  planContainment,
  type ContainmentAction,
  type ContainmentCommand,
  type ContainmentOutcome,
} from '../domain/containment';
import { ApproveContainmentCommand, ProposeContainmentCommand, type ContainmentExecution, type ContainmentProposal } from '../messages';

type Action = ContainmentCommand extends infer C ? (C extends { kind: string } ? Omit<C, 'actor' | 'at'> : never) : never;

function onContainment(
  ledger: Ledger,
  containmentId: string,
  action: Action,
  ctx: CommandContext,
  options: { mode: 'create' | 'update'; expectedVersion?: bigint },
) {
  const command = { ...action, actor: ctx.actor, at: ledger.now().toISOString() } as ContainmentCommand;
  return handleCommand(ledger, containmentStream(containmentId), containmentDecider, command, ctx, options);
}

/** The actions for what an incident names: the principals' open grants revoked; each key rotated, then marked compromised. */
@CommandHandler(ProposeContainmentCommand)
export class ProposeContainmentHandler implements ICommandHandler<ProposeContainmentCommand, ContainmentProposal> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly queries: QueryBus,
  ) {}

  async execute({ body, ctx, expectedVersion }: ProposeContainmentCommand): Promise<ContainmentProposal> {
    for (const k of body.keyIds) await this.queries.execute(new GetKeyQuery(k)); // an unknown key is a 404 now, not a failed action later
    const grants = await this.queries.execute<FindGrantsQuery, GrantRef[]>(new FindGrantsQuery({ statuses: ['active', 'requested'] }));
    const actions = planContainment(
      { principals: body.principals, keyIds: body.keyIds, compromisedAt: body.compromisedAt ?? this.ledger.now().toISOString() },
      grants,
    );
    const containmentId = `cont-${randomUUID()}`;
    const r = await onContainment(
      this.ledger,
      containmentId,
      { kind: 'propose', containmentId, incidentId: body.incidentId, reason: body.reason, actions },
      ctx,
      { mode: 'create', expectedVersion },
    );
    return { containmentId, status: 'proposed', actions, version: r.nextExpectedVersion };
  }
}

/**
 * One approval by another officer issues every action through its own context (each may fail
 * on its own: a grant already ended, a key no longer active); the outcomes are recorded.
 */
@CommandHandler(ApproveContainmentCommand)
export class ApproveContainmentHandler implements ICommandHandler<ApproveContainmentCommand, ContainmentExecution> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
  ) {}

  async execute({ containmentId, ctx, expectedVersion }: ApproveContainmentCommand): Promise<ContainmentExecution> {
    const { state } = await onContainment(this.ledger, containmentId, { kind: 'approve' }, ctx, { mode: 'update', expectedVersion });
    const reason = `containment ${containmentId} for incident ${state.incidentId}`;
    const outcomes: ContainmentOutcome[] = [];
    for (const a of state.actions) {
      try {
        await this.commands.execute(this.commandFor(a, reason, state.incidentId, ctx));
        outcomes.push({ action: a, ok: true, detail: 'issued' });
      } catch (e) {
        outcomes.push({ action: a, ok: false, detail: (e as Error).message.slice(0, 200) });
      }
    }
    const r = await onContainment(this.ledger, containmentId, { kind: 'record-execution', outcomes }, ctx, { mode: 'update' });
    return { containmentId, status: 'executed', outcomes, version: r.nextExpectedVersion };
  }

  private commandFor(a: ContainmentAction, reason: string, incidentId: string | null, ctx: CommandContext) {
    switch (a.kind) {
      case 'revoke-grant':
        return new RevokeGrantCommand(a.grantId, reason, ctx);
      case 'rotate-key':
        return new RotateKeyCommand(a.keyId, ctx);
      case 'mark-key-compromised':
        return new RunKeyCommand(a.keyId, { kind: 'mark-compromised', compromisedAt: a.compromisedAt, reason, incidentId }, ctx);
    }
  }
}

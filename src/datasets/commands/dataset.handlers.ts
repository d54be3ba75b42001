import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { handleCommand, loadState } from '../../ledger/decider';
import { WrongExpectedVersionError } from '../../ledger/errors';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors';
import { FindGrantsQuery, type GrantRef } from '../../access';
import {
  AgentChannelQuery,
  IssueAgentCommand,
  ProposeAgentCommand,
  type AgentChannel,
  type IssuedAgentCommand,
  type ProposedAgentCommand,
} from '../../agents';
import { GetKeyQuery, SealKeyForAgentQuery, type KeyResult, type SealedKeyVersion } from '../../keys';
import { datasetDecider, datasetStream, type DatasetCommand, type DatasetState } from '../domain/dataset';
import {
  DeclarePopulationCommand,
  EncryptDatasetCommand,
  RecertifyPopulationCommand,
  RecordDatasetFactCommand,
  RegisterDatasetCommand,
  ShredDatasetCommand,
} from '../messages';

/** The dataset as its stream says, and the If-Match precondition on it (commands to its host never write it). */
async function loadDataset(
  ledger: Ledger,
  datasetId: string,
  expectedVersion: bigint | undefined,
): Promise<{ dataset: DatasetState & { agentId: string; path: string }; version: bigint }> {
  const stream = datasetStream(datasetId);
  const { state, version } = await loadState(ledger, stream, datasetDecider);
  if (version === null || !state.exists) throw new NotFoundError('dataset not found');
  if (expectedVersion !== undefined && version !== expectedVersion) throw new WrongExpectedVersionError(stream, expectedVersion, version);
  return { dataset: state as DatasetState & { agentId: string; path: string }, version };
}

@CommandHandler(RegisterDatasetCommand)
export class RegisterDatasetHandler implements ICommandHandler<RegisterDatasetCommand, { datasetId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly queries: QueryBus,
  ) {}

  async execute({ body, ctx, expectedVersion }: RegisterDatasetCommand) {
    const datasetId = body.datasetId ?? `ds-${randomUUID()}`;
    const agent = await this.queries.execute<AgentChannelQuery, AgentChannel>(new AgentChannelQuery(body.agentId));
    if (!agent) throw ValidationError.field('agentId', 'no such agent');
    const stream = datasetStream(datasetId);
    if (expectedVersion !== undefined) {
      const v = await this.ledger.streamVersion(stream);
      if (v !== expectedVersion) throw new WrongExpectedVersionError(stream, expectedVersion, v);
    }
    const command: DatasetCommand = {
      kind: 'register',
      datasetId,
      agentId: body.agentId,
      path: body.path,
      datasetKind: body.kind,
      actor: ctx.actor,
      at: this.ledger.now().toISOString(),
    };
    const r = await handleCommand(this.ledger, stream, datasetDecider, command, ctx, { mode: 'create' });
    return { datasetId, version: r.nextExpectedVersion };
  }
}

/**
 * dataset.encrypt to the dataset's agent, with the key's current version sealed to that agent.
 * Refused while a custodian of the key holds a grant to the dataset (separation of duties).
 */
@CommandHandler(EncryptDatasetCommand)
export class EncryptDatasetHandler implements ICommandHandler<EncryptDatasetCommand, { commandId: string; seq: number; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async execute({ datasetId, keyId, ctx, expectedVersion }: EncryptDatasetCommand) {
    const { dataset, version } = await loadDataset(this.ledger, datasetId, expectedVersion);
    if (dataset.encryption && dataset.encryption.keyId !== keyId) throw new ConflictError('dataset is encrypted under another key');
    const agent = await this.queries.execute<AgentChannelQuery, AgentChannel>(new AgentChannelQuery(dataset.agentId));
    if (agent?.status !== 'active' || !agent.sealPublicKey) throw new ConflictError(`agent ${dataset.agentId} is not active`);
    const { view: key } = await this.queries.execute<GetKeyQuery, KeyResult>(new GetKeyQuery(keyId));
    const holders = await this.queries.execute<FindGrantsQuery, GrantRef[]>(
      new FindGrantsQuery({ statuses: ['requested', 'active'], datasetIds: [datasetId] }),
    );
    if (holders.some((g) => key.custodians.includes(g.principal)))
      throw new ConflictError('a custodian of this key holds a grant to the dataset (separation of duties)');
    const sealed = await this.queries.execute<SealKeyForAgentQuery, SealedKeyVersion>(
      new SealKeyForAgentQuery(keyId, 'current', { agentId: dataset.agentId, sealPublicKey: agent.sealPublicKey }),
    );
    const issued = await this.commands.execute<IssueAgentCommand, IssuedAgentCommand>(
      new IssueAgentCommand(
        dataset.agentId,
        'dataset.encrypt',
        { datasetId, path: dataset.path, keyId, keyVersion: sealed.version, sealedKey: sealed.sealedKey },
        ctx,
      ),
    );
    return { commandId: issued.commandId, seq: issued.seq, version };
  }
}

@CommandHandler(ShredDatasetCommand)
export class ShredDatasetHandler implements ICommandHandler<
  ShredDatasetCommand,
  { commandId: string; status: 'awaiting-approval'; version: bigint }
> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
  ) {}

  async execute({ datasetId, ctx, expectedVersion }: ShredDatasetCommand) {
    const { dataset, version } = await loadDataset(this.ledger, datasetId, expectedVersion);
    const p = await this.commands.execute<ProposeAgentCommand, ProposedAgentCommand>(
      new ProposeAgentCommand(dataset.agentId, 'dataset.shred', { datasetId }, ctx),
    );
    return { commandId: p.commandId, status: p.status, version };
  }
}

/** What an agent proved (a verified result), at the time it reported it; a redelivered result records nothing. */
@CommandHandler(RecordDatasetFactCommand)
export class RecordDatasetFactHandler implements ICommandHandler<RecordDatasetFactCommand, { version: bigint; recorded: number }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ datasetId, fact, ctx }: RecordDatasetFactCommand) {
    const r = await handleCommand(
      this.ledger,
      datasetStream(datasetId),
      datasetDecider,
      { ...fact, actor: ctx.actor } as DatasetCommand,
      ctx,
      { mode: 'update' },
    );
    return { version: r.nextExpectedVersion, recorded: r.newEvents.length };
  }
}

/** Declare or recertify the population: If-Match is checked against the dataset, and the append expects that version. */
@CommandHandler(DeclarePopulationCommand)
export class DeclarePopulationHandler implements ICommandHandler<DeclarePopulationCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ datasetId, population, ctx, expectedVersion }: DeclarePopulationCommand) {
    const { version } = await loadDataset(this.ledger, datasetId, expectedVersion);
    const command: DatasetCommand = {
      kind: 'declare-population',
      population,
      source: 'declared',
      actor: ctx.actor,
      at: this.ledger.now().toISOString(),
    };
    const r = await handleCommand(this.ledger, datasetStream(datasetId), datasetDecider, command, ctx, {
      mode: 'update',
      ...(expectedVersion !== undefined ? { expectedVersion: version } : {}),
    });
    return { version: r.nextExpectedVersion };
  }
}

@CommandHandler(RecertifyPopulationCommand)
export class RecertifyPopulationHandler implements ICommandHandler<RecertifyPopulationCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ datasetId, ctx, expectedVersion }: RecertifyPopulationCommand) {
    const { version } = await loadDataset(this.ledger, datasetId, expectedVersion);
    const command: DatasetCommand = { kind: 'recertify-population', actor: ctx.actor, at: this.ledger.now().toISOString() };
    const r = await handleCommand(this.ledger, datasetStream(datasetId), datasetDecider, command, ctx, {
      mode: 'update',
      ...(expectedVersion !== undefined ? { expectedVersion: version } : {}),
    });
    return { version: r.nextExpectedVersion };
  }
}

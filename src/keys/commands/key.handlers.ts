import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, QueryBus, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { handleCommand, loadState, StreamNotFoundError } from '../../ledger/decider';
import { WrongExpectedVersionError } from '../../ledger/errors';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { ConflictError } from '../../platform/errors';
import {
  AgentChannelQuery,
  IssueAgentCommand,
  ProposeAgentCommand,
  type AgentChannel,
  type IssuedAgentCommand,
  type ProposedAgentCommand,
} from '../../agents';
import { FindGrantsQuery, type GrantRef } from '../../access';
import { DatasetsUnderKeyQuery, type DatasetUnderKey } from '../../datasets';
import { currentVersion, keyDecider, KeyRuleError, keyStream, type KeyCommand } from '../domain/key';
import type { KeyLocker } from '../domain/key-locker';
import {
  GenerateKeyCommand,
  RotateKeyCommand,
  RunKeyCommand,
  type KeyRevokeProposal,
  type RotateKeyResult,
  type RunKeyResult,
} from '../messages';
import { KEY_LOCKER } from '../tokens';

/** A key version's material written twice means another request made it first. */
async function generateMaterial(locker: KeyLocker, keyId: string, version: number): Promise<string> {
  try {
    return (await locker.generate(keyId, version)).fingerprint;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
      throw new ConflictError(`key ${keyId} version ${version} was created by another request`);
    throw e;
  }
}

@CommandHandler(GenerateKeyCommand)
export class GenerateKeyHandler implements ICommandHandler<GenerateKeyCommand, { keyId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(KEY_LOCKER) private readonly locker: KeyLocker,
  ) {}

  async execute({ body, ctx, expectedVersion }: GenerateKeyCommand) {
    const keyId = body.keyId ?? `key-${randomUUID()}`;
    const stream = keyStream(keyId);
    const existing = await this.ledger.streamVersion(stream);
    if (expectedVersion !== undefined && existing !== expectedVersion)
      throw new WrongExpectedVersionError(stream, expectedVersion, existing);
    if (existing !== null) throw new ConflictError('key already exists');
    const fingerprint = await generateMaterial(this.locker, keyId, 1);
    const at = this.ledger.now().toISOString();
    const command: KeyCommand = {
      kind: 'generate',
      keyId,
      name: body.name,
      fingerprint,
      cryptoperiodDays: body.cryptoperiodDays,
      maxCustodians: body.maxCustodians,
      actor: ctx.actor,
      at,
    };
    const r = await handleCommand(this.ledger, stream, keyDecider, command, ctx, { mode: 'create' });
    return { keyId, version: r.nextExpectedVersion };
  }
}

/**
 * Every key transition but generate and rotate. Custodian assignment first asks access who
 * holds grants to data under the key (separation of duties); once a key is revoked, key.revoke
 * is proposed to every host holding a dataset under it.
 */
@CommandHandler(RunKeyCommand)
export class RunKeyHandler implements ICommandHandler<RunKeyCommand, RunKeyResult> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async execute({ keyId, action, ctx, expectedVersion }: RunKeyCommand): Promise<RunKeyResult> {
    const at = this.ledger.now().toISOString();
    let command: KeyCommand;
    switch (action.kind) {
      case 'assign-custodian': {
        const datasets = await this.queries.execute<DatasetsUnderKeyQuery, DatasetUnderKey[]>(new DatasetsUnderKeyQuery(keyId));
        const grants = datasets.length
          ? await this.queries.execute<FindGrantsQuery, GrantRef[]>(
              new FindGrantsQuery({ statuses: ['requested', 'active'], datasetIds: datasets.map((d) => d.datasetId) }),
            )
          : [];
        command = {
          kind: 'assign-custodian',
          principal: action.principal,
          principalsWithGrants: grants.map((g) => g.principal),
          actor: ctx.actor,
          at,
        };
        break;
      }
      case 'mark-compromised':
        command = {
          kind: 'mark-compromised',
          compromisedAt: action.compromisedAt ?? at,
          reason: action.reason,
          incidentId: action.incidentId ?? null,
          actor: ctx.actor,
          at,
        };
        break;
      case 'activate':
      case 'suspend':
      case 'reactivate':
      case 'deactivate':
      case 'cancel-revocation':
      case 'cancel-destruction':
        command = { kind: action.kind, reason: action.reason ?? '', actor: ctx.actor, at } as KeyCommand;
        break;
      default:
        command = { ...action, actor: ctx.actor, at };
    }
    const r = await handleCommand(this.ledger, keyStream(keyId), keyDecider, command, ctx, { mode: 'update', expectedVersion });
    const proposals = r.newEvents.some((e) => e.type === 'KeyRevoked') ? await this.proposeKeyRevoke(keyId, ctx) : [];
    return { version: r.nextExpectedVersion, proposals };
  }

  private async proposeKeyRevoke(keyId: string, ctx: CommandContext): Promise<KeyRevokeProposal[]> {
    const datasets = await this.queries.execute<DatasetsUnderKeyQuery, DatasetUnderKey[]>(new DatasetsUnderKeyQuery(keyId));
    const out: KeyRevokeProposal[] = [];
    for (const agentId of [...new Set(datasets.filter((d) => d.state !== 'shredded').map((d) => d.agentId))]) {
      const agent = await this.queries.execute<AgentChannelQuery, AgentChannel>(new AgentChannelQuery(agentId));
      if (agent?.status !== 'active') continue; // a revoked host gets no commands; its data keys were never sent again
      const p = await this.commands.execute<ProposeAgentCommand, ProposedAgentCommand>(
        new ProposeAgentCommand(agentId, 'key.revoke', { keyId }, ctx),
      );
      out.push({ agentId, commandId: p.commandId, status: p.status });
    }
    return out;
  }
}

/**
 * Rotation: the new version's material first, then KeyVersionAdded at exactly the version that
 * was read (no silent retry: the material was made for that version number), then key.rewrap
 * with the new version sealed to each host that holds a dataset under the key.
 */
@CommandHandler(RotateKeyCommand)
export class RotateKeyHandler implements ICommandHandler<RotateKeyCommand, RotateKeyResult> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(KEY_LOCKER) private readonly locker: KeyLocker,
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  async execute({ keyId, ctx, expectedVersion }: RotateKeyCommand): Promise<RotateKeyResult> {
    const stream = keyStream(keyId);
    const { state, version } = await loadState(this.ledger, stream, keyDecider);
    if (version === null) throw new StreamNotFoundError(stream);
    if (expectedVersion !== undefined && version !== expectedVersion) throw new WrongExpectedVersionError(stream, expectedVersion, version);
    if (state.status !== 'active')
      throw new KeyRuleError(`cannot rotate a key that is ${state.status}: only an active key gets new versions`);
    const next = currentVersion(state) + 1;
    const fingerprint = await generateMaterial(this.locker, keyId, next);
    const r = await handleCommand(
      this.ledger,
      stream,
      keyDecider,
      { kind: 'rotate', fingerprint, actor: ctx.actor, at: this.ledger.now().toISOString() },
      ctx,
      { mode: 'update', expectedVersion: version },
    );
    const commands: RotateKeyResult['commands'] = [];
    for (const d of await this.queries.execute<DatasetsUnderKeyQuery, DatasetUnderKey[]>(new DatasetsUnderKeyQuery(keyId))) {
      if (d.state === 'shredded' || d.state === 'key-revoked') continue;
      const agent = await this.queries.execute<AgentChannelQuery, AgentChannel>(new AgentChannelQuery(d.agentId));
      if (agent?.status !== 'active' || !agent.sealPublicKey) continue;
      const sealedKey = await this.locker.sealForAgent(keyId, next, d.agentId, agent.sealPublicKey);
      const issued = await this.commands.execute<IssueAgentCommand, IssuedAgentCommand>(
        new IssueAgentCommand(d.agentId, 'key.rewrap', { datasetId: d.datasetId, keyId, toVersion: next, sealedKey }, ctx),
      );
      commands.push({ datasetId: d.datasetId, agentId: d.agentId, commandId: issued.commandId, seq: issued.seq });
    }
    return { version: r.nextExpectedVersion, commands };
  }
}

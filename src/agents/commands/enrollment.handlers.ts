import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomBytes, randomUUID } from 'node:crypto';
import { handleCommand } from '../../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { ValidationError } from '../../platform/errors';
import { keyIdOf, publicKeyFromB64 } from '../../shared/agent-protocol';
import { agentDecider, agentStream, hashToken, type AgentCommand, type AgentEvent } from '../domain/agent';
import type { ServiceSigningKey } from '../infra/service-signing-key';
import {
  ApproveEnrollmentCommand,
  IssueEnrollmentTokenCommand,
  RequestEnrollmentCommand,
  RevokeAgentCommand,
  type EnrollmentRequested,
  type EnrollmentToken,
} from '../messages';
import { SERVICE_SIGNING_KEY } from '../tokens';

type Action = AgentCommand extends infer C ? (C extends { kind: string } ? Omit<C, 'actor' | 'at'> : never) : never;

/** load → decide → append on the agent's stream, with the caller's expected version. */
export function onAgent(
  ledger: Ledger,
  agentId: string,
  action: Action,
  ctx: CommandContext,
  options: { expectedVersion?: bigint; mode?: 'update' | 'any' } = {},
) {
  const command = { ...action, actor: ctx.actor, at: ledger.now().toISOString() } as AgentCommand;
  return handleCommand(ledger, agentStream(agentId), agentDecider, command, ctx, {
    mode: options.mode ?? 'update',
    expectedVersion: options.expectedVersion,
  });
}

/** A single-use, short-lived token (only its hash is recorded); a second officer approves the enrollment later. */
@CommandHandler(IssueEnrollmentTokenCommand)
export class IssueEnrollmentTokenHandler implements ICommandHandler<IssueEnrollmentTokenCommand, EnrollmentToken> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ agentId, ttlMinutes, ctx, expectedVersion }: IssueEnrollmentTokenCommand): Promise<EnrollmentToken> {
    const token = randomBytes(32).toString('base64url');
    const r = await onAgent(
      this.ledger,
      agentId,
      { kind: 'issue-token', agentId, tokenHash: hashToken(token), ttlMs: ttlMinutes * 60_000 },
      ctx,
      { mode: 'any', expectedVersion },
    );
    const issued = r.newEvents[0] as Extract<AgentEvent, { type: 'AgentEnrollmentTokenIssued' }>;
    return { agentId, token, expiresAt: issued.data.expiresAt, version: r.nextExpectedVersion };
  }
}

/** The agent posts its keys with the token; it answers with the service key to pin. */
@CommandHandler(RequestEnrollmentCommand)
export class RequestEnrollmentHandler implements ICommandHandler<RequestEnrollmentCommand, EnrollmentRequested> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(SERVICE_SIGNING_KEY) private readonly signing: ServiceSigningKey,
  ) {}

  async execute({ body, expectedVersion }: RequestEnrollmentCommand): Promise<EnrollmentRequested> {
    try {
      publicKeyFromB64(body.publicKey, 'ed25519');
    } catch {
      throw ValidationError.field('publicKey', 'must be an Ed25519 public key (SPKI DER, base64)');
    }
    try {
      publicKeyFromB64(body.sealPublicKey, 'x25519');
    } catch {
      throw ValidationError.field('sealPublicKey', 'must be an X25519 public key (SPKI DER, base64)');
    }
    const ctx: CommandContext = { actor: { id: `agent:${body.agentId}`, role: 'agent' }, correlationId: randomUUID() };
    const r = await onAgent(
      this.ledger,
      body.agentId,
      {
        kind: 'request-enrollment',
        token: body.token,
        publicKey: body.publicKey,
        sealPublicKey: body.sealPublicKey,
        kid: keyIdOf(body.publicKey),
        hostFacts: body.hostFacts,
      },
      ctx,
      { expectedVersion },
    );
    return {
      agentId: body.agentId,
      status: 'pending-approval',
      servicePublicKey: this.signing.publicKey,
      serviceKid: this.signing.kid,
      version: r.nextExpectedVersion,
    };
  }
}

@CommandHandler(ApproveEnrollmentCommand)
export class ApproveEnrollmentHandler implements ICommandHandler<ApproveEnrollmentCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ agentId, ctx, expectedVersion }: ApproveEnrollmentCommand) {
    const r = await onAgent(this.ledger, agentId, { kind: 'approve-enrollment' }, ctx, { expectedVersion });
    return { version: r.nextExpectedVersion };
  }
}

/** Revocation stops signing for the agent; its results are rejected and its queue removed (AgentCommandProcessor). */
@CommandHandler(RevokeAgentCommand)
export class RevokeAgentHandler implements ICommandHandler<RevokeAgentCommand, { version: bigint }> {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  async execute({ agentId, reason, ctx, expectedVersion }: RevokeAgentCommand) {
    const r = await onAgent(this.ledger, agentId, { kind: 'revoke', reason }, ctx, { expectedVersion });
    return { version: r.nextExpectedVersion };
  }
}

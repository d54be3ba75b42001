import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import {
  generateSigningKeyPair,
  keyIdOf,
  privateKeyFromPem,
  sealTo,
  kekSealContext,
  signApproval,
  type Action,
  type Approval,
} from '../../../src/shared/agent-protocol';
import { buildCommand, signCommand } from '../../../src/agents/domain/service-channel';

export interface Signer {
  publicKey: string;
  kid: string;
  key: KeyObject;
}

export function newSigner(): Signer {
  const kp = generateSigningKeyPair();
  return { publicKey: kp.publicKey, kid: keyIdOf(kp.publicKey), key: privateKeyFromPem(kp.privateKeyPem, 'ed25519') };
}

/** A test stand-in for the service's command issuer. */
export class TestIssuer {
  seq = 0;
  readonly service = newSigner();
  constructor(public agentId: string) {}

  command(
    action: Action,
    params: Record<string, unknown>,
    now: Date,
    opts: {
      seq?: number;
      agentId?: string;
      approvals?: (c: { commandId: string; agentId: string; action: Action; params: Record<string, unknown> }) => Approval[];
      ttlMs?: number;
      requestedBy?: string;
    } = {},
  ) {
    const seq = opts.seq ?? ++this.seq;
    const commandId = randomUUID();
    const agentId = opts.agentId ?? this.agentId;
    const approvals = opts.approvals ? opts.approvals({ commandId, agentId, action, params }) : [];
    const cmd = buildCommand({
      commandId,
      agentId,
      seq,
      action,
      params,
      requestedBy: opts.requestedBy ?? 'sec-alice',
      approvals,
      ledgerPosition: 42n,
      now,
      ttlMs: opts.ttlMs,
    });
    return signCommand(cmd, this.service.key, this.service.kid);
  }
}

export function approve(officer: Signer & { id: string }, at: Date) {
  return (c: { commandId: string; agentId: string; action: Action; params: Record<string, unknown> }) =>
    signApproval(c, {
      approverId: officer.id,
      role: 'security-officer',
      approvedAt: at.toISOString(),
      kid: officer.kid,
      privateKey: officer.key,
    });
}

export function newKek(): Buffer {
  return randomBytes(32);
}

export function sealKek(sealPublicKey: string, agentId: string, keyId: string, version: number, kek: Buffer) {
  return sealTo(sealPublicKey, kek, kekSealContext(agentId, keyId, version));
}

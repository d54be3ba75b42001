import type { Decider } from '../../../ledger/decider';
import type { DomainEvent } from '../../../ledger/ledger';
import type { Role } from '../../domain/roles';

/**
 * An invitation lets one person register a passkey: a new principal invited by an admin, or the
 * bootstrap admin's one-time sign-in link. Single use; expires (72 h by default). The link's
 * secret is never in the ledger: it is an HMAC of the invitation id under a key held in the vault.
 */
export type InvitationPurpose = 'invite' | 'bootstrap';

export type InvitationEvent =
  | DomainEvent<
      'InvitationIssued',
      {
        invitationId: string;
        principalId: string;
        name: string;
        email: string | null;
        role: Role;
        purpose: InvitationPurpose;
        expiresAt: string;
      }
    >
  | DomainEvent<'InvitationSent', { invitationId: string; messageId: string }>
  | DomainEvent<'InvitationAccepted', { invitationId: string; principalId: string; credentialId: string }>
  | DomainEvent<'InvitationRevoked', { invitationId: string; reason: string }>;

export const INVITATION_EVENT_TYPES = ['InvitationIssued', 'InvitationSent', 'InvitationAccepted', 'InvitationRevoked'] as const;

export type InvitationStatus = 'none' | 'pending' | 'accepted' | 'revoked';

export interface InvitationState {
  status: InvitationStatus;
  principalId: string | null;
  role: Role | null;
  expiresAt: string | null;
  sent: boolean;
}

export type InvitationCommand =
  | {
      kind: 'issue';
      invitationId: string;
      principalId: string;
      name: string;
      email: string | null;
      role: Role;
      purpose: InvitationPurpose;
      expiresAt: string;
    }
  | { kind: 'record-sent'; invitationId: string; messageId: string }
  | { kind: 'accept'; invitationId: string; credentialId: string; now: string }
  | { kind: 'revoke'; invitationId: string; reason: string };

export class InvitationRuleError extends Error {
  readonly code = 'INVITATION_RULE';
}

/** Pending and not past its expiry: the only state in which a link works. */
export function invitationUsable(
  state: InvitationState,
  now: string,
): { ok: true } | { ok: false; reason: 'unknown' | 'used' | 'revoked' | 'expired' } {
  if (state.status === 'none') return { ok: false, reason: 'unknown' };
  if (state.status === 'accepted') return { ok: false, reason: 'used' };
  if (state.status === 'revoked') return { ok: false, reason: 'revoked' };
  if (state.expiresAt !== null && now >= state.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true };
}

export const invitationDecider: Decider<InvitationState, InvitationCommand, InvitationEvent> = {
  initialState: () => ({ status: 'none', principalId: null, role: null, expiresAt: null, sent: false }),
  evolve(state, event) {
    switch (event.type) {
      case 'InvitationIssued':
        return {
          status: 'pending',
          principalId: event.data.principalId,
          role: event.data.role,
          expiresAt: event.data.expiresAt,
          sent: false,
        };
      case 'InvitationSent':
        return { ...state, sent: true };
      case 'InvitationAccepted':
        return { ...state, status: 'accepted' };
      case 'InvitationRevoked':
        return { ...state, status: 'revoked' };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'issue': {
        if (state.status !== 'none') throw new InvitationRuleError('invitation already exists');
        const { kind: _kind, ...data } = command;
        return [{ type: 'InvitationIssued', data }];
      }
      case 'record-sent':
        if (state.status === 'none') throw new InvitationRuleError('invitation does not exist');
        if (state.sent) return [];
        return [{ type: 'InvitationSent', data: { invitationId: command.invitationId, messageId: command.messageId } }];
      case 'accept': {
        const usable = invitationUsable(state, command.now);
        if (!usable.ok)
          throw new InvitationRuleError(`the invitation link is ${usable.reason === 'used' ? 'already used' : usable.reason}`);
        return [
          {
            type: 'InvitationAccepted',
            data: { invitationId: command.invitationId, principalId: state.principalId!, credentialId: command.credentialId },
          },
        ];
      }
      case 'revoke':
        if (state.status === 'none') throw new InvitationRuleError('invitation does not exist');
        if (state.status === 'accepted')
          throw new InvitationRuleError('an accepted invitation cannot be revoked; disable the person instead');
        if (state.status === 'revoked') return [];
        return [{ type: 'InvitationRevoked', data: { invitationId: command.invitationId, reason: command.reason } }];
    }
  },
};

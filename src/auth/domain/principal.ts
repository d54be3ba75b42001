import type { CommandAt } from '../../ledger/command';
import type { Decider } from '../../ledger/decider';
import type { DomainEvent } from '../../ledger/ledger';
import { type Role } from './roles';

export type PrincipalEvent =
  | DomainEvent<'PrincipalCreated', { principalId: string; name: string; role: Role }>
  | DomainEvent<'ApiKeyIssued', { principalId: string; keyId: string; keyHash: string }>
  | DomainEvent<'PrincipalDisabled', { principalId: string; reason: string }>;

export const PRINCIPAL_EVENT_TYPES = ['PrincipalCreated', 'ApiKeyIssued', 'PrincipalDisabled'] as const;

export interface PrincipalState {
  exists: boolean;
  disabled: boolean;
  role: Role | null;
}

/** Who asks and when (the actor is recorded in each event's metadata). Only SHA-256 of a key's secret travels. */
export type PrincipalCommand =
  | (CommandAt & { kind: 'create'; principalId: string; name: string; role: Role; keyId: string; keyHash: string })
  | (CommandAt & { kind: 'issue-key'; principalId: string; keyId: string; keyHash: string })
  | (CommandAt & { kind: 'disable'; principalId: string; reason: string });

export class PrincipalRuleError extends Error {
  readonly code = 'PRINCIPAL_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'PrincipalRuleError';
  }
}

export const principalDecider: Decider<PrincipalState, PrincipalCommand, PrincipalEvent> = {
  initialState: () => ({ exists: false, disabled: false, role: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'PrincipalCreated':
        return { exists: true, disabled: false, role: event.data.role };
      case 'PrincipalDisabled':
        return { ...state, disabled: true };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'create':
        if (state.exists) throw new PrincipalRuleError('principal already exists');
        return [
          { type: 'PrincipalCreated', data: { principalId: command.principalId, name: command.name, role: command.role } },
          { type: 'ApiKeyIssued', data: { principalId: command.principalId, keyId: command.keyId, keyHash: command.keyHash } },
        ];
      case 'issue-key':
        if (!state.exists || state.disabled) throw new PrincipalRuleError('principal is not active');
        return [{ type: 'ApiKeyIssued', data: { principalId: command.principalId, keyId: command.keyId, keyHash: command.keyHash } }];
      case 'disable':
        if (!state.exists) throw new PrincipalRuleError('principal does not exist');
        if (state.disabled) return [];
        return [{ type: 'PrincipalDisabled', data: { principalId: command.principalId, reason: command.reason } }];
    }
  },
};

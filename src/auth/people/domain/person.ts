import type { Decider } from '../../../ledger/decider';
import type { DomainEvent } from '../../../ledger/ledger';
import type { Role } from '../../domain/roles';

/**
 * People are principals without an API key: this decider writes the same `PrincipalCreated`
 * (and `PrincipalDisabled`) events to the same `principal-<id>` stream as the API-key principals,
 * so the principals read model, the guard and the two-person rule treat both alike. A role change
 * is its own event.
 */
export type PersonEvent =
  | DomainEvent<'PrincipalCreated', { principalId: string; name: string; role: Role }>
  | DomainEvent<'PrincipalRoleChanged', { principalId: string; from: Role; to: Role; reason: string }>
  | DomainEvent<'PrincipalDisabled', { principalId: string; reason: string }>;

export interface PersonState {
  exists: boolean;
  disabled: boolean;
  role: Role | null;
}

export type PersonCommand =
  | { kind: 'create'; principalId: string; name: string; role: Role }
  | { kind: 'change-role'; principalId: string; role: Role; reason: string };

export class PersonRuleError extends Error {
  readonly code = 'PERSON_RULE';
}

export const personDecider: Decider<PersonState, PersonCommand, PersonEvent> = {
  initialState: () => ({ exists: false, disabled: false, role: null }),
  evolve(state, event) {
    switch (event.type) {
      case 'PrincipalCreated':
        return { exists: true, disabled: false, role: event.data.role };
      case 'PrincipalRoleChanged':
        return { ...state, role: event.data.to };
      case 'PrincipalDisabled':
        return { ...state, disabled: true };
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'create':
        // Idempotent: accepting an invitation retried after a crash finds the principal already made.
        if (state.exists) return [];
        return [{ type: 'PrincipalCreated', data: { principalId: command.principalId, name: command.name, role: command.role } }];
      case 'change-role':
        if (!state.exists) throw new PersonRuleError('principal does not exist');
        if (state.disabled) throw new PersonRuleError('principal is disabled');
        if (state.role === command.role) return [];
        if (state.role === 'agent' || command.role === 'agent') throw new PersonRuleError('agents are enrolled, not given a role by hand');
        return [
          {
            type: 'PrincipalRoleChanged',
            data: { principalId: command.principalId, from: state.role!, to: command.role, reason: command.reason },
          },
        ];
    }
  },
};

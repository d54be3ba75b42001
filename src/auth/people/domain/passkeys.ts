import type { Decider } from '../../../ledger/decider';
import type { DomainEvent } from '../../../ledger/ledger';

/**
 * A person's passkeys (stream `passkeys-<principalId>`). The public key is not secret; the
 * signature counter is tracked so a cloned authenticator (counter going backwards) is refused.
 */
export type PasskeyEvent =
  | DomainEvent<
      'PasskeyRegistered',
      { principalId: string; credentialId: string; publicKey: string; counter: number; transports: string[]; backedUp: boolean }
    >
  | DomainEvent<'PasskeyRemoved', { principalId: string; credentialId: string; reason: string }>;

export const PASSKEY_EVENT_TYPES = ['PasskeyRegistered', 'PasskeyRemoved'] as const;

export interface PasskeysState {
  credentials: Record<string, { counter: number; removed: boolean }>;
}

export type PasskeyCommand =
  | {
      kind: 'register';
      principalId: string;
      credentialId: string;
      publicKey: string;
      counter: number;
      transports: string[];
      backedUp: boolean;
    }
  | { kind: 'remove'; principalId: string; credentialId: string; reason: string };

export class PasskeyRuleError extends Error {
  readonly code = 'PASSKEY_RULE';
}

/**
 * WebAuthn §6.1.1: a stored counter and a new one both zero means the authenticator keeps no
 * counter (most synced passkeys); otherwise the new counter must be greater.
 */
export function counterAcceptable(stored: number, presented: number): boolean {
  if (stored === 0 && presented === 0) return true;
  return presented > stored;
}

export const passkeysDecider: Decider<PasskeysState, PasskeyCommand, PasskeyEvent> = {
  initialState: () => ({ credentials: {} }),
  evolve(state, event) {
    switch (event.type) {
      case 'PasskeyRegistered':
        return { credentials: { ...state.credentials, [event.data.credentialId]: { counter: event.data.counter, removed: false } } };
      case 'PasskeyRemoved': {
        const c = state.credentials[event.data.credentialId];
        return c ? { credentials: { ...state.credentials, [event.data.credentialId]: { ...c, removed: true } } } : state;
      }
      default:
        return state;
    }
  },
  decide(command, state) {
    switch (command.kind) {
      case 'register': {
        if (state.credentials[command.credentialId]) throw new PasskeyRuleError('this passkey is already registered');
        const { kind: _kind, ...data } = command;
        return [{ type: 'PasskeyRegistered', data }];
      }
      case 'remove': {
        const c = state.credentials[command.credentialId];
        if (!c) throw new PasskeyRuleError('no such passkey');
        if (c.removed) return [];
        return [
          {
            type: 'PasskeyRemoved',
            data: { principalId: command.principalId, credentialId: command.credentialId, reason: command.reason },
          },
        ];
      }
    }
  },
};

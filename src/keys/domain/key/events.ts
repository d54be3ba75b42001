/** The key aggregate's vocabulary: statuses, state shape, events, commands, rule error and policy (see ./index.ts). */
import type { Actor } from '../../../ledger/port';

export type KeyStatus = 'pre-activation' | 'active' | 'suspended' | 'deactivated' | 'compromised' | 'destruction-scheduled' | 'destroyed';
/** Per version: the newest version of an active key encrypts; others down to the minimum decrypt; below it archived; trimmed ones destroyed. */
export type KeyVersionState = 'current' | 'decrypt-only' | 'archived' | 'destroyed';

export interface KeyVersion {
  version: number;
  createdAt: string;
  /** Key check value (HMAC of a constant under the key): identifies the material without revealing it. */
  fingerprint: string;
  destroyedAt: string | null;
}

export interface PendingRequest {
  requestedBy: string;
  requestedAt: string;
  reason: string;
}

export interface KeyState {
  exists: boolean;
  keyId: string | null;
  name: string | null;
  status: KeyStatus | null;
  versions: KeyVersion[];
  minDecryptionVersion: number;
  custodians: string[];
  maxCustodians: number;
  cryptoperiodDays: number;
  activatedAt: string | null;
  /** When the newest version was created (the cryptoperiod runs from here). */
  lastRotatedAt: string | null;
  revocation: PendingRequest | null;
  revoked: boolean;
  trim: (PendingRequest & { below: number }) | null;
  destruction: (PendingRequest & { earliestAt: string; previousStatus: KeyStatus }) | null;
  compromisedAt: string | null;
  destroyedAt: string | null;
}

type E<T extends string, D> = { type: T; data: D };
export type KeyEvent =
  | E<
      'KeyGenerated',
      {
        keyId: string;
        name: string;
        algorithm: 'AES-256-GCM';
        version: 1;
        fingerprint: string;
        cryptoperiodDays: number;
        maxCustodians: number;
        by: string;
        at: string;
      }
    >
  | E<'KeyActivated', { keyId: string; by: string; at: string; rotateBy?: string; custodians?: string[] }>
  | E<'KeySuspended', { keyId: string; by: string; reason: string; at: string }>
  | E<'KeyReactivated', { keyId: string; by: string; at: string }>
  | E<'KeyDeactivated', { keyId: string; by: string; reason: string; at: string }>
  | E<'KeyRevocationRequested', { keyId: string; by: string; reason: string; at: string }>
  | E<'KeyRevocationCancelled', { keyId: string; by: string; at: string }>
  | E<'KeyRevoked', { keyId: string; requestedBy: string; approvedBy: string | null; reason: string; fromStatus: KeyStatus; at: string }>
  | E<
      'KeyVersionAdded',
      { keyId: string; version: number; fingerprint: string; by: string; at: string; rotateBy?: string; custodians?: string[] }
    >
  | E<'KeyMinDecryptionVersionSet', { keyId: string; version: number; archived: number[]; by: string; at: string }>
  | E<'KeyTrimRequested', { keyId: string; below: number; by: string; reason: string; at: string }>
  | E<'KeyVersionsDestroyed', { keyId: string; versions: number[]; requestedBy: string; approvedBy: string; at: string }>
  | E<'KeyCustodianAssigned', { keyId: string; principal: string; by: string; at: string }>
  | E<'KeyCustodianRemoved', { keyId: string; principal: string; by: string; at: string }>
  | E<'KeyCompromised', { keyId: string; compromisedAt: string; reason: string; incidentId: string | null; by: string; at: string }>
  | E<'KeyDestructionScheduled', { keyId: string; by: string; reason: string; earliestAt: string; previousStatus: KeyStatus; at: string }>
  | E<'KeyDestructionCancelled', { keyId: string; by: string; restoredStatus: KeyStatus; at: string }>
  | E<'KeyDestroyed', { keyId: string; requestedBy: string; approvedBy: string; versions: number[]; at: string }>;

export const KEY_EVENT_TYPES = [
  'KeyGenerated',
  'KeyActivated',
  'KeySuspended',
  'KeyReactivated',
  'KeyDeactivated',
  'KeyRevocationRequested',
  'KeyRevocationCancelled',
  'KeyRevoked',
  'KeyVersionAdded',
  'KeyMinDecryptionVersionSet',
  'KeyTrimRequested',
  'KeyVersionsDestroyed',
  'KeyCustodianAssigned',
  'KeyCustodianRemoved',
  'KeyCompromised',
  'KeyDestructionScheduled',
  'KeyDestructionCancelled',
  'KeyDestroyed',
] as const satisfies readonly KeyEvent['type'][];

/** Who acts (id and role) and when (an instant from the injected clock). */
interface Base {
  actor: Actor;
  at: string;
}
export type KeyCommand =
  | (Base & { kind: 'generate'; keyId: string; name: string; fingerprint: string; cryptoperiodDays?: number; maxCustodians?: number })
  | (Base & { kind: 'activate' })
  | (Base & { kind: 'suspend'; reason: string })
  | (Base & { kind: 'reactivate' })
  | (Base & { kind: 'deactivate'; reason: string })
  | (Base & { kind: 'request-revocation'; reason: string })
  | (Base & { kind: 'approve-revocation' })
  | (Base & { kind: 'cancel-revocation' })
  | (Base & { kind: 'rotate'; fingerprint: string })
  | (Base & { kind: 'set-min-decryption-version'; version: number })
  | (Base & { kind: 'request-trim'; below: number; reason: string })
  | (Base & { kind: 'approve-trim' })
  /** principalsWithGrants: everyone holding an access grant to a dataset under this key (read model). */
  | (Base & { kind: 'assign-custodian'; principal: string; principalsWithGrants: readonly string[] })
  | (Base & { kind: 'remove-custodian'; principal: string })
  | (Base & { kind: 'mark-compromised'; compromisedAt: string; reason: string; incidentId?: string | null })
  | (Base & { kind: 'schedule-destruction'; waitDays: number; reason: string })
  | (Base & { kind: 'cancel-destruction' })
  | (Base & { kind: 'destroy' });

export class KeyRuleError extends Error {
  readonly code = 'KEY_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'KeyRuleError';
  }
}

export const KEY_POLICY = {
  defaultCryptoperiodDays: 365,
  defaultMaxCustodians: 3,
  maxCustodiansLimit: 10,
  destructionWaitDays: { min: 7, max: 30 },
  keyOfficerRoles: ['security-officer'] as readonly string[],
};

export const keyStream = (keyId: string) => `key-${keyId}`;

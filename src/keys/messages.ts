/**
 * The keys context's commands and queries (@nestjs/cqrs messages). Other contexts send these
 * through the buses; they import them from the context's index, never its handlers.
 */
import type { CommandContext } from '../ledger/ledger';
import type { SealedBox } from '../shared/agent-protocol';
import type { KeyState } from './domain/key';

export interface GenerateKeyBody {
  keyId?: string;
  name: string;
  cryptoperiodDays?: number;
  maxCustodians?: number;
}

/** Creates the key and its first version in the locker. */
export class GenerateKeyCommand {
  constructor(
    readonly body: GenerateKeyBody,
    readonly ctx: CommandContext,
    /** From If-Match: a create never matches an earlier version. */
    readonly expectedVersion?: bigint,
  ) {}
}

export type KeyTransition = 'activate' | 'suspend' | 'reactivate' | 'deactivate' | 'cancel-revocation' | 'cancel-destruction';
export type KeyAction =
  | { kind: KeyTransition; reason?: string }
  | { kind: 'mark-compromised'; reason: string; compromisedAt?: string; incidentId?: string | null }
  | { kind: 'request-revocation'; reason: string }
  | { kind: 'approve-revocation' }
  | { kind: 'schedule-destruction'; waitDays: number; reason: string }
  | { kind: 'destroy' }
  | { kind: 'assign-custodian'; principal: string };

/** A proposed key.revoke on one host (two officers then approve it there). */
export interface KeyRevokeProposal {
  agentId: string;
  commandId: string;
  status: 'awaiting-approval';
}

/** Any key transition but generate and rotate. A revocation proposes key.revoke to every host holding the key. */
export class RunKeyCommand {
  constructor(
    readonly keyId: string,
    readonly action: KeyAction,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface RunKeyResult {
  version: bigint;
  proposals: KeyRevokeProposal[];
}

/** A new version in the locker, then key.rewrap to every host holding a dataset under the key. */
export class RotateKeyCommand {
  constructor(
    readonly keyId: string,
    readonly ctx: CommandContext,
    readonly expectedVersion?: bigint,
  ) {}
}
export interface RotateKeyResult {
  version: bigint;
  commands: { datasetId: string; agentId: string; commandId: string; seq: number }[];
}

export interface KeyView {
  keyId: string;
  name: string | null;
  status: KeyState['status'];
  currentVersion: number;
  minDecryptionVersion: number;
  versions: { version: number; createdAt: string; fingerprint: string; destroyedAt: string | null }[];
  custodians: string[];
  cryptoperiodDays: number;
  lastRotatedAt: string | null;
  revocationPending: KeyState['revocation'];
  destruction: KeyState['destruction'];
  compromisedAt: string | null;
}

/** One key (never its material), as of `minVersion` (a write just made) or else the ledger head. */
export class GetKeyQuery {
  constructor(
    readonly keyId: string,
    readonly minVersion?: bigint,
  ) {}
}
export type KeyResult = { view: KeyView; version: bigint };

export class ListKeysQuery {}
export interface KeyListItem {
  keyId: string;
  name: string;
  status: string;
  currentVersion: number;
  custodians: string[];
  cryptoperiodDays: number;
  /** End of the current version's cryptoperiod (null unless active). */
  rotationDueAt: string | null;
  compromisedAt: string | null;
}

/**
 * A key version sealed to one enrolled agent's X25519 key (the only way a KEK leaves the
 * locker). 'current' is the version that encrypts, and only while the key is active.
 */
export class SealKeyForAgentQuery {
  constructor(
    readonly keyId: string,
    readonly version: number | 'current',
    readonly agent: { agentId: string; sealPublicKey: string },
  ) {}
}
export interface SealedKeyVersion {
  keyId: string;
  version: number;
  sealedKey: SealedBox;
}

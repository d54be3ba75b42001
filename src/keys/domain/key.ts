/**
 * The key aggregate: a key-encryption key's lifecycle as NIST SP 800-57 §7 names it, its
 * versions, custodians, and the two-person rules. Pure: decide(command, state) → events,
 * evolve(state, event) → state. Times come in on the command (`at`), from the injected clock.
 *
 *   generated → pre-activation --activate--> active
 *   active ⇄ suspended                       (suspend / reactivate)
 *   active | suspended → deactivated         (may decrypt and re-wrap, never encrypt)
 *   any but destroyed → compromised          (no encrypt; decrypt only to re-wrap under an incident)
 *   pre-activation | suspended | deactivated | compromised → destruction-scheduled (7–30 days, cancellable)
 *   destruction-scheduled --second approver, after the wait--> destroyed
 */
import type { Actor } from '../../ledger/port';
import { addDays, utcDate } from '../../shared/calendar';

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

export function initialKeyState(): KeyState {
  return {
    exists: false,
    keyId: null,
    name: null,
    status: null,
    versions: [],
    minDecryptionVersion: 1,
    custodians: [],
    maxCustodians: KEY_POLICY.defaultMaxCustodians,
    cryptoperiodDays: KEY_POLICY.defaultCryptoperiodDays,
    activatedAt: null,
    lastRotatedAt: null,
    revocation: null,
    revoked: false,
    trim: null,
    destruction: null,
    compromisedAt: null,
    destroyedAt: null,
  };
}

export function currentVersion(s: KeyState): number {
  return s.versions.length ? s.versions[s.versions.length - 1].version : 0;
}

export function versionState(s: KeyState, version: number): KeyVersionState | null {
  const v = s.versions.find((x) => x.version === version);
  if (!v) return null;
  if (v.destroyedAt || s.status === 'destroyed') return 'destroyed';
  if (version < s.minDecryptionVersion) return 'archived';
  if (version === currentVersion(s) && s.status === 'active') return 'current';
  return 'decrypt-only';
}

/** Encrypt only when active, and only with the newest version. */
export function canEncrypt(s: KeyState, version: number): boolean {
  return s.status === 'active' && version === currentVersion(s);
}

/**
 * Decrypt only when active (versions ≥ the minimum), or while re-wrapping when deactivated;
 * when compromised, only to re-wrap under an incident.
 */
export function canDecrypt(s: KeyState, version: number, purpose: { rewrap: boolean; incidentId?: string | null }): boolean {
  const vs = versionState(s, version);
  if (vs === null || vs === 'destroyed' || vs === 'archived') return false;
  if (s.status === 'active') return true;
  if (s.status === 'deactivated') return purpose.rewrap;
  if (s.status === 'compromised') return purpose.rewrap && !!purpose.incidentId;
  return false;
}

/** When the current version's cryptoperiod ends (rotation due). */
export function rotationDueAt(s: KeyState): string | null {
  if (!s.lastRotatedAt || s.status !== 'active') return null;
  return new Date(Date.parse(s.lastRotatedAt) + s.cryptoperiodDays * 86_400_000).toISOString();
}

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new KeyRuleError(message);
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function decideKey(c: KeyCommand, s: KeyState): KeyEvent[] {
  need(!Number.isNaN(Date.parse(c.at)), 'at: must be an ISO instant');
  if (c.kind === 'generate') {
    need(!s.exists, 'key already exists');
    need(ID_RE.test(c.keyId), 'keyId: must be a lower-case id');
    need(c.name.trim().length > 0 && c.name.length <= 200, 'name: must be 1–200 characters');
    const cp = c.cryptoperiodDays ?? KEY_POLICY.defaultCryptoperiodDays;
    need(Number.isInteger(cp) && cp >= 1 && cp <= 3650, 'cryptoperiodDays: must be 1–3650');
    const mc = c.maxCustodians ?? KEY_POLICY.defaultMaxCustodians;
    need(
      Number.isInteger(mc) && mc >= 1 && mc <= KEY_POLICY.maxCustodiansLimit,
      `maxCustodians: must be 1–${KEY_POLICY.maxCustodiansLimit}`,
    );
    return [
      {
        type: 'KeyGenerated',
        data: {
          keyId: c.keyId,
          name: c.name,
          algorithm: 'AES-256-GCM',
          version: 1,
          fingerprint: c.fingerprint,
          cryptoperiodDays: cp,
          maxCustodians: mc,
          by: c.actor.id,
          at: c.at,
        },
      },
    ];
  }
  need(s.exists && s.keyId, 'key does not exist');
  const keyId = s.keyId;
  need(s.status !== 'destroyed', 'key is destroyed: no further transitions');
  const by = c.actor.id;
  const at = c.at;
  switch (c.kind) {
    case 'activate':
      need(s.status === 'pre-activation', `cannot activate a key that is ${s.status}`);
      return [
        {
          type: 'KeyActivated',
          data: { keyId, by, at, rotateBy: addDays(utcDate(new Date(at)), s.cryptoperiodDays), custodians: [...s.custodians] },
        },
      ];
    case 'suspend':
      need(s.status === 'active', `cannot suspend a key that is ${s.status}`);
      return [{ type: 'KeySuspended', data: { keyId, by, reason: c.reason, at } }];
    case 'reactivate':
      need(s.status === 'suspended', `cannot reactivate a key that is ${s.status}`);
      return [{ type: 'KeyReactivated', data: { keyId, by, at } }];
    case 'deactivate':
      need(s.status === 'active' || s.status === 'suspended', `cannot deactivate a key that is ${s.status}`);
      return [{ type: 'KeyDeactivated', data: { keyId, by, reason: c.reason, at } }];
    case 'request-revocation': {
      need(s.status === 'active' || s.status === 'suspended' || s.status === 'pre-activation', `cannot revoke a key that is ${s.status}`);
      need(!s.revocation, 'a revocation is already pending');
      need(c.reason.trim().length > 0, 'reason: required');
      // Revoking an active key needs a second person; a key not in use is revoked at once.
      if (s.status === 'active') return [{ type: 'KeyRevocationRequested', data: { keyId, by, reason: c.reason, at } }];
      return [{ type: 'KeyRevoked', data: { keyId, requestedBy: by, approvedBy: null, reason: c.reason, fromStatus: s.status, at } }];
    }
    case 'approve-revocation':
      need(s.revocation, 'no revocation is pending');
      need(by !== s.revocation.requestedBy, 'two-person rule: the approver must not be the requester');
      need(s.status === 'active' || s.status === 'suspended', `cannot revoke a key that is ${s.status}`);
      return [
        {
          type: 'KeyRevoked',
          data: { keyId, requestedBy: s.revocation.requestedBy, approvedBy: by, reason: s.revocation.reason, fromStatus: s.status, at },
        },
      ];
    case 'cancel-revocation':
      need(s.revocation, 'no revocation is pending');
      return [{ type: 'KeyRevocationCancelled', data: { keyId, by, at } }];
    case 'rotate':
      need(s.status === 'active', `cannot rotate a key that is ${s.status}: only an active key gets new versions`);
      need(!s.versions.some((v) => v.fingerprint === c.fingerprint), 'new version material must differ from every earlier version');
      return [
        {
          type: 'KeyVersionAdded',
          data: {
            keyId,
            version: currentVersion(s) + 1,
            fingerprint: c.fingerprint,
            by,
            at,
            rotateBy: addDays(utcDate(new Date(at)), s.cryptoperiodDays),
            custodians: [...s.custodians],
          },
        },
      ];
    case 'set-min-decryption-version': {
      need(Number.isInteger(c.version) && c.version >= 1 && c.version <= currentVersion(s), `version: must be 1–${currentVersion(s)}`);
      need(c.version >= s.minDecryptionVersion, 'the minimum decryption version never goes down (archived versions stay archived)');
      if (c.version === s.minDecryptionVersion) return [];
      const archived = s.versions
        .filter((v) => v.version < c.version && v.version >= s.minDecryptionVersion && !v.destroyedAt)
        .map((v) => v.version);
      return [{ type: 'KeyMinDecryptionVersionSet', data: { keyId, version: c.version, archived, by, at } }];
    }
    case 'request-trim':
      need(!s.trim, 'a trim is already pending');
      need(
        Number.isInteger(c.below) && c.below >= 2 && c.below <= s.minDecryptionVersion,
        'below: only archived versions (below the minimum decryption version) can be trimmed',
      );
      need(
        s.versions.some((v) => v.version < c.below && !v.destroyedAt),
        'no archived version left to trim below that version',
      );
      return [{ type: 'KeyTrimRequested', data: { keyId, below: c.below, by, reason: c.reason, at } }];
    case 'approve-trim': {
      need(s.trim, 'no trim is pending');
      need(by !== s.trim.requestedBy, 'two-person rule: the approver must not be the requester');
      const below = s.trim.below;
      const versions = s.versions.filter((v) => v.version < below && !v.destroyedAt).map((v) => v.version);
      return [{ type: 'KeyVersionsDestroyed', data: { keyId, versions, requestedBy: s.trim.requestedBy, approvedBy: by, at } }];
    }
    case 'assign-custodian':
      need(/^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/.test(c.principal), 'principal: must be one named principal');
      need(!s.custodians.includes(c.principal), 'already a custodian');
      need(s.custodians.length < s.maxCustodians, `at most ${s.maxCustodians} custodians`);
      need(
        !c.principalsWithGrants.includes(c.principal),
        'separation of duties: a custodian may not hold an access grant to data under this key',
      );
      return [{ type: 'KeyCustodianAssigned', data: { keyId, principal: c.principal, by, at } }];
    case 'remove-custodian':
      need(s.custodians.includes(c.principal), 'not a custodian');
      return [{ type: 'KeyCustodianRemoved', data: { keyId, principal: c.principal, by, at } }];
    case 'mark-compromised': {
      need(s.status !== 'compromised' && s.compromisedAt === null, 'key is already compromised');
      need(!Number.isNaN(Date.parse(c.compromisedAt)), 'compromisedAt: must be an ISO instant');
      need(Date.parse(c.compromisedAt) <= Date.parse(at), 'compromisedAt: cannot be in the future');
      need(c.reason.trim().length > 0, 'reason: required');
      return [
        {
          type: 'KeyCompromised',
          data: { keyId, compromisedAt: c.compromisedAt, reason: c.reason, incidentId: c.incidentId ?? null, by, at },
        },
      ];
    }
    case 'schedule-destruction': {
      const st = s.status;
      need(
        st === 'pre-activation' || st === 'suspended' || st === 'deactivated' || st === 'compromised',
        `cannot schedule destruction of a key that is ${st}`,
      );
      const { min, max } = KEY_POLICY.destructionWaitDays;
      need(Number.isInteger(c.waitDays) && c.waitDays >= min && c.waitDays <= max, `waitDays: must be ${min}–${max}`);
      need(c.reason.trim().length > 0, 'reason: required');
      const earliestAt = new Date(Date.parse(at) + c.waitDays * 86_400_000).toISOString();
      return [{ type: 'KeyDestructionScheduled', data: { keyId, by, reason: c.reason, earliestAt, previousStatus: st, at } }];
    }
    case 'cancel-destruction':
      need(s.status === 'destruction-scheduled' && s.destruction, 'no destruction is scheduled');
      return [{ type: 'KeyDestructionCancelled', data: { keyId, by, restoredStatus: s.destruction.previousStatus, at } }];
    case 'destroy': {
      need(s.status === 'destruction-scheduled' && s.destruction, 'destruction must be scheduled first');
      need(by !== s.destruction.requestedBy, 'two-person rule: the approver must not be the requester');
      need(KEY_POLICY.keyOfficerRoles.includes(c.actor.role), 'only a security officer may approve destruction');
      need(Date.parse(at) >= Date.parse(s.destruction.earliestAt), `the waiting period runs until ${s.destruction.earliestAt}`);
      return [
        {
          type: 'KeyDestroyed',
          data: {
            keyId,
            requestedBy: s.destruction.requestedBy,
            approvedBy: by,
            versions: s.versions.filter((v) => !v.destroyedAt).map((v) => v.version),
            at,
          },
        },
      ];
    }
    default:
      throw new KeyRuleError('unknown command');
  }
}

export function evolveKey(s: KeyState, e: KeyEvent): KeyState {
  switch (e.type) {
    case 'KeyGenerated':
      return {
        ...initialKeyState(),
        exists: true,
        keyId: e.data.keyId,
        name: e.data.name,
        status: 'pre-activation',
        versions: [{ version: 1, createdAt: e.data.at, fingerprint: e.data.fingerprint, destroyedAt: null }],
        cryptoperiodDays: e.data.cryptoperiodDays,
        maxCustodians: e.data.maxCustodians,
        lastRotatedAt: e.data.at,
      };
    case 'KeyActivated':
      return { ...s, status: 'active', activatedAt: e.data.at, lastRotatedAt: e.data.at };
    case 'KeySuspended':
      return { ...s, status: 'suspended' };
    case 'KeyReactivated':
      return { ...s, status: 'active' };
    case 'KeyDeactivated':
      return { ...s, status: 'deactivated', revocation: null };
    case 'KeyRevocationRequested':
      return { ...s, revocation: { requestedBy: e.data.by, requestedAt: e.data.at, reason: e.data.reason } };
    case 'KeyRevocationCancelled':
      return { ...s, revocation: null };
    case 'KeyRevoked':
      return { ...s, status: 'deactivated', revoked: true, revocation: null };
    case 'KeyVersionAdded':
      return {
        ...s,
        versions: [...s.versions, { version: e.data.version, createdAt: e.data.at, fingerprint: e.data.fingerprint, destroyedAt: null }],
        lastRotatedAt: e.data.at,
      };
    case 'KeyMinDecryptionVersionSet':
      return { ...s, minDecryptionVersion: e.data.version };
    case 'KeyTrimRequested':
      return { ...s, trim: { requestedBy: e.data.by, requestedAt: e.data.at, reason: e.data.reason, below: e.data.below } };
    case 'KeyVersionsDestroyed':
      return {
        ...s,
        trim: null,
        versions: s.versions.map((v) => (e.data.versions.includes(v.version) ? { ...v, destroyedAt: e.data.at } : v)),
      };
    case 'KeyCustodianAssigned':
      return { ...s, custodians: [...s.custodians, e.data.principal] };
    case 'KeyCustodianRemoved':
      return { ...s, custodians: s.custodians.filter((p) => p !== e.data.principal) };
    case 'KeyCompromised':
      return { ...s, status: 'compromised', compromisedAt: e.data.compromisedAt, revocation: null, destruction: null };
    case 'KeyDestructionScheduled':
      return {
        ...s,
        status: 'destruction-scheduled',
        destruction: {
          requestedBy: e.data.by,
          requestedAt: e.data.at,
          reason: e.data.reason,
          earliestAt: e.data.earliestAt,
          previousStatus: e.data.previousStatus,
        },
      };
    case 'KeyDestructionCancelled':
      return { ...s, status: e.data.restoredStatus, destruction: null };
    case 'KeyDestroyed':
      return {
        ...s,
        status: 'destroyed',
        destroyedAt: e.data.at,
        destruction: null,
        versions: s.versions.map((v) => (v.destroyedAt ? v : { ...v, destroyedAt: e.data.at })),
      };
    default:
      return s;
  }
}

/** Same shape as the ledger's Decider. */
export const keyDecider = {
  initialState: initialKeyState,
  evolve: evolveKey,
  decide: decideKey,
};

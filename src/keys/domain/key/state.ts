/** The key's state: the initial state, what a version may do now, and evolve (event → state). */
import { KEY_POLICY, type KeyEvent, type KeyState, type KeyVersionState } from './events';

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

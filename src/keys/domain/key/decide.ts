/** decide(command, state) → events: the lifecycle transitions and the two-person rules. */
import { addDays, utcDate } from '../../../shared/calendar';
import { KEY_POLICY, type KeyCommand, type KeyEvent, KeyRuleError, type KeyState } from './events';
import { currentVersion, evolveKey, initialKeyState } from './state';

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

/** Same shape as the ledger's Decider. */
export const keyDecider = {
  initialState: initialKeyState,
  evolve: evolveKey,
  decide: decideKey,
};

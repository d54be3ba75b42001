/**
 * "Was dataset D secured at time T, and why?" — a pure function of the dataset's events and
 * the events of the keys it was under. The answer speaks the triage contract's vocabulary
 * (contracts/triage.md: safeguards.encryption / keyCompromised / destruction).
 *
 * Secured by encryption at T iff, at T, the dataset was encrypted (as its agent reported)
 * under a key version that was active or deactivated — not compromised at or before T (a
 * KeyCompromised event counts from its compromisedAt, even when recorded later), not
 * destroyed early (before T, while the data was still under it) — and the agent reported the
 * key held apart from the data, with no cleartext seen since.
 * Secured by destruction at T iff the dataset was shredded, or its data keys were destroyed on
 * its host (cryptographic erase, NIST SP 800-88 purge), at or before T.
 */
import { evolveKey, initialKeyState, type KeyEvent, type KeyState } from '../../keys';
import { evolveDataset, initialDatasetState, type DatasetEvent } from './dataset';

export interface Safeguards {
  encryption: 'nist-800-111' | null;
  keyCompromised: boolean;
  destruction: 'nist-800-88' | null;
}

export interface SecuredAnswer extends Safeguards {
  datasetId: string;
  at: string;
  secured: boolean;
  keyId: string | null;
  keyVersion: number | null;
  reasons: string[];
}

const atOf = (e: { data: object }): string => (e.data as { at: string }).at;

function keyStateAt(events: readonly KeyEvent[], t: number): KeyState {
  let s = initialKeyState();
  for (const e of events) if (Date.parse(atOf(e)) <= t) s = evolveKey(s, e);
  return s;
}

export function securedAt(
  datasetId: string,
  datasetEvents: readonly DatasetEvent[],
  keyEvents: (keyId: string) => readonly KeyEvent[],
  at: string,
): SecuredAnswer {
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new Error('at: must be an ISO instant');
  const base = { datasetId, at: new Date(t).toISOString(), keyId: null, keyVersion: null } as const;
  let ds = initialDatasetState();
  for (const e of datasetEvents) if (Date.parse(atOf(e)) <= t) ds = evolveDataset(ds, e);

  if (!ds.exists)
    return {
      ...base,
      secured: false,
      encryption: null,
      keyCompromised: false,
      destruction: null,
      reasons: ['the dataset was not registered at that time: nothing shows it was protected'],
    };
  if (ds.shreddedAt)
    return {
      ...base,
      secured: true,
      encryption: null,
      keyCompromised: false,
      destruction: 'nist-800-88',
      reasons: [`shredded on its host at ${ds.shreddedAt} (data keys destroyed, files overwritten and removed)`],
    };
  if (ds.keyRevokedOnHostAt) {
    return {
      ...base,
      keyId: ds.encryption?.keyId ?? null,
      keyVersion: ds.encryption?.keyVersion ?? null,
      secured: true,
      encryption: null,
      keyCompromised: false,
      destruction: 'nist-800-88',
      reasons: [
        `its data keys were destroyed on its host at ${ds.keyRevokedOnHostAt} (cryptographic erase): the ciphertext left is unrecoverable`,
      ],
    };
  }
  const enc = ds.encryption;
  if (!enc)
    return {
      ...base,
      secured: false,
      encryption: null,
      keyCompromised: false,
      destruction: null,
      reasons: ['no agent had reported the dataset encrypted by that time'],
    };

  const reasons: string[] = [];
  const kEvents = keyEvents(enc.keyId);
  const key = keyStateAt(kEvents, t);
  // A compromise counts from when it happened, even when it was recorded later.
  const compromise = kEvents.find(
    (e): e is Extract<KeyEvent, { type: 'KeyCompromised' }> => e.type === 'KeyCompromised' && Date.parse(e.data.compromisedAt) <= t,
  );
  const keyCompromised = !!compromise;
  let encrypted = true;
  if (!key.exists) {
    encrypted = false;
    reasons.push(`key ${enc.keyId} is unknown to the key locker at that time`);
  } else {
    const st = key.status === 'destruction-scheduled' ? (key.destruction?.previousStatus ?? key.status) : key.status;
    const version = key.versions.find((v) => v.version === enc.keyVersion);
    if (!version) {
      encrypted = false;
      reasons.push(`key ${enc.keyId} has no version ${enc.keyVersion}`);
    } else if (version.destroyedAt && Date.parse(version.destroyedAt) <= t) {
      encrypted = false;
      reasons.push(
        `key ${enc.keyId} version ${enc.keyVersion} was destroyed at ${version.destroyedAt} while the dataset was still under it`,
      );
    } else if (st === 'active' || st === 'deactivated' || (st === 'compromised' && keyCompromised)) {
      reasons.push(
        `encrypted with AES-256-GCM under key ${enc.keyId} version ${enc.keyVersion} (key ${key.status} at that time), as the agent reported at ${enc.since}`,
      );
    } else {
      encrypted = false;
      reasons.push(`key ${enc.keyId} was ${st} at that time (only an active or deactivated key secures data)`);
    }
  }
  if (compromise)
    reasons.push(`key ${enc.keyId} was compromised at ${compromise.data.compromisedAt}: the data is out of safe harbor from then on`);
  if (!enc.keyApart) {
    encrypted = false;
    reasons.push('the agent did not confirm the key store is held apart from the data');
  }
  if (ds.cleartextSeenAt) {
    encrypted = false;
    reasons.push(`cleartext files were seen in the dataset at ${ds.cleartextSeenAt} and not encrypted since`);
  }
  const encryption = encrypted ? ('nist-800-111' as const) : null;
  return {
    ...base,
    keyId: enc.keyId,
    keyVersion: enc.keyVersion,
    secured: encryption !== null && !keyCompromised,
    encryption,
    keyCompromised,
    destruction: null,
    reasons,
  };
}

/**
 * Several datasets named by one incident: secured only if every one is. Encryption holds only
 * when each dataset is encrypted or destroyed; destruction only when all were destroyed.
 */
export function combineSafeguards(answers: readonly SecuredAnswer[]): Safeguards & { secured: boolean; reasons: string[] } {
  if (answers.length === 0)
    return { secured: false, encryption: null, keyCompromised: false, destruction: null, reasons: ['no dataset named'] };
  const allDestroyed = answers.every((a) => a.destruction !== null);
  const allProtected = answers.every((a) => a.encryption !== null || a.destruction !== null);
  const keyCompromised = answers.some((a) => a.keyCompromised);
  return {
    secured: answers.every((a) => a.secured),
    encryption: allDestroyed ? null : allProtected && answers.some((a) => a.encryption !== null) ? 'nist-800-111' : null,
    keyCompromised,
    destruction: allDestroyed ? 'nist-800-88' : null,
    reasons: answers.flatMap((a) => a.reasons.map((r) => `${a.datasetId}: ${r}`)),
  };
}

/**
 * The safeguards contexts on the workflows engine (src/workflows): pure translators from our
 * own events to timelines — key rotation at the end of each cryptoperiod, access-grant expiry,
 * recertification campaigns — so reminders, escalations and the expiry action are driven by
 * the engine from the ledger (Redis holds only re-derivable timers).
 */
import type { TimelineIntent, TimelineTranslator } from '../workflows/domain/timeline';

export const KEY_TIMELINE_EVENTS = ['KeyActivated', 'KeyVersionAdded', 'KeyDeactivated', 'KeyRevoked', 'KeyCompromised', 'KeyDestroyed'] as const;
export const GRANT_TIMELINE_EVENTS = ['AccessGrantApproved', 'AccessGrantExpired', 'AccessGrantRevoked'] as const;
export const CAMPAIGN_TIMELINE_EVENTS = ['RecertificationStarted', 'RecertificationClosed'] as const;

type Version = (workflow: string) => number;
type Ev = { type: string; data: Record<string, unknown> };

export function keyTimelines(version: Version): TimelineTranslator {
  return (raw) => {
    const e = raw as unknown as Ev;
    const subject = { kind: 'key', id: String(e.data.keyId) };
    switch (e.type) {
      case 'KeyActivated':
      case 'KeyVersionAdded':
        if (typeof e.data.rotateBy !== 'string') return [];
        // A rotation moves the due date to the end of the new version's cryptoperiod.
        return [{ kind: 'schedule', workflow: 'key-rotation', workflowVersion: version('key-rotation'), subject, dueOn: e.data.rotateBy, assignees: { custodian: (e.data.custodians as string[]) ?? [] } } as TimelineIntent];
      case 'KeyDeactivated':
      case 'KeyRevoked':
      case 'KeyCompromised':
      case 'KeyDestroyed':
        return [{ kind: 'cancel', workflow: 'key-rotation', subject, reason: `key ${e.type.replace('Key', '').toLowerCase()}: no further rotation of this key` }];
      default:
        return [];
    }
  };
}

export function grantTimelines(version: Version): TimelineTranslator {
  return (raw) => {
    const e = raw as unknown as Ev;
    const subject = { kind: 'access-grant', id: String(e.data.grantId) };
    switch (e.type) {
      case 'AccessGrantApproved':
        return [{ kind: 'schedule', workflow: 'access-grant-expiry', workflowVersion: version('access-grant-expiry'), subject, dueOn: String(e.data.expiresAt).slice(0, 10), assignees: { reviewer: [String(e.data.by)] } } as TimelineIntent];
      case 'AccessGrantExpired':
      case 'AccessGrantRevoked':
        return [{ kind: 'cancel', workflow: 'access-grant-expiry', subject, reason: e.type === 'AccessGrantExpired' ? 'grant expired' : 'grant revoked' }];
      default:
        return [];
    }
  };
}

export function campaignTimelines(version: Version): TimelineTranslator {
  return (raw) => {
    const e = raw as unknown as Ev;
    const subject = { kind: 'access-campaign', id: String(e.data.campaignId) };
    switch (e.type) {
      case 'RecertificationStarted': {
        const reviewers = [...new Set(((e.data.population as { reviewer: string }[]) ?? []).map((p) => p.reviewer))];
        return [{ kind: 'schedule', workflow: 'access-recertification', workflowVersion: version('access-recertification'), subject, dueOn: String(e.data.dueAt).slice(0, 10), assignees: { reviewer: reviewers } } as TimelineIntent];
      }
      case 'RecertificationClosed':
        return [{ kind: 'complete', workflow: 'access-recertification', subject, completedOn: String(e.data.at).slice(0, 10) }];
      default:
        return [];
    }
  };
}

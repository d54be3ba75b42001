/**
 * Access on the workflows engine: pure translators from grant and campaign events to the
 * access-grant-expiry and access-recertification timelines (reminders, escalations, and the
 * expiry action are then driven by the engine from the ledger).
 */
import type { TimelineIntent, TimelineTranslator } from '../workflows';

export const GRANT_TIMELINE_EVENTS = ['AccessGrantApproved', 'AccessGrantExpired', 'AccessGrantRevoked'] as const;
export const CAMPAIGN_TIMELINE_EVENTS = ['RecertificationStarted', 'RecertificationClosed'] as const;

type Version = (workflow: string) => number;
type Ev = { type: string; data: Record<string, unknown> };

export function grantTimelines(version: Version): TimelineTranslator {
  return (raw) => {
    const e = raw as unknown as Ev;
    const subject = { kind: 'access-grant', id: String(e.data.grantId) };
    switch (e.type) {
      case 'AccessGrantApproved':
        return [
          {
            kind: 'schedule',
            workflow: 'access-grant-expiry',
            workflowVersion: version('access-grant-expiry'),
            subject,
            dueOn: String(e.data.expiresAt).slice(0, 10),
            assignees: { reviewer: [String(e.data.by)] },
          } as TimelineIntent,
        ];
      case 'AccessGrantExpired':
      case 'AccessGrantRevoked':
        return [
          {
            kind: 'cancel',
            workflow: 'access-grant-expiry',
            subject,
            reason: e.type === 'AccessGrantExpired' ? 'grant expired' : 'grant revoked',
          },
        ];
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
        return [
          {
            kind: 'schedule',
            workflow: 'access-recertification',
            workflowVersion: version('access-recertification'),
            subject,
            dueOn: String(e.data.dueAt).slice(0, 10),
            assignees: { reviewer: reviewers },
          } as TimelineIntent,
        ];
      }
      case 'RecertificationClosed':
        return [{ kind: 'complete', workflow: 'access-recertification', subject, completedOn: String(e.data.at).slice(0, 10) }];
      default:
        return [];
    }
  };
}

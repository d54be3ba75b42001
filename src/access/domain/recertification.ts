/**
 * Access recertification campaigns: the population of active grants is frozen when the
 * campaign starts; each grant gets a decision by its assigned reviewer (never the grantee);
 * at the due date unreviewed grants are escalated and, when the campaign says so, revoked.
 * Revoking a grant itself goes through the grant aggregate (a process manager reads
 * RecertificationDecided / RecertificationEscalated and sends 'revoke').
 */
import type { Actor } from '../../ledger/port';

export interface CampaignItem {
  grantId: string;
  principal: string;
  datasetId: string;
  reviewer: string;
  decision: 'keep' | 'revoke' | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export interface CampaignState {
  exists: boolean;
  campaignId: string | null;
  startedAt: string | null;
  dueAt: string | null;
  revokeUnreviewed: boolean;
  items: CampaignItem[];
  status: 'open' | 'closed' | null;
  escalated: string[];
}

type E<T extends string, D> = { type: T; data: D };
export type CampaignEvent =
  | E<
      'RecertificationStarted',
      {
        campaignId: string;
        dueAt: string;
        revokeUnreviewed: boolean;
        population: { grantId: string; principal: string; datasetId: string; reviewer: string }[];
        by: string;
        at: string;
      }
    >
  | E<
      'RecertificationDecided',
      { campaignId: string; grantId: string; decision: 'keep' | 'revoke'; by: string; reason: string | null; at: string }
    >
  | E<'RecertificationEscalated', { campaignId: string; unreviewed: string[]; revoke: boolean; at: string }>
  | E<'RecertificationClosed', { campaignId: string; kept: number; revoked: number; unreviewed: number; at: string }>;

export const CAMPAIGN_EVENT_TYPES = [
  'RecertificationStarted',
  'RecertificationDecided',
  'RecertificationEscalated',
  'RecertificationClosed',
] as const satisfies readonly CampaignEvent['type'][];

/** Every command: who acts (an officer; the due-date sweep is a system actor) and when. */
interface Base {
  actor: Actor;
  at: string;
}
export type CampaignCommand =
  | (Base & {
      kind: 'start';
      campaignId: string;
      dueAt: string;
      revokeUnreviewed: boolean;
      population: { grantId: string; principal: string; datasetId: string; reviewer: string }[];
    })
  | (Base & { kind: 'decide'; grantId: string; decision: 'keep' | 'revoke'; reason?: string })
  | (Base & { kind: 'due' })
  | (Base & { kind: 'close' });

export class CampaignRuleError extends Error {
  readonly code = 'RECERTIFICATION_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'CampaignRuleError';
  }
}

export const campaignStream = (campaignId: string) => `recert-${campaignId}`;

export function initialCampaignState(): CampaignState {
  return { exists: false, campaignId: null, startedAt: null, dueAt: null, revokeUnreviewed: false, items: [], status: null, escalated: [] };
}

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new CampaignRuleError(message);
}

export function decideCampaign(c: CampaignCommand, s: CampaignState): CampaignEvent[] {
  if (c.kind === 'start') {
    need(!s.exists, 'campaign already started');
    need(/^[a-z0-9][a-z0-9-]{0,63}$/.test(c.campaignId), 'campaignId: must be a lower-case id');
    need(Date.parse(c.dueAt) > Date.parse(c.at), 'dueAt: must be after the start');
    const seen = new Set<string>();
    for (const [i, p] of c.population.entries()) {
      need(!seen.has(p.grantId), `population[${i}].grantId: listed twice`);
      seen.add(p.grantId);
      need(p.reviewer !== p.principal, `population[${i}].reviewer: a principal cannot review their own access`);
    }
    return [
      {
        type: 'RecertificationStarted',
        data: {
          campaignId: c.campaignId,
          dueAt: c.dueAt,
          revokeUnreviewed: c.revokeUnreviewed,
          population: c.population.map((p) => ({ ...p })),
          by: c.actor.id,
          at: c.at,
        },
      },
    ];
  }
  need(s.exists && s.campaignId, 'campaign does not exist');
  const campaignId = s.campaignId;
  switch (c.kind) {
    case 'decide': {
      need(s.status === 'open', 'campaign is closed');
      const item = s.items.find((i) => i.grantId === c.grantId);
      need(item, "grantId: not in this campaign's population (it was frozen at the start)");
      need(item.reviewer === c.actor.id, 'only the assigned reviewer decides this grant');
      need(item.decision === null, 'this grant was already decided');
      need(c.decision === 'keep' || c.decision === 'revoke', 'decision: must be keep or revoke');
      if (c.decision === 'revoke') need((c.reason ?? '').trim().length > 0, 'reason: required to revoke');
      return [
        {
          type: 'RecertificationDecided',
          data: { campaignId, grantId: c.grantId, decision: c.decision, by: c.actor.id, reason: c.reason ?? null, at: c.at },
        },
      ];
    }
    case 'due': {
      need(s.status === 'open', 'campaign is closed');
      need(Date.parse(c.at) >= Date.parse(s.dueAt!), 'the campaign is not due yet');
      const unreviewed = s.items.filter((i) => i.decision === null).map((i) => i.grantId);
      const out: CampaignEvent[] = [];
      if (unreviewed.length)
        out.push({ type: 'RecertificationEscalated', data: { campaignId, unreviewed, revoke: s.revokeUnreviewed, at: c.at } });
      out.push({
        type: 'RecertificationClosed',
        data: {
          campaignId,
          kept: s.items.filter((i) => i.decision === 'keep').length,
          revoked: s.items.filter((i) => i.decision === 'revoke').length,
          unreviewed: unreviewed.length,
          at: c.at,
        },
      });
      return out;
    }
    case 'close': {
      need(s.status === 'open', 'campaign is closed');
      const unreviewed = s.items.filter((i) => i.decision === null).length;
      need(unreviewed === 0, `${unreviewed} grants are still unreviewed: wait for the due date`);
      return [
        {
          type: 'RecertificationClosed',
          data: {
            campaignId,
            kept: s.items.filter((i) => i.decision === 'keep').length,
            revoked: s.items.filter((i) => i.decision === 'revoke').length,
            unreviewed: 0,
            at: c.at,
          },
        },
      ];
    }
    default:
      throw new CampaignRuleError('unknown command');
  }
}

export function evolveCampaign(s: CampaignState, e: CampaignEvent): CampaignState {
  switch (e.type) {
    case 'RecertificationStarted':
      return {
        exists: true,
        campaignId: e.data.campaignId,
        startedAt: e.data.at,
        dueAt: e.data.dueAt,
        revokeUnreviewed: e.data.revokeUnreviewed,
        status: 'open',
        escalated: [],
        items: e.data.population.map((p) => ({ ...p, decision: null, decidedBy: null, decidedAt: null })),
      };
    case 'RecertificationDecided':
      return {
        ...s,
        items: s.items.map((i) =>
          i.grantId === e.data.grantId ? { ...i, decision: e.data.decision, decidedBy: e.data.by, decidedAt: e.data.at } : i,
        ),
      };
    case 'RecertificationEscalated':
      return { ...s, escalated: e.data.unreviewed };
    case 'RecertificationClosed':
      return { ...s, status: 'closed' };
    default:
      return s;
  }
}

export const campaignDecider = { initialState: initialCampaignState, evolve: evolveCampaign, decide: decideCampaign };

/** Grants a campaign's events say must be revoked (decided 'revoke', or unreviewed when the campaign revokes those). */
export function grantsToRevoke(events: readonly CampaignEvent[]): { grantId: string; reason: string }[] {
  const out: { grantId: string; reason: string }[] = [];
  for (const e of events) {
    if (e.type === 'RecertificationDecided' && e.data.decision === 'revoke')
      out.push({ grantId: e.data.grantId, reason: `recertification ${e.data.campaignId}: revoked by reviewer` });
    if (e.type === 'RecertificationEscalated' && e.data.revoke)
      for (const g of e.data.unreviewed)
        out.push({ grantId: g, reason: `recertification ${e.data.campaignId}: not reviewed by the due date` });
  }
  return out;
}

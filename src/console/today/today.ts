import type { Principal, Role } from '../../shared/roles';
import type { DueStatus } from '../domain/countdown';

/**
 * "Today", the console's landing page: what needs this person now. Each section comes from a
 * provider reading a context's read model; contexts may register their own (TODAY_REGISTRY in
 * onModuleInit), so the page grows without this module knowing every table. A provider that
 * fails (a table not there yet) makes its section unavailable, not the page.
 */
export interface DueItem {
  kind: string;
  id: string;
  title: string;
  /** Where the console shows it (a client route), when there is a page for it yet. */
  href: string | null;
  dueOn: string;
  daysLeft: number;
  status: DueStatus;
}

export interface ActionItem {
  kind: string;
  id: string;
  title: string;
  href: string | null;
  since: string;
  detail: string | null;
}

export type TodayItem = DueItem | ActionItem;

export type TodaySectionKey = 'obligations' | 'approvals' | 'reviews' | 'tamperAlerts' | 'silentAgents' | 'invitations';

export interface TodayContext {
  now: Date;
  today: string;
  timeZone: string;
  principal: Principal;
}

export interface TodayProvider {
  section: TodaySectionKey;
  /** Which roles see this provider's items. */
  roles: readonly Role[];
  collect(ctx: TodayContext): TodayItem[] | Promise<TodayItem[]>;
}

export interface TodaySection {
  key: TodaySectionKey;
  title: string;
  /** What to do first when the section is empty. */
  emptyHint: string;
  available: boolean;
  note?: string;
  items: TodayItem[];
}

const SECTIONS: Record<TodaySectionKey, { title: string; emptyHint: string; order: number }> = {
  obligations: {
    title: 'Obligations by due date',
    emptyHint: 'No open notification obligations. When an incident is triaged as a breach, each obligation and its deadline appears here.',
    order: 1,
  },
  approvals: {
    title: 'Approvals waiting for you',
    emptyHint:
      'Nothing waits for your approval. Requests made by someone else (notice batches, key destruction, access changes) appear here.',
    order: 2,
  },
  reviews: {
    title: 'Reviews and recertifications due',
    emptyHint: 'No review is due within 30 days. Start a risk assessment or an access recertification to schedule the next one.',
    order: 3,
  },
  tamperAlerts: {
    title: 'Tamper alerts',
    emptyHint: 'No tamper alert: the ledger verified clean. Alerts from verification or witnesses appear here.',
    order: 4,
  },
  silentAgents: {
    title: 'Agents not heard from',
    emptyHint: 'Every active agent reported within the last 24 hours (or none is enrolled yet: enroll one from a PHI server).',
    order: 5,
  },
  invitations: {
    title: 'Invitations',
    emptyHint: 'No invitation is pending. Invite the people who will use Safe Harbor from Administration → Invitations.',
    order: 6,
  },
};

export const TODAY_REGISTRY = Symbol('TodayRegistry');

export class TodayRegistry {
  private readonly providers: TodayProvider[] = [];

  register(p: TodayProvider): void {
    this.providers.push(p);
  }

  async compose(ctx: TodayContext): Promise<{ asOf: string; today: string; timeZone: string; role: Role; sections: TodaySection[] }> {
    const mine = this.providers.filter((p) => p.roles.includes(ctx.principal.role));
    const sections = new Map<TodaySectionKey, TodaySection>();
    for (const p of mine) {
      const meta = SECTIONS[p.section];
      const s = sections.get(p.section) ?? { key: p.section, title: meta.title, emptyHint: meta.emptyHint, available: true, items: [] };
      sections.set(p.section, s);
      try {
        s.items.push(...(await p.collect(ctx)));
      } catch (err) {
        s.available = false;
        s.note = `not available: ${(err as Error).message}`;
      }
    }
    const out = [...sections.values()].sort((a, b) => SECTIONS[a.key].order - SECTIONS[b.key].order);
    for (const s of out)
      s.items.sort((a, b) =>
        'dueOn' in a && 'dueOn' in b ? a.dueOn.localeCompare(b.dueOn) : 'since' in a && 'since' in b ? a.since.localeCompare(b.since) : 0,
      );
    return { asOf: ctx.now.toISOString(), today: ctx.today, timeZone: ctx.timeZone, role: ctx.principal.role, sections: out };
  }
}

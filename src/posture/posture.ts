/**
 * The compliance posture: one composed view of what an auditor or officer asks first. Each
 * section comes from a provider; contexts register their own (or replace a default) through
 * the PostureRegistry, so the view grows as contexts are added.
 */
export type Cell = string | number | boolean | null;

export interface PostureSection {
  key: string;
  title: string;
  /** False when no context provides this section yet (the note says which). */
  available: boolean;
  note?: string;
  columns: string[];
  rows: Array<Record<string, Cell>>;
  /** Rows needing action now (overdue, past cryptoperiod, …). */
  attention: number;
}

export interface PostureContext {
  now: Date;
  today: string;
  timeZone: string;
}

export interface PostureProvider {
  key: string;
  title: string;
  order: number;
  columns: string[];
  collect(ctx: PostureContext): Promise<{ rows: Array<Record<string, Cell>>; attention: number; note?: string }>;
}

export const POSTURE_REGISTRY = Symbol('PostureRegistry');

export class PostureRegistry {
  private readonly providers = new Map<string, PostureProvider>();
  private readonly placeholders = new Map<string, { title: string; order: number; note: string }>();

  /** Register (or replace) the provider of a section. */
  register(p: PostureProvider): void {
    this.providers.set(p.key, p);
  }

  /** A section shown as unavailable until some context provides it. */
  placeholder(key: string, title: string, order: number, note: string): void {
    this.placeholders.set(key, { title, order, note });
  }

  async compose(ctx: PostureContext): Promise<{ asOf: string; today: string; timeZone: string; sections: PostureSection[] }> {
    const sections: PostureSection[] = [];
    for (const p of this.providers.values()) {
      try {
        const r = await p.collect(ctx);
        sections.push({
          key: p.key,
          title: p.title,
          available: true,
          columns: p.columns,
          rows: r.rows,
          attention: r.attention,
          ...(r.note ? { note: r.note } : {}),
          order: p.order,
        } as PostureSection & { order: number });
      } catch (err) {
        sections.push({
          key: p.key,
          title: p.title,
          available: false,
          note: `provider failed: ${(err as Error).message}`,
          columns: p.columns,
          rows: [],
          attention: 0,
          order: p.order,
        } as PostureSection & { order: number });
      }
    }
    for (const [key, ph] of this.placeholders) {
      if (this.providers.has(key)) continue;
      sections.push({
        key,
        title: ph.title,
        available: false,
        note: ph.note,
        columns: [],
        rows: [],
        attention: 0,
        order: ph.order,
      } as PostureSection & { order: number });
    }
    sections.sort((a, b) => (a as unknown as { order: number }).order - (b as unknown as { order: number }).order);
    for (const s of sections) delete (s as unknown as { order?: number }).order;
    return { asOf: ctx.now.toISOString(), today: ctx.today, timeZone: ctx.timeZone, sections };
  }
}

/** Plain-text tables for `safeharbor status`. */
export function renderPostureText(p: { asOf: string; today: string; timeZone: string; sections: PostureSection[] }): string {
  const out: string[] = [`Safe Harbor posture as of ${p.today} (${p.timeZone})`, ''];
  for (const s of p.sections) {
    const flag = !s.available ? 'n/a' : s.attention > 0 ? `${s.attention} need${s.attention === 1 ? 's' : ''} action` : 'ok';
    out.push(`== ${s.title} [${flag}]`);
    if (!s.available) {
      out.push(`   ${s.note ?? 'not available'}`, '');
      continue;
    }
    if (s.rows.length === 0) {
      out.push('   none', '');
      continue;
    }
    const cell = (v: Cell) => (v === null || v === undefined ? '-' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    const widths = s.columns.map((c) => Math.min(48, Math.max(c.length, ...s.rows.map((r) => cell(r[c]).length))));
    const line = (vals: string[]) =>
      '   ' +
      vals
        .map((v, i) => (v.length > widths[i] ? v.slice(0, widths[i] - 1) + '…' : v.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    out.push(line(s.columns), line(widths.map((w) => '-'.repeat(w))));
    for (const r of s.rows) out.push(line(s.columns.map((c) => cell(r[c]))));
    if (s.note) out.push(`   ${s.note}`);
    out.push('');
  }
  return out.join('\n');
}

import type { CommandContext, DomainEvent, Ledger } from '../ledger/ledger';
import type { OnOpened } from './free-text-sealer';

/** Collects the scopes and fields of the sealed values a response opened (pass `onOpened` to `openFreeText`). */
export class OpenedFreeText {
  readonly scopes = new Set<string>();
  readonly fields = new Set<string>();
  readonly onOpened: OnOpened = (scope, path) => {
    this.scopes.add(scope);
    this.fields.add(path);
  };

  get any(): boolean {
    return this.scopes.size > 0;
  }

  /**
   * Appends the read of PHI (`PhiAccessed`: who, which route and params, which scopes and fields —
   * never the text) when anything was opened; nothing otherwise. Call after the data was found and
   * before it is sent (issue 14, item 10).
   */
  async record(
    ledger: Ledger,
    ctx: CommandContext,
    request: { method: string; route: string; params: Readonly<Record<string, unknown>> },
  ): Promise<void> {
    if (!this.any) return;
    const event: DomainEvent = {
      type: 'PhiAccessed',
      data: {
        principalId: ctx.actor.id,
        role: ctx.actor.role,
        ...request,
        freeText: { scopes: [...this.scopes].sort(), fields: [...this.fields].sort() },
      },
    };
    await ledger.append(`phiaccess-${ctx.actor.id}`, [event], 'any', ctx);
  }
}
